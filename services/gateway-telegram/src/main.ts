import '@omni/service-kit/telemetry';
import { runService } from '@omni/service-kit';
import { gatewayTelegram } from './gateway-telegram';

runService(gatewayTelegram);
