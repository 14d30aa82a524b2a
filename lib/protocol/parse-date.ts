const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Wed Nov 25 2026 11:06:27 GMT+0000 (Coordinated Universal Time)`: what `Date.prototype.toString()` writes. */
const TO_STRING_FORM =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT([+-])(\d{2})(\d{2})(?: \([^()]*\))?$/;

/** ISO 8601 as `Date.prototype.toISOString()` and JSON write it, with or without a zone or fraction. */
const ISO_FORM =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function isValidCalendarDate(year: number, month: number, day: number): boolean {
  const probe = new Date(Date.UTC(year, month, day));
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month && probe.getUTCDate() === day;
}

function parseToStringForm(match: RegExpExecArray): Date | undefined {
  const [, monthName = '', day, year, hours, minutes, seconds, sign, offsetHours, offsetMinutes] = match;
  const month = MONTHS.indexOf(monthName);
  if (!isValidCalendarDate(Number(year), month, Number(day))) return undefined;
  if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 59) return undefined;
  const local = Date.UTC(Number(year), month, Number(day), Number(hours), Number(minutes), Number(seconds));
  const offset = (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  return new Date(local - offset);
}

/**
 * Reads a date the way the scirocco protocol writes one: JavaScript's `Date.prototype.toString()`
 * form (single-message headers of the original server) or ISO 8601 (list items, other servers).
 * Any other text, or an impossible date such as February 30, gives `undefined`.
 *
 * @example
 * ```ts
 * import { parseDate } from 'scirocco-rx';
 *
 * parseDate('Wed Nov 25 2026 11:06:27 GMT+0000 (Coordinated Universal Time)')?.toISOString();
 * // '2026-11-25T11:06:27.000Z'
 * parseDate('2026-11-25T11:06:27.125Z')?.getTime(); // 1795604787125
 * parseDate('yesterday'); // undefined
 * ```
 */
export function parseDate(text: string): Date | undefined {
  // Answers repeat the same second-resolution dates: remember the recent ones.
  const known = recent.get(text);
  if (known !== undefined) return Number.isNaN(known) ? undefined : new Date(known);
  const parsed = parseFresh(text);
  if (recent.size >= 256) recent.clear();
  recent.set(text, parsed?.getTime() ?? Number.NaN);
  return parsed;
}

const recent = new Map<string, number>();

function parseFresh(text: string): Date | undefined {
  const trimmed = text.trim();
  const toStringMatch = TO_STRING_FORM.exec(trimmed);
  if (toStringMatch) return parseToStringForm(toStringMatch);
  const isoMatch = ISO_FORM.exec(trimmed);
  if (!isoMatch) return undefined;
  const [, year, month, day] = isoMatch;
  if (!isValidCalendarDate(Number(year), Number(month) - 1, Number(day))) return undefined;
  const time = Date.parse(trimmed);
  return Number.isNaN(time) ? undefined : new Date(time);
}
