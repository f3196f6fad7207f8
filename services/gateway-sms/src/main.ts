import '@omni/service-kit/telemetry';
import { runService } from '@omni/service-kit';
import { gatewaySms } from './gateway-sms';

runService(gatewaySms);
