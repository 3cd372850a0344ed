import { MANIAC_T_KEYS, type Hub, type HubFields, type Lead, type LeadFields } from "../domain/records.js";
import type { LeadStatus } from "../pipeline/lead-status.js";
import type { LeadLogEntry, WorkItem } from "./app-state-store.js";
import { InvalidRecordError, type LeadPatch } from "./record-validation.js";

/**
 * Rows, columns and checks the SQL backends (the SQLite file, PostgreSQL) share: one schema
 * in two dialects, so a record reads back the same from either.
 */

/** Reasons kept on a work item; older ones are dropped so a busy key's row stays small. */
export const MAX_WORK_REASONS = 20;

export type SqlValue = string | number | null;

// Canonical forms only, so `lead-01` does not name `lead-1`.
export const LEAD_ID = /^lead-([1-9]\d*)$/;
export const HUB_ID = /^hub-([1-9]\d*)$/;

/** LeadFields key → column. Column names only ever come from here, never from input. */
export const LEAD_COLUMNS = {
  name: "name",
  status: "status",
  githubHandles: "github_handles",
  contactEmail: "contact_email",
  serviceTier: "service_tier",
  monthlyFee: "monthly_fee_cents",
  serviceStartDate: "service_start_date",
  serviceEndDate: "service_end_date",
  agreement: "agreement",
  contract: "contract",
  managedCloudBilling: "managed_cloud_billing",
  followUpDate: "follow_up_date",
  leadIssue: "lead_issue",
  requestInformationIssue: "request_information_issue",
  deploymentIssue: "deployment_issue",
} as const satisfies Record<Exclude<keyof LeadFields, "maniacT">, string>;

export const MANIAC_COLUMNS = {
  money: "maniac_money",
  authority: "maniac_authority",
  need: "maniac_need",
  impendingEvent: "maniac_impending_event",
  application: "maniac_application",
  competition: "maniac_competition",
  timeline: "maniac_timeline",
} as const;

export const HUB_COLUMNS = {
  hub: "hub",
  communityLeadId: "community_lead_id",
  url: "url",
  deploymentIssue: "deployment_issue",
  liveSince: "live_since",
  cloudProject: "cloud_project",
} as const satisfies Record<keyof HubFields, string>;

export interface LeadRowDb {
  id: number;
  name: string;
  status: LeadStatus;
  github_handles: string | string[];
  contact_email: string | null;
  service_tier: string | null;
  monthly_fee_cents: number | null;
  service_start_date: string | null;
  service_end_date: string | null;
  agreement: string | null;
  contract: string | null;
  managed_cloud_billing: number | boolean;
  follow_up_date: string | null;
  maniac_money: string | null;
  maniac_authority: string | null;
  maniac_need: string | null;
  maniac_impending_event: string | null;
  maniac_application: string | null;
  maniac_competition: string | null;
  maniac_timeline: string | null;
  lead_issue: string | null;
  request_information_issue: string | null;
  deployment_issue: string | null;
}

export interface HubRowDb {
  id: number;
  hub: string;
  community_lead_id: number | null;
  url: string | null;
  deployment_issue: string | null;
  live_since: string | null;
  cloud_project: string | null;
}

export interface WorkRowDb {
  key: string;
  reason: string;
  attempts: number;
  generation: number;
  not_before: string;
  last_error: string | null;
  lease_owner: string | null;
  lease_expires_at: string | null;
}

export interface FailedEffectRowDb {
  lead_id: string;
  effect: string;
  what: string;
  why: string;
  fix: string;
  status: number | null;
  first_failed_at: string;
  last_failed_at: string;
  reported: number | boolean;
}

export function parseId(pattern: RegExp, id: string): number | null {
  const m = pattern.exec(id);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : null;
}

export function requireKey(what: string, key: string): void {
  if (typeof key !== "string" || key === "") throw new InvalidRecordError("bookkeeping", [`${what}: must not be empty`]);
}

export function toJson(key: string, value: unknown): string {
  const text = value === undefined ? undefined : JSON.stringify(value);
  if (text === undefined) {
    throw new InvalidRecordError("state", [`${key}: the value must be JSON (got ${typeof value}); use deleteState to remove a key`]);
  }
  return text;
}

