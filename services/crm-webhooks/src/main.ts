import '@omni/service-kit/telemetry';
import { runService } from '@omni/service-kit';
import { crmWebhooks } from './crm-webhooks';

runService(crmWebhooks);
