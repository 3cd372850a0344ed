import { emptyManiacT, newLeadFields, type LeadFields, type ManiacT } from "../domain/records.js";
import { LEAD_STATUSES, parseLeadStatus } from "../pipeline/lead-status.js";
import { readCheckbox, readDate, readEmail, readFee, readHandles, readText, readUrl, type CellValue } from "./cell-values.js";
import { findColumn, parseCsvTable, sortProblems, type CsvProblem } from "./csv-table.js";
import {
  HUB_FIELD_NAMES,
  LEAD_FIELD_NAMES,
  fieldName,
  unknownRenameKeys,
  type FieldRenames,
  type LeadFieldKey,
} from "../domain/record-field-names.js";

export type LeadsCsvResult =
  | {
      ok: true;
      rows: LeadFields[];
      /** The fields the file has a column for; the others were not exported and must not overwrite stored values. */
      columns: LeadFieldKey[];
      warnings: CsvProblem[];
    }
  | { ok: false; problems: CsvProblem[] };

export interface ReadLeadsCsvInput {
  text: string;
  /** `airtable.fields` of the config: default field name → the base's name. */
  fieldRenames?: FieldRenames;
  /** Configured tier names; a lead with another tier gets a warning, not a refusal. */
  tiers?: readonly string[];
}

/**
 * Reads one cell into its field of `lead`; returns what is wrong with it, or null.
 * Name and Status are read before, separately, because every row needs them.
 */
function readCellInto(lead: LeadFields, key: Exclude<LeadFieldKey, "name" | "status">, cell: string): string | null {
  switch (key) {
    case "githubHandles":
      return assign(readHandles(cell), (v) => (lead.githubHandles = v));
    case "contactEmail":
      return assign(readEmail(cell), (v) => (lead.contactEmail = v));
    case "serviceTier":
      return assign(readText(cell), (v) => (lead.serviceTier = v));
    case "monthlyFee":
      return assign(readFee(cell), (v) => (lead.monthlyFee = v));
    case "serviceStartDate":
      return assign(readDate(cell), (v) => (lead.serviceStartDate = v));
    case "serviceEndDate":
      return assign(readDate(cell), (v) => (lead.serviceEndDate = v));
    case "agreement":
      return assign(readText(cell), (v) => (lead.agreement = v));
    case "contract":
      return assign(readText(cell), (v) => (lead.contract = v));
    case "managedCloudBilling":
      return assign(readCheckbox(cell), (v) => (lead.managedCloudBilling = v));
    case "followUpDate":
      return assign(readDate(cell), (v) => (lead.followUpDate = v));
    case "money":
    case "authority":
    case "need":
    case "impendingEvent":
    case "application":
    case "competition":
    case "timeline":
      return assign(readText(cell), (v) => (lead.maniacT[key satisfies keyof ManiacT] = v));
    case "leadIssue":
      return assign(readUrl(cell), (v) => (lead.leadIssue = v));
    case "requestInformationIssue":
      return assign(readUrl(cell), (v) => (lead.requestInformationIssue = v));
    case "deploymentIssue":
      return assign(readUrl(cell), (v) => (lead.deploymentIssue = v));
  }
}

function assign<T>(result: CellValue<T>, set: (value: T) => void): string | null {
  if (!result.ok) return result.message;
  set(result.value);
  return null;
}

/**
 * Reads an AirTable CSV export of the Leads table (SPEC §3). The file is taken whole or
 * not at all: every problem is collected with its row and column, and any problem means
 * no rows. Columns the table does not know are ignored with a warning (AirTable exports
 * every field of the view, including a team's own).
 */
