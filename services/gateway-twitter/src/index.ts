export { gatewayTwitter } from './gateway-twitter';
