export { normalizer, createNormalizer, normalizerDatabase, type NormalizerOptions } from './normalizer';
export { Clock } from './domain/clock';
export { toE164 } from './domain/phone';
