import { ConfigError, loadConfig } from '@omni/service-kit';
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

  it.each([
    ['WINDOW_POLICY_TEMPLATES', '{not json', /not JSON/],
    ['WINDOW_POLICY_TEMPLATES', JSON.stringify([{ name: 'x', language: 'en_US', category: 'PROMO', components: [] }]), /category/],
    ['WINDOW_POLICY_TEMPLATES', JSON.stringify([{ name: 'x', language: 'en_US', category: 'UTILITY', components: [{ type: 'body', parameters: ['emoji'] }] }]), /parameters/],
    ['WINDOW_POLICY_QUIET_HOURS', '9pm-8am', /HH:MM-HH:MM/],
    ['WINDOW_POLICY_DEFAULT_TIMEZONE', 'Mars/Olympus', /IANA/],
    ['WINDOW_POLICY_COUNTRY_TIMEZONES', 'FR=Europe/Pariss', /not an IANA time zone/],
    ['WINDOW_POLICY_EXPIRING_LEAD_MINUTES', '0', /must not be less than 1/],
  ])('%s=%s stops the service with a message naming the variable', (variable, value, problem) => {
    let error: unknown;
    try {
      load({ [variable]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const found = (error as ConfigError).problems.find((p) => p.variable === variable);
    expect(found?.problem).toMatch(problem);
  });
});
