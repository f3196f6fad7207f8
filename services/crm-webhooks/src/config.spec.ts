import { catalogDrift, ConfigError, loadConfig, ownSettings } from '@omni/service-kit';
import { CrmWebhooksConfig } from './config';
import { settingsFrom } from './settings';

const load = (env: Record<string, string>) => loadConfig(CrmWebhooksConfig, { PORT: '3205', ...env });

describe('crm-webhooks configuration', () => {
  it('defaults: retries over 24 h from 5 s up to 2 h apart, https only, 30 days of replay', () => {
    expect(settingsFrom(load({}))).toMatchObject({
      retry: { baseMs: 5_000, maxDelayMs: 7_200_000, windowMs: 86_400_000 },
      timeoutMs: 10_000,
      settleMs: 1_000,
      allowHttp: false,
      retentionMs: 30 * 86_400_000,
    });
    expect(settingsFrom(load({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_RETRY_BASE_MS: '100' }))).toMatchObject({ allowHttp: true, retry: { baseMs: 100 } });
  });

  it('reads integer settings at their bounds, an empty one keeping its default', () => {
    expect(settingsFrom(load({ WEBHOOK_TIMEOUT_MS: '60000', WEBHOOK_ORDER_SETTLE_MS: '0', WEBHOOK_MAX_IN_FLIGHT: '256', WEBHOOK_POLL_MS: '' }))).toMatchObject({
      timeoutMs: 60_000,
      settleMs: 0,
      maxInFlight: 256,
      pollMs: 500,
    });
  });

  it.each([
    ['WEBHOOK_RETRY_WINDOW_MS', '3600000'],
    ['WEBHOOK_TIMEOUT_MS', '0'],
    ['WEBHOOK_MAX_IN_FLIGHT', '1000'],
    ['WEBHOOK_EVENT_RETENTION_DAYS', 'forever'],
    ['WEBHOOK_POLL_MS', '2.5'],
    ['WEBHOOK_RETRY_BASE_MS', '9'],
  ])('refuses %s=%s and names it', (variable, value) => {
    expect(() => load({ [variable]: value })).toThrow(ConfigError);
    expect(() => load({ [variable]: value })).toThrow(variable);
  });

  it('is in the service catalog with the same defaults, so compose and k8s can set every setting', () => {
    expect(ownSettings(CrmWebhooksConfig)).toEqual([
      'WEBHOOK_ALLOW_HTTP',
      'WEBHOOK_EVENT_RETENTION_DAYS',
      'WEBHOOK_MAX_IN_FLIGHT',
      'WEBHOOK_ORDER_SETTLE_MS',
      'WEBHOOK_POLL_MS',
      'WEBHOOK_RETRY_BASE_MS',
      'WEBHOOK_RETRY_MAX_DELAY_MS',
      'WEBHOOK_RETRY_WINDOW_MS',
      'WEBHOOK_TIMEOUT_MS',
    ]);
    expect(catalogDrift('crm-webhooks', CrmWebhooksConfig)).toEqual([]);
  });
});
