export { crmWebhooks, crmWebhooksWith, CrmWebhooksConfig } from './crm-webhooks';
export { ManualClock, OffsetClock, systemClock, type Clock } from './domain/clock';
export { backoffDelayMs } from './domain/backoff';
