import { LEAD_STATUSES } from "../../pipeline/lead-status.js";

/** Field types the stand-in knows (a subset of AirTable's, the ones the hub-sales base uses). */
export const STAND_IN_FIELD_TYPES = [
  "singleLineText",
  "multilineText",
  "email",
  "url",
  "singleSelect",
  "checkbox",
  "date",
  "number",
  "currency",
  "multipleRecordLinks",
] as const;

export type StandInFieldType = (typeof STAND_IN_FIELD_TYPES)[number];

export interface SeedField {
  name: string;
  type: StandInFieldType;
  /** singleSelect: the allowed options. */
  choices?: string[];
  /** multipleRecordLinks: the name of the linked table (same base). */
  linkedTable?: string;
}

export interface SeedTable {
  name: string;
  /** `tbl…`; generated when absent. */
  id?: string;
  /** The first field is the primary field. */
  fields: SeedField[];
  /** Initial records, cell values by field name. */
  records?: Record<string, unknown>[];
}

export interface SeedBase {
  /** `app…`; generated when absent. */
  id?: string;
  tables: SeedTable[];
}

/**
 * The tables of SPEC §3 with their default field names, typed the way a real hub-sales
 * base would type them. `renames` maps a default name to the one a base actually uses
 * (the same map as `airtable.fields` in the config), so tests can seed a renamed base.
 */
export function hubSalesBaseSchema(
  options: { leadsTable?: string; hubsTable?: string; renames?: Record<string, string>; omitFields?: string[] } = {},
): SeedTable[] {
  const rename = (name: string): string => options.renames?.[name] ?? name;
  const leadsTable = options.leadsTable ?? "Leads";
  const hubsTable = options.hubsTable ?? "Active Hubs";
  const keep = (f: SeedField): boolean => !(options.omitFields ?? []).includes(f.name);
  const leadFields: SeedField[] = [
    { name: "Name", type: "singleLineText" },
    { name: "Status", type: "singleSelect", choices: [...LEAD_STATUSES] },
    { name: "GitHub handles", type: "singleLineText" },
    { name: "Contact email", type: "email" },
    { name: "Service tier", type: "singleLineText" },
    { name: "Monthly fee", type: "currency" },
    { name: "Service start date", type: "date" },
    { name: "Service end date", type: "date" },
    { name: "Agreement", type: "multilineText" },
    { name: "Contract", type: "url" },
    { name: "Managed cloud billing", type: "checkbox" },
    { name: "Follow-up date", type: "date" },
    { name: "Money", type: "multilineText" },
    { name: "Authority", type: "multilineText" },
    { name: "Need", type: "multilineText" },
    { name: "Impending event", type: "multilineText" },
    { name: "Application", type: "multilineText" },
    { name: "Competition", type: "multilineText" },
    { name: "Timeline", type: "multilineText" },
    { name: "Lead issue", type: "url" },
    { name: "Request information issue", type: "url" },
    { name: "Deployment issue", type: "url" },
  ];
  const hubFields: SeedField[] = [
    { name: "Hub", type: "singleLineText" },
    { name: "Community", type: "multipleRecordLinks", linkedTable: leadsTable },
    { name: "URL", type: "url" },
    { name: "Deployment issue", type: "url" },
    { name: "Live since", type: "date" },
    { name: "Cloud project", type: "singleLineText" },
  ];
  return [
    { name: leadsTable, fields: leadFields.filter(keep).map((f) => ({ ...f, name: rename(f.name) })) },
    { name: hubsTable, fields: hubFields.filter(keep).map((f) => ({ ...f, name: rename(f.name) })) },
  ];
}
