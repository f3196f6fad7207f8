import { NormalizerInitial1732300000100 } from './1732300000100-normalizer-initial';
import { NormalizerIdentityHistory1732300000110 } from './1732300000110-normalizer-identity-history';
import { NormalizerDedupeKey1732300000120 } from './1732300000120-normalizer-dedupe-key';

/** The normalizer's schema, in the order the migrations apply (the service and its tests use this list). */
export const NORMALIZER_MIGRATIONS = [NormalizerInitial1732300000100, NormalizerIdentityHistory1732300000110, NormalizerDedupeKey1732300000120];
