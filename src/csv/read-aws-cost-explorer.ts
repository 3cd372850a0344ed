import { parseLooseDate } from "../domain/calendar-date.js";
import { currencyOfUnit, ProjectMonthSums, readSignedAmount, splitHeaderUnit } from "./cost-export-cells.js";
import { sortProblems, type CsvProblem, type CsvRecord, type CsvTable } from "./csv-table.js";
import type { CostsReadResult } from "./read-costs-csv.js";

const ACCOUNT_NAME_HEADER = "linked account name";
const TOTAL_COLUMN_RE = /^total( costs?)?$/i;
const TOTAL_ROW_RE = /^(linked account )?totals?$/i;

/**
 * Cost Explorer's "monthly costs by linked account" download runs the other way round: one
 * column per account. Row 1 holds the account ids, row 2 is the header
 * `Linked account name,<account> ($),…,Total costs ($)`; a `Linked account total` row and
 * one row per month (`2026-10-01`) follow. A file without the ids row starts at the header.
 */
export function awsHeaderRow(table: CsvTable): { ids: string[] | null; header: string[]; records: CsvRecord[]; headerRow: number } | null {
  const isHeader = (cells: readonly string[]) => splitHeaderUnit(cells[0] ?? "").name === ACCOUNT_NAME_HEADER;
  if (isHeader(table.header)) return { ids: null, header: table.header, records: table.records, headerRow: 1 };
  const [second, ...rest] = table.records;
  if (second !== undefined && isHeader(second.cells)) {
    return { ids: table.header, header: second.cells.map((c) => c.trim()), records: rest, headerRow: second.row };
  }
  return null;
}

export function readAwsCostExplorer(input: { table: CsvTable; defaultCurrency: string }): CostsReadResult {
  const shape = awsHeaderRow(input.table)!;
  const { ids, header, records, headerRow } = shape;
  const problems: CsvProblem[] = [];
  const accounts: { index: number; name: string; id: string | null; currency: string }[] = [];
  header.forEach((cell, index) => {
    if (index === 0 || cell === "") return;
    const { unit } = splitHeaderUnit(cell);
    const name = cell.replace(/\s*\([^()]*\)\s*$/, "").trim();
    if (TOTAL_COLUMN_RE.test(name)) return;
    const currency = currencyOfUnit(unit);
    if (!currency.ok) {
      problems.push({ row: headerRow, column: cell, message: currency.message });
      return;
    }
    const id = ids?.[index]?.trim() || null;
    accounts.push({ index, name, id, currency: currency.value ?? input.defaultCurrency });
  });
  if (accounts.length === 0 && problems.length === 0) {
    problems.push({ row: headerRow, column: null, message: "this Cost Explorer file has no account columns; group the report by Linked account before downloading it" });
  }
  const sums = new ProjectMonthSums();
  for (const record of records) {
    const label = (record.cells[0] ?? "").trim();
    if (TOTAL_ROW_RE.test(label)) continue;
    const date = parseLooseDate(label);
    if (date === null) {
      problems.push({
        row: record.row,
        column: header[0]!,
        message: `${label === "" ? "the month is empty" : `"${label}" is not a month`}; Cost Explorer labels each month's row with its first day, like 2026-10-01`,
      });
      continue;
    }
    for (const account of accounts) {
      const text = (record.cells[account.index] ?? "").trim();
      if (text === "") continue;
      const amount = readSignedAmount(text);
      if (!amount.ok) {
        problems.push({ row: record.row, column: header[account.index]!, message: amount.message });
        continue;
      }
      sums.add({
        month: date.slice(0, 7),
        project: account.id ?? account.name,
        label: account.id === null ? null : account.name,
        currency: account.currency,
        amount: amount.value,
        place: { row: record.row, column: header[account.index]! },
      });
    }
  }
  const rows = sums.rows();
  problems.push(...sums.problems);
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems, header) };
  return { ok: true, rows, warnings: [] };
}
