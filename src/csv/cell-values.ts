import { parseLooseDate, type CalendarDate } from "../domain/calendar-date.js";
import { parseMoney, type MinorUnits } from "../domain/money.js";
import { parseGithubHandles } from "../domain/records.js";

/** A cell read into a domain value, or what is wrong with it in words that say what is valid. */
export type CellValue<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): CellValue<T> => ({ ok: true, value });
const bad = <T>(message: string): CellValue<T> => ({ ok: false, message });

/** Free text: surrounding spaces dropped, empty means no value. Line breaks inside are kept. */
export function readText(cell: string): CellValue<string | null> {
  const text = cell.trim();
  return ok(text === "" ? null : text);
}

export function readDate(cell: string): CellValue<CalendarDate | null> {
  const text = cell.trim();
  if (text === "") return ok(null);
  const date = parseLooseDate(text);
  if (date === null) {
    return bad(`"${text}" is not a date; use YYYY-MM-DD (2026-03-01) or AirTable's export form (3/1/2026)`);
  }
  return ok(date);
}

/** A non-negative amount with at most two decimals, into cents. */
export function readFee(cell: string): CellValue<MinorUnits | null> {
  const text = cell.trim();
  if (text === "") return ok(null);
  const cents = parseMoney(text);
  if (cents === null) {
    return bad(`"${text}" is not an amount; write it like 1500.00 or $1,500.00 (at most two decimals)`);
  }
  if (cents < 0 || Object.is(cents, -0) || /^-|^[$€£]-/.test(text)) {
    return bad(`"${text}" is negative; a fee is zero or more, e.g. 1500.00`);
  }
  return ok(cents);
}

const CHECKED = new Set(["checked", "true", "yes", "y", "1", "x", "✓", "✔", "on"]);
const UNCHECKED = new Set(["", "unchecked", "false", "no", "n", "0", "off"]);

/** An AirTable checkbox: the export writes `checked` or leaves the cell empty. */
export function readCheckbox(cell: string): CellValue<boolean> {
  const text = cell.trim().toLowerCase();
  if (CHECKED.has(text)) return ok(true);
  if (UNCHECKED.has(text)) return ok(false);
  return bad(`"${cell.trim()}" is not a checkbox value; use checked or an empty cell (true/false, yes/no, 1/0 also work)`);
}

/** A link the app follows or shows: http(s) only, so a stray note never becomes a "link". */
export function readUrl(cell: string): CellValue<string | null> {
  const text = cell.trim();
  if (text === "") return ok(null);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return bad(`"${text}" is not a link; write a full URL such as https://github.com/org/repo/issues/12`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return bad(`"${text}" is not a web link; it must start with https:// or http://`);
  }
  return ok(text);
}

const EMAIL_RE = /^[^\s@,;<>]+@[^\s@,;<>]+\.[^\s@,;<>]+$/;

export function readEmail(cell: string): CellValue<string | null> {
  const text = cell.trim();
  if (text === "") return ok(null);
  if (!EMAIL_RE.test(text)) return bad(`"${text}" is not one email address; write it like name@example.org`);
  return ok(text);
}

// GitHub logins: letters, digits and single hyphens, at most 39 characters.
const HANDLE_RE = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;

export function readHandles(cell: string): CellValue<string[]> {
  const handles = parseGithubHandles(cell);
  const invalid = handles.filter((h) => !HANDLE_RE.test(h));
  if (invalid.length > 0) {
    return bad(
      `${invalid.map((h) => `"${h}"`).join(", ")} ${invalid.length > 1 ? "are not GitHub handles" : "is not a GitHub handle"}; list handles separated by commas or spaces, e.g. @alice, @bob`,
    );
  }
  return ok(handles);
}
