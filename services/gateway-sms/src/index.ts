export { gatewaySms } from './gateway-sms';
