import type { CalendarDate, CalendarMonth } from "./calendar-date.js";
import type { MinorUnits } from "./money.js";
import type { LeadStatus } from "../pipeline/lead-status.js";

/** MANIAC-T qualification notes (SPEC §3). Sensitive: sales repo and store only. */
export interface ManiacT {
  money: string | null;
  authority: string | null;
  need: string | null;
  impendingEvent: string | null;
  application: string | null;
  competition: string | null;
  timeline: string | null;
}

export const MANIAC_T_KEYS = [
  "money",
  "authority",
  "need",
  "impendingEvent",
  "application",
  "competition",
  "timeline",
] as const satisfies readonly (keyof ManiacT)[];

/** A row of the Leads table, in domain terms. Field names of the table live in the store adapters. */
export interface LeadFields {
  name: string;
  status: LeadStatus;
  /** GitHub handles of the community representatives, without `@`. */
  githubHandles: string[];
  contactEmail: string | null;
  serviceTier: string | null;
  monthlyFee: MinorUnits | null;
  serviceStartDate: CalendarDate | null;
  serviceEndDate: CalendarDate | null;
  agreement: string | null;
  contract: string | null;
  managedCloudBilling: boolean;
  followUpDate: CalendarDate | null;
  maniacT: ManiacT;
  /** URLs of the issues the app maintains for the lead. */
  leadIssue: string | null;
  requestInformationIssue: string | null;
  deploymentIssue: string | null;
}

export interface Lead extends LeadFields {
  /** The store's id: an AirTable record id (`rec…`) or the SQLite row's (`lead-…`). */
  id: string;
}

/** A row of the Active Hubs table. */
export interface HubFields {
  hub: string;
  /** Id of the lead (community) the hub serves, or null when unlinked. */
  communityLeadId: string | null;
  url: string | null;
  deploymentIssue: string | null;
  liveSince: CalendarDate | null;
  /**
   * The cloud project, account or subscription under which the hub's costs appear in the
   * exports; several hubs may share one. Optional so older records and callers stay valid:
   * absent or null means "match costs by the hub's name".
   */
  cloudProject?: string | null;
}

export interface Hub extends HubFields {
  id: string;
}

/** One month of cloud spend of one cloud project or hub (embedded store; SPEC §3). */
export interface CloudCost {
  month: CalendarMonth;
  /** The project, account or hub name the export names (its id where the export gives one). */
  hub: string;
  amount: MinorUnits;
  currency: string;
  /**
   * The project's other name in the export (a GCP project's name beside its id, an AWS
   * account's name beside its number); hubs are matched against both.
   */
  label?: string | null;
}

export function emptyManiacT(): ManiacT {
  return {
    money: null,
    authority: null,
    need: null,
    impendingEvent: null,
    application: null,
    competition: null,
    timeline: null,
  };
}

/** A lead with every optional field empty: the base for imports, tests and `/confirm-service`. */
export function newLeadFields(name: string, status: LeadStatus, extra: Partial<LeadFields> = {}): LeadFields {
  return {
    name,
    status,
    githubHandles: [],
    contactEmail: null,
    serviceTier: null,
    monthlyFee: null,
    serviceStartDate: null,
    serviceEndDate: null,
    agreement: null,
    contract: null,
    managedCloudBilling: false,
    followUpDate: null,
    maniacT: emptyManiacT(),
    leadIssue: null,
    requestInformationIssue: null,
    deploymentIssue: null,
    ...extra,
  };
}

/** Splits `@alice, bob  @carol` into `["alice", "bob", "carol"]`, dropping duplicates. */
export function parseGithubHandles(input: string): string[] {
  const handles = input
    .split(/[\s,;]+/)
    .map((h) => h.replace(/^@/, "").trim())
    .filter((h) => h !== "");
  return [...new Set(handles)];
}
