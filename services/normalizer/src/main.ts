import '@omni/service-kit/telemetry';
import { runService } from '@omni/service-kit';
import { normalizer } from './normalizer';

runService(normalizer);
