import type { CalendarDate } from "../domain/calendar-date.js";
import { readDate, readText, readUrl, type CellValue } from "./cell-values.js";
import { findColumn, parseCsvTable, sortProblems, type CsvProblem } from "./csv-table.js";
import { HUB_FIELD_NAMES, fieldName, type FieldRenames, type HubFieldKey } from "../domain/record-field-names.js";

/** A row of an Active Hubs export; `community` is the lead's name, resolved by the caller. */
export interface HubCsvRow {
  /** Where the record starts in the file, so the caller can report an unknown community there. */
  row: number;
  hub: string;
  community: string | null;
  url: string | null;
  deploymentIssue: string | null;
  liveSince: CalendarDate | null;
  /** Empty means "match costs by the hub's name". */
  cloudProject: string | null;
}

export type HubsCsvResult =
  | {
      ok: true;
      rows: HubCsvRow[];
      /** The fields the file has a column for. */
      columns: HubFieldKey[];
      /** Header names as found in the file, for locating the caller's own problems. */
      headers: Record<HubFieldKey, string>;
      warnings: CsvProblem[];
    }
  | { ok: false; problems: CsvProblem[] };

export interface ReadHubsCsvInput {
  text: string;
  fieldRenames?: FieldRenames;
}

/** Reads an AirTable CSV export of the Active Hubs table (SPEC §3), whole or not at all. */
export function readHubsCsv(input: ReadHubsCsvInput): HubsCsvResult {
  const parsed = parseCsvTable(input.text);
  if (!parsed.ok) return { ok: false, problems: parsed.problems };
  const { header, records } = parsed.table;
  const renames = input.fieldRenames ?? {};
  const problems: CsvProblem[] = [];
  const warnings: CsvProblem[] = [];

  const columnOf = new Map<HubFieldKey, number>();
  const headers = {} as Record<HubFieldKey, string>;
  for (const [key, defaultName] of Object.entries(HUB_FIELD_NAMES) as [HubFieldKey, string][]) {
    const name = fieldName(defaultName, renames);
    const index = findColumn(header, name);
    headers[key] = index === -1 ? name : header[index]!;
    if (index !== -1) columnOf.set(key, index);
  }
  if (!columnOf.has("hub")) {
    return {
      ok: false,
      problems: [
        {
          row: 1,
          column: headers.hub,
          message: `the header has no "${headers.hub}" column; an Active Hubs export needs it (columns found: ${header.map((h) => `"${h}"`).join(", ")})`,
        },
      ],
    };
  }
  const used = new Set(columnOf.values());
  header.forEach((name, index) => {
    if (used.has(index)) return;
    warnings.push({
      row: 1,
      column: name === "" ? null : name,
      message: `${name === "" ? `column ${index + 1} (no name)` : `"${name}"`} is not an Active Hubs field and is ignored`,
    });
  });

  const firstRowOfHub = new Map<string, number>();
  const rows: HubCsvRow[] = [];
  for (const record of records) {
    const cell = (key: HubFieldKey): string => {
      const index = columnOf.get(key);
      return index === undefined ? "" : (record.cells[index] ?? "");
    };
    const take = <T>(key: HubFieldKey, result: CellValue<T>, fallback: T): T => {
      if (result.ok) return result.value;
      problems.push({ row: record.row, column: headers[key], message: result.message });
      return fallback;
    };
    const hub = cell("hub").trim();
    if (hub === "") {
      problems.push({ row: record.row, column: headers.hub, message: "the hub name is empty; every Active Hubs row needs one" });
    } else {
      const first = firstRowOfHub.get(hub.toLowerCase());
      if (first !== undefined) {
        problems.push({
          row: record.row,
          column: headers.hub,
          message: `"${hub}" is also on row ${first}; each hub must appear once (names are compared ignoring case)`,
        });
      } else {
        firstRowOfHub.set(hub.toLowerCase(), record.row);
      }
    }
    rows.push({
      row: record.row,
      hub,
      community: take("community", readText(cell("community")), null),
      url: take("url", readUrl(cell("url")), null),
      deploymentIssue: take("deploymentIssue", readUrl(cell("deploymentIssue")), null),
      liveSince: take("liveSince", readDate(cell("liveSince")), null),
      cloudProject: take("cloudProject", readText(cell("cloudProject")), null),
    });
  }
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems, header) };
  return { ok: true, rows, columns: [...columnOf.keys()], headers, warnings };
}
