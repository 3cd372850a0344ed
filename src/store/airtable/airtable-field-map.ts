import { isCalendarDate } from "../../domain/calendar-date.js";
import { formatMoney, parseMoney, type MinorUnits } from "../../domain/money.js";
import {
  emptyManiacT,
  parseGithubHandles,
  type HubFields,
  type LeadFields,
  type ManiacT,
} from "../../domain/records.js";
import { isLeadStatus } from "../../pipeline/lead-status.js";
import type { LeadPatch } from "../record-validation.js";
import { HUB_FIELD_NAMES, LEAD_FIELD_NAMES } from "../../domain/record-field-names.js";

/**
 * Translation between domain records and AirTable cells. Field names come from SPEC §3,
 * renamed by `airtable.fields` in the config; field types come from the base's metadata,
 * so a fee kept in a currency column is written as a number and one kept in a text column
 * as `1500.00`.
 */

type LeadKey = Exclude<keyof LeadFields, "maniacT"> | keyof ManiacT;
type HubKey = keyof HubFields;

export const DEFAULT_LEAD_FIELD_NAMES: Readonly<Record<LeadKey, string>> = LEAD_FIELD_NAMES;

const { community, ...hubFieldNames } = HUB_FIELD_NAMES;
export const DEFAULT_HUB_FIELD_NAMES: Readonly<Record<HubKey, string>> = { ...hubFieldNames, communityLeadId: community };

const MANIAC_KEYS = new Set<string>(Object.keys(emptyManiacT()));

export interface AirtableFieldNames {
  leads: Record<LeadKey, string>;
  hubs: Record<HubKey, string>;
  /** Optional fields the base does not have: never written, read as empty. */
  absent?: ReadonlySet<string>;
}

/** Hub fields a base may lack (added after the first bases were made): the store works without them. */
export const OPTIONAL_HUB_FIELDS: readonly HubKey[] = ["cloudProject"];

export class AirtableConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`AirTable configuration: ${problems.join("; ")}`);
    this.name = "AirtableConfigError";
  }
}

/** Applies `airtable.fields` renames (keyed by the SPEC §3 default names) to both tables. */
export function resolveAirtableFieldNames(renames: Readonly<Record<string, string>> = {}): AirtableFieldNames {
  const known = new Set([...Object.values(DEFAULT_LEAD_FIELD_NAMES), ...Object.values(DEFAULT_HUB_FIELD_NAMES)]);
  const unknown = Object.keys(renames).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new AirtableConfigError([
      `airtable.fields renames unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((n) => `"${n}"`).join(", ")}; ` +
        `the renamable names are ${[...known].map((n) => `"${n}"`).join(", ")}`,
    ]);
  }
  const rename = <K extends string>(defaults: Readonly<Record<K, string>>): Record<K, string> =>
    Object.fromEntries(Object.entries(defaults).map(([key, name]) => [key, renames[name as string] ?? name])) as Record<
      K,
      string
    >;
  return { leads: rename(DEFAULT_LEAD_FIELD_NAMES), hubs: rename(DEFAULT_HUB_FIELD_NAMES) };
}

/** AirTable field type by field name, from the metadata API. */
export type FieldTypes = ReadonlyMap<string, string>;

const NUMERIC_TYPES = new Set(["currency", "number", "percent"]);

function moneyCell(cents: MinorUnits | null, type: string | undefined): unknown {
  if (cents === null) return null;
  // A currency column holds a JSON number; formatMoney gives the exact two-decimal text first.
  return NUMERIC_TYPES.has(type ?? "") ? Number(formatMoney(cents)) : formatMoney(cents);
}

/** The cells to write for the keys a patch gives (absent keys are left alone). */
export function leadToCells(patch: LeadPatch, names: AirtableFieldNames, types: FieldTypes): Record<string, unknown> {
  const cells: Record<string, unknown> = {};
  const n = names.leads;
  for (const [key, value] of Object.entries(patch) as [keyof LeadPatch, unknown][]) {
    if (value === undefined) continue;
    switch (key) {
      case "maniacT":
        for (const [mKey, mValue] of Object.entries(value as Partial<ManiacT>)) {
          if (mValue !== undefined) cells[n[mKey as keyof ManiacT]] = mValue;
        }
        break;
      case "githubHandles":
        cells[n.githubHandles] = (value as string[]).length === 0 ? null : (value as string[]).join(", ");
        break;
      case "monthlyFee":
        cells[n.monthlyFee] = moneyCell(value as MinorUnits | null, types.get(n.monthlyFee));
        break;
      case "managedCloudBilling":
        cells[n.managedCloudBilling] = value === true;
        break;
      default:
        cells[n[key]] = value;
    }
  }
  return cells;
}

