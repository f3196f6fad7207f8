import '@omni/service-kit/telemetry';
import { runService } from '@omni/service-kit';
import { gatewayWhatsApp } from './gateway-whatsapp';

runService(gatewayWhatsApp);