export function readLeadsCsv(input: ReadLeadsCsvInput): LeadsCsvResult {
  const parsed = parseCsvTable(input.text);
  if (!parsed.ok) return { ok: false, problems: parsed.problems };
  const { header, records } = parsed.table;
  const renames = input.fieldRenames ?? {};
  const problems: CsvProblem[] = [];
  const warnings: CsvProblem[] = [];

  for (const key of unknownRenameKeys(renames)) {
    warnings.push({ row: 1, column: null, message: `airtable.fields renames "${key}", which is not a field of the Leads or Active Hubs table` });
  }

  const columnOf = new Map<LeadFieldKey, number>();
  for (const [key, defaultName] of Object.entries(LEAD_FIELD_NAMES) as [LeadFieldKey, string][]) {
    const index = findColumn(header, fieldName(defaultName, renames));
    if (index !== -1) columnOf.set(key, index);
  }
  for (const required of ["name", "status"] as const) {
    if (!columnOf.has(required)) {
      const name = fieldName(LEAD_FIELD_NAMES[required], renames);
      problems.push({
        row: 1,
        column: name,
        message: `the header has no "${name}" column; a Leads export needs "${fieldName(LEAD_FIELD_NAMES.name, renames)}" and "${fieldName(LEAD_FIELD_NAMES.status, renames)}" (columns found: ${header.map((h) => `"${h}"`).join(", ")})`,
      });
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  const used = new Set(columnOf.values());
  const hubOnly = new Set<string>(Object.values(HUB_FIELD_NAMES).map((n) => fieldName(n, renames).toLowerCase()));
  header.forEach((name, index) => {
    if (used.has(index)) return;
    const shown = name === "" ? `column ${index + 1} (no name)` : `"${name}"`;
    const hint = hubOnly.has(name.toLowerCase()) ? " (it belongs to the Active Hubs table: use `hub-sales hubs import`)" : "";
    warnings.push({ row: 1, column: name === "" ? null : name, message: `${shown} is not a Leads field and is ignored${hint}` });
  });

  const nameColumn = columnOf.get("name")!;
  const statusColumn = columnOf.get("status")!;
  const nameHeader = header[nameColumn]!;
  const statusHeader = header[statusColumn]!;
  const firstRowOfName = new Map<string, number>();
  const rows: LeadFields[] = [];

  for (const record of records) {
    const cell = (index: number) => record.cells[index] ?? "";
    const name = cell(nameColumn).trim();
    if (name === "") {
      problems.push({ row: record.row, column: nameHeader, message: "the name is empty; every lead needs a name" });
    } else {
      const key = name.toLowerCase();
      const first = firstRowOfName.get(key);
      if (first !== undefined) {
        problems.push({
          row: record.row,
          column: nameHeader,
          message: `"${name}" is also on row ${first}; each lead must appear once (names are compared ignoring case)`,
        });
      } else {
        firstRowOfName.set(key, record.row);
      }
    }
    const statusText = cell(statusColumn).trim();
    const status = parseLeadStatus(statusText);
    if (status === null) {
      problems.push({
        row: record.row,
        column: statusHeader,
        message: `${statusText === "" ? "the status is empty" : `"${statusText}" is not a status`}; use one of ${LEAD_STATUSES.map((s) => `"${s}"`).join(", ")}`,
      });
    }

    // newLeadFields gives each row its own MANIAC-T object, so filling one row never touches another.
    const lead = newLeadFields(name, status ?? "Active Lead", { maniacT: emptyManiacT() });
    for (const [key, index] of columnOf) {
      if (key === "name" || key === "status") continue;
      const message = readCellInto(lead, key, cell(index));
      if (message !== null) problems.push({ row: record.row, column: header[index]!, message });
    }
    if (input.tiers && lead.serviceTier !== null) {
      const tier = input.tiers.find((t) => t.toLowerCase() === lead.serviceTier!.toLowerCase());
      if (tier === undefined) {
        warnings.push({
          row: record.row,
          column: header[columnOf.get("serviceTier")!]!,
          message: `"${lead.serviceTier}" is not a configured tier (${input.tiers.join(", ")}); invoices need the lead's own monthly fee`,
        });
      } else {
        lead.serviceTier = tier;
      }
    }
    rows.push(lead);
  }

  if (problems.length > 0) return { ok: false, problems: sortProblems(problems, header) };
  return { ok: true, rows, columns: [...columnOf.keys()], warnings: sortProblems(warnings, header) };
}
