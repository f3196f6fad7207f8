import '@omni/service-kit/telemetry';
import { runService } from '@omni/service-kit';
import { windowPolicy } from './window-policy';

runService(windowPolicy);
