import { COUNTRY_ZONES, parseCountryZones, parseQuietHours, type QuietHours } from './domain/quiet-hours';
import { parseTemplateRegistry, type RegisteredTemplate } from './domain/templates';
import type { WindowPolicyConfig } from './config';

export const SETTINGS = Symbol('omni.window-policy.settings');

/** The parsed, validated configuration the handlers use. */
export interface WindowPolicySettings {
  templates: RegisteredTemplate[];
  quietHours: QuietHours;
  defaultZone: string;
  countryZones: Record<string, readonly string[]>;
  smsHelpText: string;
  smsAdvancedOptOut: boolean;
  expiringLeadMs: number;
  messengerAdWindowHours: number;
  timerPollMs: number;
}

export function settingsFrom(config: WindowPolicyConfig): WindowPolicySettings {
  return {
    templates: parseTemplateRegistry(config.WINDOW_POLICY_TEMPLATES),
    quietHours: parseQuietHours(config.WINDOW_POLICY_QUIET_HOURS),
    defaultZone: config.WINDOW_POLICY_DEFAULT_TIMEZONE,
    countryZones: { ...COUNTRY_ZONES, ...parseCountryZones(config.WINDOW_POLICY_COUNTRY_TIMEZONES) },
    smsHelpText: config.WINDOW_POLICY_SMS_HELP_TEXT,
    smsAdvancedOptOut: config.WINDOW_POLICY_SMS_ADVANCED_OPT_OUT,
    expiringLeadMs: config.WINDOW_POLICY_EXPIRING_LEAD_MINUTES * 60_000,
    messengerAdWindowHours: config.WINDOW_POLICY_MESSENGER_AD_WINDOW_HOURS,
    timerPollMs: config.WINDOW_POLICY_TIMER_POLL_MS,
  };
}
