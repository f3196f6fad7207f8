import '@omni/service-kit/telemetry';
import { runService } from '@omni/service-kit';
import { gatewayMessenger } from './gateway-messenger';

runService(gatewayMessenger);
