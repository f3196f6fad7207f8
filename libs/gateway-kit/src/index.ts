export * from './tokens';
export * from './gateway.module';
export * from './webhook.controller';
