/** A calendar date as `YYYY-MM-DD`; a month as `YYYY-MM`. Plain strings compare in date order. */
export type CalendarDate = string;
export type CalendarMonth = string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_RE = /^(\d{4})-(\d{2})$/;

export function isCalendarDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

export function isCalendarMonth(value: string): boolean {
  const m = MONTH_RE.exec(value);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 12;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Today's date in UTC, the app's single notion of "today". */
export function todayUtc(now: Date): CalendarDate {
  return now.toISOString().slice(0, 10);
}

export function firstDayOfMonth(month: CalendarMonth): CalendarDate {
  return `${month}-01`;
}

export function lastDayOfMonth(month: CalendarMonth): CalendarDate {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return `${month}-${String(daysInMonth(y, m)).padStart(2, "0")}`;
}

/** Whole days from `from` to `to`, both counted (`2026-01-01`..`2026-01-31` is 31). */
export function daysInclusive(from: CalendarDate, to: CalendarDate): number {
  const ms = Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`);
  return Math.round(ms / 86_400_000) + 1;
}

/**
 * Reads a date the way AirTable CSV exports and people write it:
 * `2026-03-01`, `3/1/2026` (US, AirTable's default export), `2026-03-01T00:00:00.000Z`,
 * or `March 1, 2026`. Returns null for anything else.
 */
export function parseLooseDate(input: string): CalendarDate | null {
  const text = input.trim();
  if (text === "") return null;
  if (isCalendarDate(text)) return text;
  const iso = /^(\d{4}-\d{2}-\d{2})T[\d:.]+(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (iso && isCalendarDate(iso[1]!)) return iso[1]!;
  const us = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+\d{1,2}:\d{2}(?:\s*[ap]m)?)?$/i.exec(text);
  if (us) {
    const candidate = `${us[3]}-${us[1]!.padStart(2, "0")}-${us[2]!.padStart(2, "0")}`;
    return isCalendarDate(candidate) ? candidate : null;
  }
  const long = /^([A-Za-z]+)\s+(\d{1,2}),\s*(\d{4})$/.exec(text);
  if (long) {
    const month = MONTH_NAMES.indexOf(long[1]!.slice(0, 3).toLowerCase()) + 1;
    if (month === 0) return null;
    const candidate = `${long[3]}-${String(month).padStart(2, "0")}-${long[2]!.padStart(2, "0")}`;
    return isCalendarDate(candidate) ? candidate : null;
  }
  return null;
}

const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
