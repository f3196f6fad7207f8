import type { CrmWebhooksConfig } from './config';

/** The validated settings the dispatcher and API read. */
export interface WebhookSettings {
  retry: { baseMs: number; maxDelayMs: number; windowMs: number };
  timeoutMs: number;
  pollMs: number;
  settleMs: number;
  maxInFlight: number;
  retentionMs: number;
  allowHttp: boolean;
}

export const SETTINGS = Symbol('omni.crm-webhooks.settings');
/** Random source of the backoff jitter (tests make it deterministic). */
export const RANDOM = Symbol('omni.crm-webhooks.random');

export function settingsFrom(config: CrmWebhooksConfig): WebhookSettings {
  return {
    retry: { baseMs: config.WEBHOOK_RETRY_BASE_MS, maxDelayMs: config.WEBHOOK_RETRY_MAX_DELAY_MS, windowMs: config.WEBHOOK_RETRY_WINDOW_MS },
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    pollMs: config.WEBHOOK_POLL_MS,
    settleMs: config.WEBHOOK_ORDER_SETTLE_MS,
    maxInFlight: config.WEBHOOK_MAX_IN_FLIGHT,
    retentionMs: config.WEBHOOK_EVENT_RETENTION_DAYS * 24 * 3_600_000,
    allowHttp: config.WEBHOOK_ALLOW_HTTP,
  };
}
