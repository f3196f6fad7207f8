export * from './database';
export * from './prepared-statements';
export * from './entities';
export * from './outbox';
export * from './unit-of-work';
export * from './write-buffer';
export * from './nest';
export * from './inbox-pruner';
export { CreateInboxOutbox1732300000000 } from './migrations/1732300000000-create-inbox-outbox';
