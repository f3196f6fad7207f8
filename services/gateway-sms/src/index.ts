export { gatewaySms, SmsGatewayConfig } from './gateway-sms';
