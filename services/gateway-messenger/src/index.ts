export { gatewayMessenger, MessengerGatewayConfig } from './gateway-messenger';