export function mergeReasons(existing: string, added: string): string {
  const parts = existing.split("; ").filter((p) => p !== "" && p !== added);
  parts.push(added);
  return parts.slice(-MAX_WORK_REASONS).join("; ");
}

/** Fields given → columns (keys left `undefined` are skipped). */
export function leadColumns(fields: LeadPatch): Record<string, SqlValue> {
  const values: Record<string, SqlValue> = {};
  for (const [key, column] of Object.entries(LEAD_COLUMNS) as [keyof typeof LEAD_COLUMNS, string][]) {
    const value = fields[key];
    if (value === undefined) continue;
    if (key === "githubHandles") values[column] = JSON.stringify(value);
    else if (key === "managedCloudBilling") values[column] = value ? 1 : 0;
    else values[column] = value as SqlValue;
  }
  if (fields.maniacT) {
    for (const key of MANIAC_T_KEYS) {
      const value = fields.maniacT[key];
      if (value !== undefined) values[MANIAC_COLUMNS[key]] = value;
    }
  }
  return values;
}

export function leadFromRow(row: LeadRowDb): Lead {
  return {
    id: `lead-${row.id}`,
    name: row.name,
    status: row.status,
    // JSON text in SQLite, jsonb (already parsed) in PostgreSQL.
    githubHandles: typeof row.github_handles === "string" ? (JSON.parse(row.github_handles) as string[]) : row.github_handles,
    contactEmail: row.contact_email,
    serviceTier: row.service_tier,
    monthlyFee: row.monthly_fee_cents,
    serviceStartDate: row.service_start_date,
    serviceEndDate: row.service_end_date,
    agreement: row.agreement,
    contract: row.contract,
    managedCloudBilling: row.managed_cloud_billing === 1 || row.managed_cloud_billing === true,
    followUpDate: row.follow_up_date,
    maniacT: {
      money: row.maniac_money,
      authority: row.maniac_authority,
      need: row.maniac_need,
      impendingEvent: row.maniac_impending_event,
      application: row.maniac_application,
      competition: row.maniac_competition,
      timeline: row.maniac_timeline,
    },
    leadIssue: row.lead_issue,
    requestInformationIssue: row.request_information_issue,
    deploymentIssue: row.deployment_issue,
  };
}

export function hubFromRow(row: HubRowDb): Hub {
  return {
    id: `hub-${row.id}`,
    hub: row.hub,
    communityLeadId: row.community_lead_id === null ? null : `lead-${row.community_lead_id}`,
    url: row.url,
    deploymentIssue: row.deployment_issue,
    liveSince: row.live_since,
    cloudProject: row.cloud_project,
  };
}

export interface LeadLogRowDb {
  lead_id: string;
  at: string;
  kind: LeadLogEntry["kind"];
  what: string;
  trigger: string;
  status: LeadStatus | null;
}

export function validateLeadLogEntry(entry: LeadLogEntry): LeadLogEntry {
  const problems: string[] = [];
  if (typeof entry.leadId !== "string" || entry.leadId === "") problems.push("leadId: must not be empty");
  if (typeof entry.at !== "string" || Number.isNaN(Date.parse(entry.at))) problems.push(`at: must be an ISO time (got ${String(entry.at)})`);
  if (entry.kind !== "action" && entry.kind !== "status") problems.push(`kind: must be "action" or "status" (got ${String(entry.kind)})`);
  if (typeof entry.what !== "string" || entry.what === "") problems.push("what: must not be empty");
  if (typeof entry.trigger !== "string") problems.push("trigger: must be text");
  if (problems.length > 0) throw new InvalidRecordError("action log", problems);
  return { ...entry, status: entry.status ?? null };
}

export function leadLogFromRow(row: LeadLogRowDb): LeadLogEntry {
  return { leadId: row.lead_id, at: row.at, kind: row.kind, what: row.what, trigger: row.trigger, status: row.status };
}

export function workFromRow(row: WorkRowDb): WorkItem {
  return {
    key: row.key,
    reason: row.reason,
    attempts: row.attempts,
    generation: row.generation,
    notBefore: row.not_before,
    lastError: row.last_error,
    leaseOwner: row.lease_owner ?? null,
    leaseExpiresAt: row.lease_expires_at ?? null,
  };
}
