import '@omni/service-kit/telemetry';
import { runService } from '@omni/service-kit';
import { assignment } from './assignment';

runService(assignment);
