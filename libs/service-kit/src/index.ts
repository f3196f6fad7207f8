export * from './catalog';
export * from './config';
export * from './problem';
export * from './kit.module';
export * from './bootstrap';
export * from './main-runner';
export * from './http-telemetry';
export * from './auth';
