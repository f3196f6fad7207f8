export { gatewayWhatsApp } from './gateway-whatsapp';
