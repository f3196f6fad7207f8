import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { DateTime, IANAZone } from 'luxon';

/** Local times (minutes after midnight) between which marketing waits: start ≤ t < end, wrapping midnight. */
export interface QuietHours {
  startMinute: number;
  endMinute: number;
}

/** "21:00-08:00" → quiet hours; throws on anything else. */
export function parseQuietHours(value: string): QuietHours {
  const match = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(value.trim());
  if (!match) throw new Error('must look like HH:MM-HH:MM, e.g. 21:00-08:00');
  const startMinute = Number(match[1]) * 60 + Number(match[2]);
  const endMinute = Number(match[3]) * 60 + Number(match[4]);
  if (startMinute === endMinute) throw new Error('start and end must differ');
  return { startMinute, endMinute };
}

function isQuietAt(local: DateTime, quiet: QuietHours): boolean {
  const minute = local.hour * 60 + local.minute + local.second / 60 + local.millisecond / 60_000;
  return quiet.startMinute > quiet.endMinute
    ? minute >= quiet.startMinute || minute < quiet.endMinute
    : minute >= quiet.startMinute && minute < quiet.endMinute;
}

/** The next instant quiet hours end in `zone`, from a moment inside them. */
function quietEndAfter(local: DateTime, quiet: QuietHours): DateTime {
  let end = local.set({ hour: Math.floor(quiet.endMinute / 60), minute: quiet.endMinute % 60, second: 0, millisecond: 0 });
  if (end <= local) end = end.plus({ days: 1 });
  return end;
}

/**
 * When marketing may go out to someone who may be in any of `zones` (a country spanning several):
 * `undefined` if now, else the first instant outside quiet hours in every zone. Bounded: if the
 * zones never share an allowed moment within a few days, the first zone alone decides.
 */
export function quietHoursEnd(now: Date, zones: readonly string[], quiet: QuietHours): Date | undefined {
  let t = DateTime.fromJSDate(now);
  for (let step = 0; step < 8; step++) {
    const quietIn = zones.filter((zone) => isQuietAt(t.setZone(zone), quiet));
    if (!quietIn.length) return step === 0 ? undefined : t.toJSDate();
    t = DateTime.max(...quietIn.map((zone) => quietEndAfter(t.setZone(zone), quiet)))!;
  }
  const first = DateTime.fromJSDate(now).setZone(zones[0]!);
  return isQuietAt(first, quiet) ? quietEndAfter(first, quiet).toJSDate() : undefined;
}

/**
 * IANA zones per country for numbers whose owner's zone is unknown. Countries spanning several
 * zones list all of them, so quiet hours hold wherever the person is. Extended or overridden by
 * WINDOW_POLICY_COUNTRY_TIMEZONES.
 */
export const COUNTRY_ZONES: Readonly<Record<string, readonly string[]>> = {
  US: ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Phoenix', 'America/Los_Angeles', 'America/Anchorage', 'Pacific/Honolulu'],
  CA: ['America/St_Johns', 'America/Halifax', 'America/Toronto', 'America/Winnipeg', 'America/Edmonton', 'America/Vancouver'],
  MX: ['America/Cancun', 'America/Mexico_City', 'America/Chihuahua', 'America/Tijuana'],
  BR: ['America/Sao_Paulo', 'America/Manaus'],
  AU: ['Australia/Sydney', 'Australia/Brisbane', 'Australia/Adelaide', 'Australia/Darwin', 'Australia/Perth'],
  AR: ['America/Argentina/Buenos_Aires'],
  CO: ['America/Bogota'],
  CL: ['America/Santiago'],
  PE: ['America/Lima'],
  GB: ['Europe/London'],
  IE: ['Europe/Dublin'],
  PT: ['Europe/Lisbon'],
  ES: ['Europe/Madrid'],
  FR: ['Europe/Paris'],
  BE: ['Europe/Brussels'],
  NL: ['Europe/Amsterdam'],
  DE: ['Europe/Berlin'],
  CH: ['Europe/Zurich'],
  AT: ['Europe/Vienna'],
  IT: ['Europe/Rome'],
  PL: ['Europe/Warsaw'],
  SE: ['Europe/Stockholm'],
  NO: ['Europe/Oslo'],
  DK: ['Europe/Copenhagen'],
  FI: ['Europe/Helsinki'],
  GR: ['Europe/Athens'],
  TR: ['Europe/Istanbul'],
  IL: ['Asia/Jerusalem'],
  AE: ['Asia/Dubai'],
  ZA: ['Africa/Johannesburg'],
  NG: ['Africa/Lagos'],
  KE: ['Africa/Nairobi'],
  EG: ['Africa/Cairo'],
  IN: ['Asia/Kolkata'],
  SG: ['Asia/Singapore'],
  PH: ['Asia/Manila'],
  JP: ['Asia/Tokyo'],
  KR: ['Asia/Seoul'],
  CN: ['Asia/Shanghai'],
  NZ: ['Pacific/Auckland'],
};

/** "US=America/New_York|America/Chicago,FR=Europe/Paris" → table; throws naming a bad zone. */
export function parseCountryZones(value: string): Record<string, string[]> {
  const table: Record<string, string[]> = {};
  for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = /^([A-Z]{2})=(.+)$/.exec(entry);
    if (!match) throw new Error(`"${entry}" is not CC=Zone|Zone`);
    const zones = match[2]!.split('|').map((z) => z.trim());
    for (const zone of zones) if (!IANAZone.isValidZone(zone)) throw new Error(`"${zone}" is not an IANA time zone`);
    table[match[1]!] = zones;
  }
  return table;
}

export function isValidZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/**
 * Zones the recipient may be in: their own (when the channel or CRM said), else those of the
 * number's country (libphonenumber), else the configured default.
 */
export function recipientZones(input: { timezone?: string; phone?: string; countryZones: Readonly<Record<string, readonly string[]>>; defaultZone: string }): string[] {
  if (input.timezone && IANAZone.isValidZone(input.timezone)) return [input.timezone];
  const country = input.phone ? parsePhoneNumberFromString(input.phone)?.country : undefined;
  const zones = country ? input.countryZones[country] : undefined;
  return zones?.length ? [...zones] : [input.defaultZone];
}
