import { isCalendarDate, isCalendarMonth, type CalendarMonth } from "../domain/calendar-date.js";

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const FULL_MONTHS = [
  "january", "february", "march", "april", "may", "june",
  "july", "august", "september", "october", "november", "december",
];

/**
 * Reads a month the way cost exports write it: `2026-01`, `2026-01-01` (a period's first
 * day), `202601` (Google's invoice month), `Jan 2026`, `January 2026`, `Jan-2026`, `01/2026`.
 * Returns null for anything else, including impossible months like `2026-13`.
 */
export function parseMonthLabel(input: string): CalendarMonth | null {
  const text = input.trim();
  if (isCalendarMonth(text)) return text;
  if (isCalendarDate(text)) return text.slice(0, 7);
  const compact = /^(\d{4})(\d{2})$/.exec(text);
  if (compact) return monthOf(compact[1]!, Number(compact[2]));
  const slashed = /^(\d{1,2})\/(\d{4})$/.exec(text);
  if (slashed) return monthOf(slashed[2]!, Number(slashed[1]));
  const named = /^([A-Za-z]+)\.?[\s-]+(\d{4})$/.exec(text);
  if (named) {
    const word = named[1]!.toLowerCase();
    // Exactly the three-letter abbreviation or the full name: `Ja 2026` or `Janu 2026` is a typo, not January.
    const index = word.length === 3 ? MONTHS.indexOf(word) : FULL_MONTHS.indexOf(word);
    const sept = word === "sept" ? 8 : -1;
    const month = (index === -1 ? sept : index) + 1;
    if (month === 0) return null;
    return monthOf(named[2]!, month);
  }
  return null;
}

function monthOf(year: string, month: number): CalendarMonth | null {
  const candidate = `${year}-${String(month).padStart(2, "0")}`;
  return isCalendarMonth(candidate) ? candidate : null;
}
