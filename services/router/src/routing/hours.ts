import { DateTime } from 'luxon';
import type { BusinessHours } from './document';

/** How far ahead the next opening is looked for (a queue closed longer than this has none). */
const SEARCH_DAYS = 400;
const DAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

interface Range {
  from: number;
  to: number;
}

function rangesOf(hours: BusinessHours, local: DateTime): Range[] {
  if (hours.holidays?.includes(local.toISODate() ?? '')) return [];
  return (hours.weekly[DAY_KEYS[local.weekday - 1]] ?? [])
    .map((r) => {
      const [from, to] = r.split('-').map((t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5)));
      return { from, to };
    })
    .sort((a, b) => a.from - b.from);
}

/**
 * Whether `at` falls inside the queue's business hours, read on the wall clock of the queue's zone
 * (so 09:00 stays 09:00 across a daylight-saving change) and closed on holidays.
 */
export function isOpen(hours: BusinessHours | undefined, at: Date): boolean {
  if (!hours) return true;
  const local = DateTime.fromJSDate(at, { zone: hours.timezone });
  const minute = local.hour * 60 + local.minute;
  return rangesOf(hours, local).some((r) => minute >= r.from && minute < r.to);
}

/** The next time the queue opens after `at` (`at` itself when open), or undefined when it never does. */
export function nextOpening(hours: BusinessHours | undefined, at: Date): Date | undefined {
  if (!hours || isOpen(hours, at)) return at;
  const start = DateTime.fromJSDate(at, { zone: hours.timezone });
  for (let d = 0; d < SEARCH_DAYS; d++) {
    const day = start.startOf('day').plus({ days: d });
    for (const range of rangesOf(hours, day)) {
      // fromObject on a wall-clock time a DST jump skips lands just after the jump.
      const opening = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour: Math.floor(range.from / 60), minute: range.from % 60 }, { zone: hours.timezone });
      if (opening.toMillis() > at.getTime()) return opening.toJSDate();
    }
  }
  return undefined;
}

/** "Tuesday, December 1 at 09:00 CET", in the customer's zone and language. */
export function formatOpening(at: Date, timezone: string, language: string): string {
  return DateTime.fromJSDate(at, { zone: timezone })
    .setLocale(language || 'en')
    .toLocaleString({ weekday: 'long', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
}

const UNITS: Record<string, { minute: [string, string]; hour: [string, string] }> = {
  en: { minute: ['minute', 'minutes'], hour: ['hour', 'hours'] },
  fr: { minute: ['minute', 'minutes'], hour: ['heure', 'heures'] },
};

/** A first-response target in words ("5 minutes", "2 heures"). */
export function formatDuration(seconds: number, language: string): string {
  const units = UNITS[language] ?? UNITS.en;
  if (seconds < 3600) {
    const minutes = Math.max(1, Math.round(seconds / 60));
    return `${minutes} ${units.minute[minutes === 1 ? 0 : 1]}`;
  }
  const hours = Math.round(seconds / 360) / 10;
  return `${hours} ${units.hour[hours === 1 ? 0 : 1]}`;
}
