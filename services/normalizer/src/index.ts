export { normalizer } from './normalizer';
export { Clock } from './domain/clock';
