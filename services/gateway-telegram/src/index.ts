export { gatewayTelegram, TelegramGatewayConfig } from './gateway-telegram';
