export { gatewayTwitter, TwitterGatewayConfig, TwitterGatewayModule, businessUserIdOf } from './gateway-twitter';
export { parseWelcomeMessages, welcomeContentHash } from './welcome/welcome-config';
export { WelcomeMessageRegistrar, type WelcomeMessageState } from './welcome/welcome-registrar';
