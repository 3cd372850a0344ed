import type { CalendarMonth } from "../domain/calendar-date.js";
import type { CloudCost } from "../domain/records.js";
import type { MinorUnits } from "../domain/money.js";
import type { CellValue } from "./cell-values.js";
import { isKnownCurrency } from "./cost-export-cells.js";
import { parseCsvTable, sortProblems, type CsvProblem, type CsvRecord } from "./csv-table.js";
import { parseMonthLabel } from "./parse-month-label.js";
import { readAwsCostExplorer, splitAwsCostExplorerFile } from "./read-aws-cost-explorer.js";
import { isAzureCostExport, readAzureCostExport } from "./read-azure-cost-export.js";
import { isGcpBillingReport, readGcpBillingReport } from "./read-gcp-billing-report.js";

export type CostsCsvForm = "long" | "wide" | "gcp-billing-report" | "aws-cost-explorer" | "azure-cost-export";

/** How each form is named to people (the import's report, errors). */
export const COSTS_FORM_NAMES: Readonly<Record<CostsCsvForm, string>> = {
  long: "long form",
  wide: "wide form",
  "gcp-billing-report": "GCP billing report",
  "aws-cost-explorer": "AWS Cost Explorer costs by linked account",
  "azure-cost-export": "Azure Cost Management export",
};

/** What one form's reader gives back; the form is added by `readCostsCsv`. */
export type CostsReadResult = { ok: true; rows: CloudCost[]; warnings: CsvProblem[] } | { ok: false; problems: CsvProblem[] };

export type CostsCsvResult =
  | { ok: true; form: CostsCsvForm; rows: CloudCost[]; warnings: CsvProblem[] }
  | { ok: false; problems: CsvProblem[] };

export interface ReadCostsCsvInput {
  text: string;
  /** Currency of rows that do not name one (`config.currency`). */
  currency: string;
  /** The file's name: a single-month GCP report carries its period there. */
  fileName?: string;
  /** `--month`: the month of a single-month GCP report whose name was changed. */
  month?: CalendarMonth;
}

// Header names compared after lowercasing and dropping a unit in brackets (`Cost ($)`).
const LONG_COLUMNS = {
  month: ["month", "billing month", "invoice month", "usage month", "period"],
  hub: ["hub", "hub name", "project", "project name", "project id"],
  amount: ["amount", "cost", "costs", "total cost", "net cost"],
  currency: ["currency", "currency code"],
} as const;

const TOTAL_RE = /^(grand\s+)?totals?$/i;

/**
 * Reads cloud costs (SPEC §3) in any of five forms, told apart by the header:
 * the exports as the clouds produce them (GCP billing Reports, AWS Cost Explorer's monthly
 * costs by linked account, Azure Cost Management exports; see their readers), and two
 * hand-made forms:
 * long — one row per month and hub (`month,hub,amount[,currency]`);
 * wide — one row per hub or project, its name in the first column, then one column per
 * month (`2026-01`, `Jan 2026`, ...).
 * `Total` rows and columns are skipped. The file is taken whole or not at all.
 */
export function readCostsCsv(input: ReadCostsCsvInput): CostsCsvResult {
  const defaultCurrency = input.currency;
  // AWS first: its first row is not a header, and may be shorter than the header below it.
  const aws = splitAwsCostExplorerFile(input.text);
  if (aws !== null) {
    if (!aws.ok) return aws;
    const result = readAwsCostExplorer({ ...aws, defaultCurrency });
    return result.ok ? { ...result, form: "aws-cost-explorer" } : result;
  }
  const parsed = parseCsvTable(input.text);
  if (!parsed.ok) return { ok: false, problems: parsed.problems };
  const { header, records } = parsed.table;
  const exportForm = ((): { form: CostsCsvForm; read: () => CostsReadResult } | null => {
    if (isGcpBillingReport(header)) {
      const read = () =>
        readGcpBillingReport({ table: parsed.table, fileName: input.fileName ?? null, month: input.month ?? null, defaultCurrency });
      return { form: "gcp-billing-report", read };
    }
    if (isAzureCostExport(header)) return { form: "azure-cost-export", read: () => readAzureCostExport({ table: parsed.table, defaultCurrency }) };
    return null;
  })();
  if (exportForm !== null) {
    const result = exportForm.read();
    return result.ok ? { ...result, form: exportForm.form } : result;
  }
  if (input.month !== undefined) {
    return { ok: false, problems: [{ row: 1, column: null, message: "--month is only for a single-month GCP billing report; the long and wide forms name their months" }] };
  }
  const normalized = header.map(normalizeHeader);
  const find = (names: readonly string[]) => normalized.findIndex((h) => names.includes(h));
  const month = find(LONG_COLUMNS.month);

  if (month !== -1) {
    const hub = find(LONG_COLUMNS.hub);
    const amount = find(LONG_COLUMNS.amount);
    const missing: CsvProblem[] = [];
    if (hub === -1) missing.push(missingColumn("hub", LONG_COLUMNS.hub, header));
    if (amount === -1) missing.push(missingColumn("amount", LONG_COLUMNS.amount, header));
    if (missing.length > 0) return { ok: false, problems: missing };
    return readLong({ header, records, columns: { month, hub, amount, currency: find(LONG_COLUMNS.currency) }, defaultCurrency });
  }
  if (header.slice(1).some((h) => parseMonthLabel(h) !== null)) {
    return readWide({ header, records, defaultCurrency });
  }
  return {
    ok: false,
    problems: [
      {
        row: 1,
        column: null,
        message:
          'cannot tell the form of this cost file from its header: a GCP billing report has "Project name" or "Project ID" and "Subtotal ($)"; an AWS Cost Explorer download starts with "Linked account name"; an Azure Cost Management export has a date, a cost and a subscription or resource group column; the long form needs the columns "month", "hub" and "amount" (optionally "currency"); the wide form has the hub or project name first and then one column per month, such as "2026-01" or "Jan 2026"',
      },
    ],
  };
}

