export * from './adapter';
export * from './errors';
export * from './crypto';
export * from './text';
export * from './json';
