import { isCalendarDate, type CalendarMonth } from "../domain/calendar-date.js";
import { currencyOfUnit, ProjectMonthSums, readSignedAmount, splitHeaderUnit, type ExactAmount } from "./cost-export-cells.js";
import { sortProblems, type CsvProblem, type CsvTable } from "./csv-table.js";
import { parseMonthLabel } from "./parse-month-label.js";
import type { CostsReadResult } from "./read-costs-csv.js";

/** Column names of the GCP billing Reports CSV, compared without their unit (`Cost ($)`). */
const GCP = {
  month: "month",
  projectName: "project name",
  projectId: "project id",
  subtotal: "subtotal",
  cost: "cost",
  /** Credits, written as negative amounts; summed with Cost when there is no Subtotal. */
  credits: ["discounts", "promotions and others", "promotions", "credits", "savings programs", "other savings"],
} as const;

const TOTAL_RE = /^(grand\s+)?totals?$/i;

/** The GCP billing Reports CSV: a project column and the columns only it has. */
export function isGcpBillingReport(header: readonly string[]): boolean {
  const names = header.map((h) => splitHeaderUnit(h).name);
  const hasProject = names.includes(GCP.projectName) || names.includes(GCP.projectId);
  const hasGcpAmount = names.includes(GCP.subtotal) || GCP.credits.some((c) => names.includes(c));
  return hasProject && hasGcpAmount && !names.includes("hub");
}

/**
 * The billing period in the name Google gives a single-month download:
 * `My Billing Account_Reports, 2026-10-01 — 2026-10-31.csv`.
 */
export function periodInFileName(fileName: string): { from: string; to: string } | null {
  const m = /(\d{4}-\d{2}-\d{2})\s*(?:—|–|-|_|to)+\s*(\d{4}-\d{2}-\d{2})/.exec(fileName);
  if (!m || !isCalendarDate(m[1]!) || !isCalendarDate(m[2]!)) return null;
  return { from: m[1]!, to: m[2]! };
}

/**
 * Reads the Reports CSV Google Cloud's billing console downloads. Multi-month reports have a
 * `Month` column; a single-month one has none and carries its period in the file name
 * (`--month` when the file was renamed). The amount is `Subtotal` (the cost after credits)
 * where given, else `Cost` plus the credit columns. A project is keyed by its ID, with its
 * name kept beside it so a hub's `Cloud project` may give either.
 */
export function readGcpBillingReport(input: {
  table: CsvTable;
  fileName: string | null;
  month: CalendarMonth | null;
  defaultCurrency: string;
}): CostsReadResult {
  const { header, records } = input.table;
  const problems: CsvProblem[] = [];
  const split = header.map(splitHeaderUnit);
  const find = (name: string) => split.findIndex((h) => h.name === name);
  const monthColumn = find(GCP.month);
  const nameColumn = find(GCP.projectName);
  const idColumn = find(GCP.projectId);
  const subtotalColumn = find(GCP.subtotal);
  const costColumn = find(GCP.cost);
  const creditColumns = subtotalColumn === -1 ? split.flatMap((h, i) => ((GCP.credits as readonly string[]).includes(h.name) ? [i] : [])) : [];
  const amountColumns = subtotalColumn !== -1 ? [subtotalColumn] : costColumn !== -1 ? [costColumn, ...creditColumns] : [];
  if (amountColumns.length === 0) {
    return fail(1, null, `this GCP billing report has neither a "Subtotal" nor a "Cost" column (columns found: ${header.map((h) => `"${h}"`).join(", ")}); download it from Billing > Reports with the cost columns`);
  }

  let currency = input.defaultCurrency;
  for (const column of amountColumns) {
    const unit = currencyOfUnit(split[column]!.unit);
    if (!unit.ok) problems.push({ row: 1, column: header[column]!, message: unit.message });
    else if (unit.value !== null) currency = unit.value;
  }

  let fileMonth: CalendarMonth | null = null;
  if (monthColumn === -1) {
    const period = input.fileName === null ? null : periodInFileName(input.fileName);
    // A period inside one month (a whole month, or month to date) names that month.
    const named = period !== null && period.from.slice(0, 7) === period.to.slice(0, 7) ? period.from.slice(0, 7) : null;
    if (period !== null && named === null && input.month === null) {
      return fail(1, null, `this single-month GCP billing report covers ${period.from} to ${period.to} (from its file name), more than one calendar month; download one month per file, or give --month YYYY-MM`);
    }
    if (input.month !== null && named !== null && named !== input.month) {
      return fail(1, null, `--month ${input.month} contradicts the period ${period!.from} to ${period!.to} in the file name; drop --month or rename the file`);
    }
    fileMonth = input.month ?? named;
    if (fileMonth === null) {
      return fail(1, null, `this GCP billing report has no "Month" column and its file name carries no period like "2026-10-01 — 2026-10-31"; give the month with --month YYYY-MM`);
    }
  } else if (input.month !== null) {
    return fail(1, header[monthColumn]!, `--month is for a single-month report, but this one has a "${header[monthColumn]}" column giving each row's month; drop --month`);
  }
  if (problems.length > 0) return { ok: false, problems };

  const sums = new ProjectMonthSums();
  for (const record of records) {
    const cell = (i: number) => (i === -1 ? "" : (record.cells[i] ?? "").trim());
    const name = cell(nameColumn);
    const id = cell(idColumn);
    if (TOTAL_RE.test(name) || TOTAL_RE.test(id) || TOTAL_RE.test(cell(0))) continue;
    let month = fileMonth;
    if (monthColumn !== -1) {
      const text = cell(monthColumn);
      month = parseMonthLabel(text);
      if (month === null) {
        problems.push({
          row: record.row,
          column: header[monthColumn]!,
          message: `${text === "" ? "the month is empty" : `"${text}" is not a month`}; a GCP report's Month is written like 2026-10, 202610 or October 2026`,
        });
      }
    }
    let amount: ExactAmount = 0n;
    let readable = true;
    let any = false;
    for (const column of amountColumns) {
      const text = cell(column);
      if (text === "") continue;
      const value = readSignedAmount(text);
      if (!value.ok) {
        problems.push({ row: record.row, column: header[column]!, message: value.message });
        readable = false;
        continue;
      }
      amount += value.value;
      any = true;
    }
    if (!any || !readable || month === null) continue;
    // Charges not tied to a project (support, taxes) keep a name, so they show as unattributed.
    const project = id !== "" ? id : name !== "" ? name : "(no project)";
    const place = { row: record.row, column: header[amountColumns[0]!]! };
    sums.add({ month, project, label: id !== "" && name !== "" ? name : null, currency, amount, place });
  }
  const rows = sums.rows();
  problems.push(...sums.problems);
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems, header) };
  return { ok: true, rows, warnings: [] };

  function fail(row: number, column: string | null, message: string): CostsReadResult {
    return { ok: false, problems: [{ row, column, message }] };
  }
}
