export * from './settings';
export * from './envelope';
export * from './connection';
export * from './publisher';
export * from './consumer';
export * from './trace-headers';
export * from './nest';
