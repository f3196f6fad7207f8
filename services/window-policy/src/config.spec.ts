import { catalogDrift, ConfigError, loadConfig, ownSettings } from '@omni/service-kit';
import { WindowPolicyConfig } from './config';
import { settingsFrom } from './settings';

const load = (env: Record<string, string>) => loadConfig(WindowPolicyConfig, { PORT: '3203', ...env });

describe('window-policy configuration', () => {
  it('has working defaults: TCPA quiet hours, 60 min expiring lead, 7-day ad window, an empty registry', () => {
    const settings = settingsFrom(load({}));
    expect(settings).toMatchObject({ quietHours: { startMinute: 21 * 60, endMinute: 8 * 60 }, expiringLeadMs: 3_600_000, messengerAdWindowHours: 168, templates: [], smsAdvancedOptOut: false });
    expect(settings.countryZones.FR).toEqual(['Europe/Paris']);
  });

  it('reads the template registry and the switches', () => {
    const settings = settingsFrom(
      load({
        WINDOW_POLICY_TEMPLATES: JSON.stringify([{ name: 'order_update', language: 'en_US', category: 'UTILITY', components: [{ type: 'body', parameters: ['text'] }] }]),
        WINDOW_POLICY_SMS_ADVANCED_OPT_OUT: 'true',
        WINDOW_POLICY_COUNTRY_TIMEZONES: 'FR=Europe/Paris|America/Cayenne',
      }),
    );
    expect(settings.templates.map((t) => t.name)).toEqual(['order_update']);
    expect(settings.smsAdvancedOptOut).toBe(true);
    expect(settings.countryZones.FR).toEqual(['Europe/Paris', 'America/Cayenne']);
  });

  it('reads integer settings at their bounds, an empty one keeping its default', () => {
    expect(settingsFrom(load({ WINDOW_POLICY_EXPIRING_LEAD_MINUTES: '1440', WINDOW_POLICY_MESSENGER_AD_WINDOW_HOURS: '24', WINDOW_POLICY_TIMER_POLL_MS: '' }))).toMatchObject({
      expiringLeadMs: 1440 * 60_000,
      messengerAdWindowHours: 24,
      timerPollMs: 1_000,
    });
    expect(settingsFrom(load({ WINDOW_POLICY_EXPIRING_LEAD_MINUTES: '1', WINDOW_POLICY_MESSENGER_AD_WINDOW_HOURS: '168', WINDOW_POLICY_TIMER_POLL_MS: '60000' }))).toMatchObject({
      expiringLeadMs: 60_000,
      messengerAdWindowHours: 168,
      timerPollMs: 60_000,
    });
  });

  it('is in the service catalog with the same defaults, so compose and k8s can set every setting', () => {
    expect(ownSettings(WindowPolicyConfig)).toEqual([
      'WINDOW_POLICY_COUNTRY_TIMEZONES',
      'WINDOW_POLICY_DEFAULT_TIMEZONE',
      'WINDOW_POLICY_EXPIRING_LEAD_MINUTES',
      'WINDOW_POLICY_MESSENGER_AD_WINDOW_HOURS',
      'WINDOW_POLICY_QUIET_HOURS',
      'WINDOW_POLICY_SMS_ADVANCED_OPT_OUT',
      'WINDOW_POLICY_SMS_HELP_TEXT',
      'WINDOW_POLICY_TEMPLATES',
      'WINDOW_POLICY_TIMER_POLL_MS',
    ]);
    expect(catalogDrift('window-policy', WindowPolicyConfig)).toEqual([]);
  });

  it.each([
    ['WINDOW_POLICY_TEMPLATES', '{not json', /not JSON/],
    ['WINDOW_POLICY_TEMPLATES', JSON.stringify([{ name: 'x', language: 'en_US', category: 'PROMO', components: [] }]), /category/],
    ['WINDOW_POLICY_TEMPLATES', JSON.stringify([{ name: 'x', language: 'en_US', category: 'UTILITY', components: [{ type: 'body', parameters: ['emoji'] }] }]), /parameters/],
    ['WINDOW_POLICY_QUIET_HOURS', '9pm-8am', /HH:MM-HH:MM/],
    ['WINDOW_POLICY_DEFAULT_TIMEZONE', 'Mars/Olympus', /IANA/],
    ['WINDOW_POLICY_COUNTRY_TIMEZONES', 'FR=Europe/Pariss', /not an IANA time zone/],
    ['WINDOW_POLICY_EXPIRING_LEAD_MINUTES', '0', /must not be less than 1/],
    ['WINDOW_POLICY_EXPIRING_LEAD_MINUTES', '1441', /must not be greater than 1440/],
    ['WINDOW_POLICY_EXPIRING_LEAD_MINUTES', 'an hour', /integer/],
    ['WINDOW_POLICY_MESSENGER_AD_WINDOW_HOURS', '23', /must not be less than 24/],
    ['WINDOW_POLICY_MESSENGER_AD_WINDOW_HOURS', '169', /must not be greater than 168/],
    ['WINDOW_POLICY_TIMER_POLL_MS', '49', /must not be less than 50/],
    ['WINDOW_POLICY_TIMER_POLL_MS', '1000.5', /integer/],
  ])('%s=%s stops the service with a message naming the variable', (variable, value, problem) => {
    let error: unknown;
    try {
      load({ [variable]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const found = (error as ConfigError).problems.filter((p) => p.variable === variable).map((p) => p.problem);
    expect(found.join('; ')).toMatch(problem);
  });
});
