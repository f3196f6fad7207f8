export * from './roles';
export * from './token-verifier';
export * from './auth.guard';
export * from './dev-token';
