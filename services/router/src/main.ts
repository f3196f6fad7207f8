import '@omni/service-kit/telemetry';
import { runService } from '@omni/service-kit';
import { router } from './router';

runService(router);