export function hubToCells(patch: Partial<HubFields>, names: AirtableFieldNames): Record<string, unknown> {
  const cells: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch) as [HubKey, unknown][]) {
    if (value === undefined || names.absent?.has(names.hubs[key])) continue;
    cells[names.hubs[key]] = key === "communityLeadId" ? (value === null ? [] : [value]) : value;
  }
  return cells;
}

export type ReadResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Reads a Leads record; problems name the record and the field, for a clear message. */
export function leadFromCells(cells: Record<string, unknown>, names: AirtableFieldNames): ReadResult<LeadFields> {
  const n = names.leads;
  const problems: string[] = [];
  const text = (key: LeadKey): string | null => {
    const v = cells[n[key]];
    if (v === undefined || v === null) return null;
    if (typeof v === "string") return v.trim() === "" ? null : v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    problems.push(`field "${n[key]}" holds ${JSON.stringify(v)}, expected text`);
    return null;
  };
  const date = (key: LeadKey): string | null => {
    const v = text(key);
    if (v === null) return null;
    const day = v.slice(0, 10);
    if (!isCalendarDate(day)) {
      problems.push(`field "${n[key]}" holds ${JSON.stringify(v)}, expected a date YYYY-MM-DD`);
      return null;
    }
    return day;
  };
  const name = text("name");
  if (name === null) problems.push(`field "${n.name}" is empty`);
  const statusText = text("status");
  if (statusText === null || !isLeadStatus(statusText)) {
    problems.push(`field "${n.status}" holds ${JSON.stringify(statusText)}, expected one of the six lead statuses`);
  }
  let monthlyFee: MinorUnits | null = null;
  const fee = cells[n.monthlyFee];
  if (typeof fee === "number") monthlyFee = parseMoney(fee.toFixed(2));
  else if (typeof fee === "string" && fee.trim() !== "") monthlyFee = parseMoney(fee);
  if (fee !== undefined && fee !== null && fee !== "" && monthlyFee === null) {
    problems.push(`field "${n.monthlyFee}" holds ${JSON.stringify(fee)}, expected an amount`);
  }
  const maniacT = emptyManiacT();
  for (const key of MANIAC_KEYS) maniacT[key as keyof ManiacT] = text(key as keyof ManiacT);
  const handles = text("githubHandles");
  const fields: LeadFields = {
    name: name ?? "",
    status: (statusText ?? "Active Lead") as LeadFields["status"],
    githubHandles: handles === null ? [] : parseGithubHandles(handles),
    contactEmail: text("contactEmail"),
    serviceTier: text("serviceTier"),
    monthlyFee,
    serviceStartDate: date("serviceStartDate"),
    serviceEndDate: date("serviceEndDate"),
    agreement: text("agreement"),
    contract: text("contract"),
    managedCloudBilling: cells[n.managedCloudBilling] === true,
    followUpDate: date("followUpDate"),
    maniacT,
    leadIssue: text("leadIssue"),
    requestInformationIssue: text("requestInformationIssue"),
    deploymentIssue: text("deploymentIssue"),
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: fields };
}

export function hubFromCells(cells: Record<string, unknown>, names: AirtableFieldNames): ReadResult<HubFields> {
  const n = names.hubs;
  const problems: string[] = [];
  const text = (key: HubKey): string | null => {
    const v = cells[n[key]];
    if (v === undefined || v === null || v === "") return null;
    if (typeof v === "string") return v;
    problems.push(`field "${n[key]}" holds ${JSON.stringify(v)}, expected text`);
    return null;
  };
  const hub = text("hub");
  if (hub === null) problems.push(`field "${n.hub}" is empty`);
  const link = cells[n.communityLeadId];
  let communityLeadId: string | null = null;
  if (Array.isArray(link) && link.length > 0 && typeof link[0] === "string") communityLeadId = link[0];
  else if (link !== undefined && link !== null && !(Array.isArray(link) && link.length === 0)) {
    problems.push(`field "${n.communityLeadId}" holds ${JSON.stringify(link)}, expected a link to a lead`);
  }
  const liveSinceText = text("liveSince");
  const liveSince = liveSinceText === null ? null : liveSinceText.slice(0, 10);
  if (liveSince !== null && !isCalendarDate(liveSince)) {
    problems.push(`field "${n.liveSince}" holds ${JSON.stringify(liveSinceText)}, expected a date YYYY-MM-DD`);
  }
  const value: HubFields = {
    hub: hub ?? "",
    communityLeadId,
    url: text("url"),
    deploymentIssue: text("deploymentIssue"),
    liveSince,
    cloudProject: text("cloudProject"),
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value };
}