interface FormInput {
  header: string[];
  records: CsvRecord[];
  defaultCurrency: string;
}

function readLong(input: FormInput & { columns: { month: number; hub: number; amount: number; currency: number } }): CostsCsvResult {
  const { header, records, columns, defaultCurrency } = input;
  const collector = new CostCollector(header);
  header.forEach((name, index) => {
    if (!Object.values(columns).includes(index)) collector.ignoredColumn(name, index, "long");
  });
  for (const record of records) {
    const hub = (record.cells[columns.hub] ?? "").trim();
    if (TOTAL_RE.test(hub)) continue;
    const monthText = (record.cells[columns.month] ?? "").trim();
    const month = parseMonthLabel(monthText);
    if (month === null) {
      collector.problem(record.row, columns.month, `${monthText === "" ? "the month is empty" : `"${monthText}" is not a month`}; write it like 2026-01 or Jan 2026`);
    }
    if (hub === "") collector.problem(record.row, columns.hub, "the hub is empty; every cost row names the hub it was spent on");
    const currency = collector.currency(record, columns.currency, defaultCurrency);
    const amountText = record.cells[columns.amount] ?? "";
    if (amountText.trim() === "") {
      collector.problem(record.row, columns.amount, "the amount is empty; write 0.00 for a month without cost");
      continue;
    }
    const amount = collector.amount(record.row, columns.amount, amountText);
    if (month !== null && hub !== "" && currency !== null && amount !== null) {
      collector.add({ month, hub, amount, currency }, record.row, columns.amount);
    }
  }
  return collector.result("long");
}

function readWide(input: FormInput): CostsCsvResult {
  const { header, records, defaultCurrency } = input;
  const collector = new CostCollector(header);
  const monthColumns: { index: number; month: string }[] = [];
  const firstColumnOfMonth = new Map<string, number>();
  let currencyColumn = -1;
  header.forEach((name, index) => {
    if (index === 0) return;
    const month = parseMonthLabel(name);
    if (month !== null) {
      const first = firstColumnOfMonth.get(month);
      if (first !== undefined) {
        collector.problem(1, index, `"${name}" is the same month (${month}) as the column "${header[first]}"; each month must have one column`);
      } else {
        firstColumnOfMonth.set(month, index);
        monthColumns.push({ index, month });
      }
    } else if (LONG_COLUMNS.currency.includes(normalizeHeader(name) as "currency")) {
      currencyColumn = index;
    } else if (!TOTAL_RE.test(name)) {
      collector.ignoredColumn(name, index, "wide");
    }
  });
  for (const record of records) {
    const hub = (record.cells[0] ?? "").trim();
    if (TOTAL_RE.test(hub)) continue;
    if (hub === "") {
      collector.problem(record.row, 0, "the hub or project name is empty; every row of a wide cost file starts with one");
    }
    const currency = collector.currency(record, currencyColumn, defaultCurrency);
    for (const { index, month } of monthColumns) {
      const text = record.cells[index] ?? "";
      // An empty month cell means the hub had no record that month, which is not the same as zero.
      if (text.trim() === "") continue;
      const amount = collector.amount(record.row, index, text);
      if (hub !== "" && currency !== null && amount !== null) collector.add({ month, hub, amount, currency }, record.row, index);
    }
  }
  return collector.result("wide");
}

/** Gathers rows, problems and warnings with their places in the file. */
class CostCollector {
  private readonly rows: CloudCost[] = [];
  private readonly problems: CsvProblem[] = [];
  private readonly warnings: CsvProblem[] = [];
  private readonly firstPlace = new Map<string, { row: number; column: string }>();
  private rounded: { count: number; row: number; column: string } | null = null;

  constructor(private readonly header: string[]) {}

  problem(row: number, column: number, message: string): void {
    this.problems.push({ row, column: this.columnName(column), message });
  }

