import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsString, Max, Min, Validate, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { BaseServiceConfig, numberSetting } from '@omni/service-kit';
import { isValidZone, parseCountryZones, parseQuietHours } from './domain/quiet-hours';
import { parseTemplateRegistry } from './domain/templates';

const toBool = ({ value }: { value: unknown }) => (typeof value === 'string' ? ['1', 'true', 'yes'].includes(value.trim().toLowerCase()) : value);

/** Turns a parser that throws into a class-validator constraint whose message is the parser's. */
function parsedBy(parse: (value: string) => unknown, name: string) {
  @ValidatorConstraint({ name })
  class Constraint implements ValidatorConstraintInterface {
    private problem = '';
    validate(value: unknown): boolean {
      try {
        parse(String(value));
        return true;
      } catch (err) {
        this.problem = (err as Error).message;
        return false;
      }
    }
    defaultMessage(): string {
      return this.problem;
    }
  }
  return Constraint;
}

export class WindowPolicyConfig extends BaseServiceConfig {
  /** Registered WhatsApp templates (JSON array of {name, language, category, components[{type, subType?, index?, parameters[kinds]}]}). */
  @IsString()
  @Validate(parsedBy(parseTemplateRegistry, 'templateRegistry'))
  WINDOW_POLICY_TEMPLATES = '[]';

  /** Local quiet hours for marketing SMS, "HH:MM-HH:MM" (TCPA: before 8 am / after 9 pm). */
  @IsString()
  @Validate(parsedBy(parseQuietHours, 'quietHours'))
  WINDOW_POLICY_QUIET_HOURS = '21:00-08:00';

  /** Zone used when neither the recipient, the CRM nor the number's country gives one. */
  @IsString()
  @Validate(parsedBy((z) => {
    if (!isValidZone(z)) throw new Error('must be an IANA time zone, e.g. America/New_York');
  }, 'timeZone'))
  WINDOW_POLICY_DEFAULT_TIMEZONE = 'America/New_York';

  /** Extra or replacement country zones, "US=America/New_York|America/Chicago,FR=Europe/Paris". */
  @IsString()
  @Validate(parsedBy(parseCountryZones, 'countryZones'))
  WINDOW_POLICY_COUNTRY_TIMEZONES = '';

  /** Text sent back to an SMS HELP / INFO keyword. */
  @IsString()
  WINDOW_POLICY_SMS_HELP_TEXT = 'Reply STOP to unsubscribe, START to resubscribe. Msg & data rates may apply.';

  /** True when Twilio Advanced Opt-Out already answers HELP on the Messaging Service: Omni stays silent. */
  @Transform(toBool)
  @IsBoolean()
  WINDOW_POLICY_SMS_ADVANCED_OPT_OUT = false;

  /** How long before a window closes omni.window.expiring.v1 goes out. */
  @Transform(numberSetting)
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  WINDOW_POLICY_EXPIRING_LEAD_MINUTES = 60;

  /** Window a Click-to-Messenger ad referral opens (Meta allows up to 7 days). */
  @Transform(numberSetting)
  @IsInt()
  @Min(24)
  @Max(7 * 24)
  WINDOW_POLICY_MESSENGER_AD_WINDOW_HOURS = 7 * 24;

  /** How often each instance looks for due timers (window.expiring, deferred releases). */
  @Transform(numberSetting)
  @IsInt()
  @Min(50)
  @Max(60_000)
  WINDOW_POLICY_TIMER_POLL_MS = 1_000;
}
