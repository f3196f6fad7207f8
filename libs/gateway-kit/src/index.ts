export * from './tokens';
export * from './gateway.module';
export * from './webhook.controller';
export * from './outbound.dispatcher';
export * from './send-ledger';
export * from './provider-client';
export * from './gateway-config';
export * from './registrations';
