export { gatewayMessenger } from './gateway-messenger';
