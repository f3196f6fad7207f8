export { gatewayWhatsApp, WhatsAppGatewayConfig } from './gateway-whatsapp';
