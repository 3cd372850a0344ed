import { parseLooseDate } from "../domain/calendar-date.js";
import { currencyOfUnit, ProjectMonthSums, readSignedAmount, splitHeaderUnit } from "./cost-export-cells.js";
import { parseCsvTable, sortProblems, type CsvProblem, type CsvTable } from "./csv-table.js";
import type { CostsReadResult } from "./read-costs-csv.js";

const TOTAL_COLUMN_RE = /^total( costs?)?$/i;
const TOTAL_ROW_RE = /^(linked account )?totals?$/i;

/**
 * Cost Explorer's "monthly costs by linked account" download runs the other way round: one
 * column per account. Row 1 holds the account ids, row 2 is the header
 * `Linked account name,<account> ($),…,Total costs ($)`; a `Linked account total` row and
 * one row per month (`2026-10-01`) follow. The ids row may be shorter than the header (no
 * cell above the total column), so it is read on its own; a file without it starts at the
 * header. Null when the text is not of this form.
 */
export function splitAwsCostExplorerFile(
  text: string,
): { ok: true; ids: string[] | null; table: CsvTable; headerRow: number } | { ok: false; problems: CsvProblem[] } | null {
  const normalized = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").replace(/^\n+/, "");
  const startsWithHeader = (line: string) => /^"?\s*linked account name\s*"?\s*,/i.test(line);
  const newline = normalized.indexOf("\n");
  const first = newline === -1 ? normalized : normalized.slice(0, newline);
  if (startsWithHeader(first)) {
    const parsed = parseCsvTable(normalized);
    return parsed.ok ? { ok: true, ids: null, table: parsed.table, headerRow: 1 } : parsed;
  }
  const rest = newline === -1 ? "" : normalized.slice(newline + 1);
  if (!startsWithHeader(rest)) return null;
  const ids = parseCsvTable(first);
  const table = parseCsvTable(rest);
  // The header and the rows start on line 2 of the file.
  const shift = <T extends { row: number }>(item: T): T => ({ ...item, row: item.row + 1 });
  if (!table.ok) return { ok: false, problems: table.problems.map(shift) };
  return {
    ok: true,
    ids: ids.ok ? ids.table.header : null,
    table: { header: table.table.header, records: table.table.records.map(shift) },
    headerRow: 2,
  };
}

export function readAwsCostExplorer(input: {
  ids: string[] | null;
  table: CsvTable;
  headerRow: number;
  defaultCurrency: string;
}): CostsReadResult {
  const { ids, headerRow } = input;
  const { header, records } = input.table;
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
