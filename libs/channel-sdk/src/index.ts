export * from './adapter';
export * from './errors';
export * from './crypto';
export * from './text';
export * from './json';
export * from './webhook-auth';
export * from './split-tail';
export * from './total';