  ignoredColumn(name: string, index: number, form: CostsCsvForm): void {
    this.warnings.push({
      row: 1,
      column: this.columnName(index),
      message: `${name === "" ? `column ${index + 1} (no name)` : `"${name}"`} is not a ${form === "long" ? "month, hub, amount or currency column" : "month or currency column"} and is ignored`,
    });
  }

  currency(record: CsvRecord, column: number, fallback: string): string | null {
    if (column === -1) return fallback;
    const text = (record.cells[column] ?? "").trim();
    if (text === "") return fallback;
    if (!/^[A-Za-z]{3}$/.test(text) || !isKnownCurrency(text)) {
      this.problem(record.row, column, `"${text}" is not a known currency; write an ISO 4217 code such as USD or EUR, or leave it empty for ${fallback}`);
      return null;
    }
    return text.toUpperCase();
  }

  amount(row: number, column: number, text: string): MinorUnits | null {
    const result = readCostAmount(text);
    if (!result.ok) {
      this.problem(row, column, result.message);
      return null;
    }
    if (result.value.rounded) {
      this.rounded ??= { count: 0, row, column: this.columnName(column) ?? "" };
      this.rounded.count += 1;
    }
    return result.value.cents;
  }

  add(cost: CloudCost, row: number, column: number): void {
    const key = `${cost.month}\u0000${cost.hub.toLowerCase()}`;
    const first = this.firstPlace.get(key);
    if (first !== undefined) {
      this.problem(
        row,
        column,
        `${cost.hub} already has a cost for ${cost.month} on row ${first.row} (column "${first.column}"); each hub has one amount per month (hub names are compared ignoring case)`,
      );
      return;
    }
    this.firstPlace.set(key, { row, column: this.columnName(column) ?? "" });
    this.rows.push(cost);
  }

  result(form: CostsCsvForm): CostsCsvResult {
    if (this.problems.length > 0) return { ok: false, problems: sortProblems(this.problems, this.header) };
    if (this.rounded) {
      this.warnings.push({
        row: this.rounded.row,
        column: this.rounded.column,
        message: `${this.rounded.count} amount${this.rounded.count > 1 ? "s have" : " has"} more than two decimals and ${this.rounded.count > 1 ? "were" : "was"} rounded to the cent (this is the first)`,
      });
    }
    return { ok: true, form, rows: this.rows, warnings: sortProblems(this.warnings, this.header) };
  }

  private columnName(index: number): string | null {
    if (index < 0) return null;
    const name = this.header[index] ?? "";
    return name === "" ? `column ${index + 1}` : name;
  }
}

/**
 * A cost as cloud exports write it: `1234.5`, `$1,234.50`, `USD 12.30`, `12.345678`
 * (rounded half away from zero to the cent). Refuses negatives, `-0`, accounting
 * brackets and anything that is not a number, saying what is valid.
 */
export function readCostAmount(cell: string): CellValue<{ cents: MinorUnits; rounded: boolean }> {
  const text = cell.trim();
  const m = /^(?:[A-Za-z]{3}\s*)?(-|\()?\s*[$€£]?\s*(-)?(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d+))?\)?(?:\s*[A-Za-z]{3})?$/.exec(text);
  if (!m || (m[3] === undefined && m[4] === undefined) || (m[1] === "(") !== text.endsWith(")")) {
    return { ok: false, message: `"${text}" is not an amount; write it like 1234.56, $1,234.56 or USD 1234.56` };
  }
  if (m[1] !== undefined || m[2] !== undefined) {
    const allZero = /^[0,]*$/.test(m[3] ?? "0") && /^0*$/.test(m[4] ?? "");
    return {
      ok: false,
      message: allZero
        ? `"${text}" is a negative zero; write 0.00`
        : `"${text}" is negative; a month's cloud cost is zero or more (apply credits before exporting)`,
    };
  }
  const whole = BigInt((m[3] ?? "0").replace(/,/g, ""));
  const decimals = m[4] ?? "";
  let cents = whole * 100n + BigInt(decimals.slice(0, 2).padEnd(2, "0"));
  const rest = decimals.slice(2);
  const rounded = /[1-9]/.test(rest);
  if (rest !== "" && rest[0]! >= "5") cents += 1n;
  if (cents > BigInt(Number.MAX_SAFE_INTEGER)) {
    return { ok: false, message: `"${text}" is too large to be a month's cloud cost` };
  }
  return { ok: true, value: { cents: Number(cents), rounded } };
}

function normalizeHeader(name: string): string {
  return name
    .toLowerCase()
    .replace(/\(.*?\)|\[.*?\]/g, "")
    .replace(/[_\s]+/g, " ")
    .trim();
}

function missingColumn(what: string, names: readonly string[], header: string[]): CsvProblem {
  return {
    row: 1,
    column: null,
    message: `this looks like the long form (it has a month column) but has no ${what} column; name it ${names.map((n) => `"${n}"`).join(" or ")} (columns found: ${header.map((h) => `"${h}"`).join(", ")})`,
  };
}
