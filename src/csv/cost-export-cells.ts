import { cloudProjectKey } from "../domain/cloud-project-key.js";
import type { CalendarMonth } from "../domain/calendar-date.js";
import { formatMoney, type MinorUnits } from "../domain/money.js";
import type { CloudCost } from "../domain/records.js";
import type { CellValue } from "./cell-values.js";
import type { CsvProblem } from "./csv-table.js";

/**
 * Exports write costs with many decimals (Azure: `0.000123456`), one row per day: summing
 * rows rounded to the cent would drift, so amounts are summed exactly at this scale (as
 * BigInt) and rounded to the cent once per month and project.
 */
const FRACTION_DIGITS = 12;
const SCALE = 10n ** BigInt(FRACTION_DIGITS);
const CENT = SCALE / 100n;

/** An exact decimal amount, scaled by 10^12. */
export type ExactAmount = bigint;

/**
 * A signed amount as exports write it: `1234.5`, `-20.00`, `1,234.56`, `$1,234.56`,
 * `-$3.10`, `(3.10)` (accounting brackets), `1.2E-5` is refused (exports write decimals).
 */
export function readSignedAmount(cell: string): CellValue<ExactAmount> {
  const text = cell.trim();
  const m = /^(-|\()?\s*(?:US\$|CA\$|A\$|R\$|[$€£¥₹])?\s*(-)?(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d+))?\)?$/.exec(text);
  if (!m || (m[3] === undefined && m[4] === undefined) || (m[1] === "(") !== text.endsWith(")")) {
    return { ok: false, message: `"${text}" is not an amount; write it like 1234.56, -20.00 or $1,234.56` };
  }
  const negative = m[1] !== undefined || m[2] !== undefined;
  const whole = BigInt((m[3] ?? "0").replace(/,/g, ""));
  const digits = m[4] ?? "";
  let fraction = BigInt(digits.slice(0, FRACTION_DIGITS).padEnd(FRACTION_DIGITS, "0"));
  if (digits.length > FRACTION_DIGITS && digits[FRACTION_DIGITS]! >= "5") fraction += 1n;
  const value = whole * SCALE + fraction;
  return { ok: true, value: negative ? -value : value };
}

/** Rounds half away from zero to the cent. */
export function exactToCents(value: ExactAmount): MinorUnits {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  let cents = abs / CENT;
  if ((abs % CENT) * 2n >= CENT) cents += 1n;
  return Number(negative ? -cents : cents);
}

let knownCurrencies: ReadonlySet<string> | null = null;

/** ISO 4217 codes the runtime knows (ICU's list), so `XYZ` is refused and `CHF` is not. */
export function isKnownCurrency(code: string): boolean {
  knownCurrencies ??= new Set(Intl.supportedValuesOf("currency"));
  return knownCurrencies.has(code.toUpperCase());
}

/** Currency symbols the consoles put in column names (`Cost ($)`, `Cost (€)`). */
const SYMBOL_CURRENCIES: Readonly<Record<string, string>> = {
  $: "USD",
  US$: "USD",
  "€": "EUR",
  "£": "GBP",
  "¥": "JPY",
  "₹": "INR",
  A$: "AUD",
  CA$: "CAD",
  R$: "BRL",
  NZ$: "NZD",
  HK$: "HKD",
};

/** A column name split into its name and the unit in brackets: `Cost ($)` → `cost`, `$`. */
export function splitHeaderUnit(header: string): { name: string; unit: string | null } {
  const m = /^(.*?)\s*\(([^()]*)\)\s*$/.exec(header.trim());
  const name = (m ? m[1]! : header).trim();
  return { name: name.toLowerCase().replace(/[_\s]+/g, " "), unit: m ? m[2]!.trim() : null };
}

/**
 * The currency a column's unit names: a symbol (`$`) or a code (`EUR`). Null when the
 * column has no unit; a problem when the unit is a currency nobody knows.
 */
export function currencyOfUnit(unit: string | null): CellValue<string | null> {
  if (unit === null || unit === "") return { ok: true, value: null };
  const bySymbol = SYMBOL_CURRENCIES[unit];
  if (bySymbol) return { ok: true, value: bySymbol };
  if (/^[A-Za-z]{3}$/.test(unit) && isKnownCurrency(unit)) return { ok: true, value: unit.toUpperCase() };
  return {
    ok: false,
    message: `"${unit}" is not a currency this import knows; the column's unit must be a symbol such as $, €, £ or an ISO 4217 code such as USD or EUR`,
  };
}

/** A currency cell: an ISO 4217 code, any case. */
export function readCurrencyCode(cell: string): CellValue<string> {
  const text = cell.trim();
  if (/^[A-Za-z]{3}$/.test(text) && isKnownCurrency(text)) return { ok: true, value: text.toUpperCase() };
  return { ok: false, message: `"${text}" is not a known currency; write an ISO 4217 code such as USD, EUR or GBP` };
}

export interface CellPlace {
  row: number;
  column: string | null;
}

interface ProjectMonth {
  month: CalendarMonth;
  project: string;
  label: string | null;
  currency: string;
  total: ExactAmount;
  /** The first negative amount (a credit or refund), to point at when credits exceed the cost. */
  firstCredit: CellPlace | null;
  first: CellPlace;
}

/**
 * Sums an export's amounts per month and project (several rows per project: days,
 * services, resource groups), exactly, then rounds each sum to the cent. A project whose
 * credits exceed its cost in a month is a problem: the import cannot bill a negative cost,
 * and a person has to decide where the credit goes.
 */
export class ProjectMonthSums {
  private readonly sums = new Map<string, ProjectMonth>();
  readonly problems: CsvProblem[] = [];

  add(input: {
    month: CalendarMonth;
    project: string;
    label: string | null;
    currency: string;
    amount: ExactAmount;
    place: CellPlace;
  }): void {
    const key = `${input.month}\u0000${cloudProjectKey(input.project)}`;
    const sum = this.sums.get(key);
    if (sum === undefined) {
      this.sums.set(key, {
        month: input.month,
        project: input.project,
        label: input.label,
        currency: input.currency,
        total: input.amount,
        firstCredit: input.amount < 0n ? input.place : null,
        first: input.place,
      });
      return;
    }
    if (sum.currency !== input.currency) {
      this.problems.push({
        ...input.place,
        message: `${input.project} has ${input.month} costs in ${sum.currency} (row ${sum.first.row}) and in ${input.currency} here; a project's month must be in one currency`,
      });
      return;
    }
    sum.total += input.amount;
    if (input.amount < 0n && sum.firstCredit === null) sum.firstCredit = input.place;
    if (sum.label === null) sum.label = input.label;
  }

  rows(): CloudCost[] {
    const rows: CloudCost[] = [];
    for (const sum of this.sums.values()) {
      const cents = exactToCents(sum.total);
      if (cents < 0) {
        this.problems.push({
          ...(sum.firstCredit ?? sum.first),
          message: `the credits of ${sum.project} in ${sum.month} are larger than its cost (the month comes to ${sum.currency} ${formatMoney(cents)}); a month's cloud cost is zero or more, so correct the export or move the credit to a month with cost`,
        });
        continue;
      }
      const label = sum.label !== null && cloudProjectKey(sum.label) !== cloudProjectKey(sum.project) ? sum.label : null;
      rows.push({ month: sum.month, hub: sum.project, amount: cents, currency: sum.currency, label });
    }
    return rows;
  }
}
