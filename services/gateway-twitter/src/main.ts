import '@omni/service-kit/telemetry';
import { runService } from '@omni/service-kit';
import { gatewayTwitter } from './gateway-twitter';

runService(gatewayTwitter);
