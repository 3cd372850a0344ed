import type { CalendarDate } from "../domain/calendar-date.js";
import type { Hub, Lead } from "../domain/records.js";
import type { LeadStatus } from "../pipeline/lead-status.js";
import type { FailedEffect, LeadLogEntry, WorkItem } from "../store/lead-store.js";
import { describeMissing } from "../controller/render-lead-issue.js";
import { leadPagePath } from "./dashboard-paths.js";

/** The columns left to right: the way a lead travels, the two inactive ends last. */
export const PIPELINE_ORDER: readonly LeadStatus[] = [
  "Active Lead",
  "Waiting",
  "Needs Admin",
  "Active Service",
  "Inactive Service",
  "Inactive Lead",
];

export interface IssueLink {
  label: string;
  url: string;
}

export interface PipelineCard {
  id: string;
  name: string;
  tier: string | null;
  /** Whole days since the app first saw the lead in this status; null when it has not yet. */
  daysInStatus: number | null;
  missing: string[];
  issues: IssueLink[];
  href: string;
  /** The lead's work is failing (attempts and last error on the work page). */
  failing: boolean;
  /** Effects GitHub refused for good on this lead (listed on the lead page). */
  refused: number;
}

export interface PipelineColumn {
  status: LeadStatus;
  count: number;
  cards: PipelineCard[];
}

export interface PipelineFilter {
  statuses: LeadStatus[];
  search: string;
}

export interface PipelinePage {
  filter: PipelineFilter;
  columns: PipelineColumn[];
  /** Leads shown / leads in the store. */
  shown: number;
  total: number;
  /** The token route's data before the pages, kept for scripts: queued work, how much of it fails, refused effects. */
  queued: { key: string; reason: string; attempts: number; notBefore: string; lastError: string | null; leaseOwner: string | null; leaseExpiresAt: string | null }[];
  failing: number;
  /** The store's records, `reported` named as the earlier route named it. */
  failedEffects: (Omit<FailedEffect, "reported"> & { reportedOnLeadIssue: boolean })[];
}

const DAY_MS = 86_400_000;

/** Only http(s) addresses become links: the fields are editable in the table, and `javascript:` must never be clickable. */
export function linkable(url: string | null): string | null {
  if (!url) return null;
  try {
    return ["http:", "https:"].includes(new URL(url).protocol) ? url : null;
  } catch {
    return null;
  }
}

/** The lead's issue links, in the order a lead gets them. */
export function leadIssueLinks(lead: Lead): IssueLink[] {
  const links: IssueLink[] = [];
  const add = (label: string, url: string | null) => {
    const safe = linkable(url);
    if (safe) links.push({ label, url: safe });
  };
  add("lead issue", lead.leadIssue);
  add("request information", lead.requestInformationIssue);
  add("deployment", lead.deploymentIssue);
  return links;
}

/** Days since the newest status line, when it is about the status the lead is in now. */
export function daysInStatus(lead: Lead, latest: LeadLogEntry | undefined, now: Date): number | null {
  if (!latest || latest.status !== lead.status) return null;
  return Math.max(0, Math.floor((now.getTime() - Date.parse(latest.at)) / DAY_MS));
}

/** The pipeline page's data: pure, from what the store holds. */
export function buildPipelinePage(input: {
  leads: readonly Lead[];
  hubs: readonly Hub[];
  statusEntries: readonly LeadLogEntry[];
  work: readonly WorkItem[];
  failedEffects: readonly FailedEffect[];
  filter: PipelineFilter;
  today: CalendarDate;
  now: Date;
}): PipelinePage {
  const { leads, hubs, filter, today, now } = input;
  const latest = new Map(input.statusEntries.map((e) => [e.leadId, e]));
  const failingKeys = new Set(input.work.filter((w) => w.lastError !== null).map((w) => w.key));
  const needle = filter.search.trim().toLowerCase();
  const matches = leads.filter((l) => needle === "" || l.name.toLowerCase().includes(needle));
  const statuses = filter.statuses.length > 0 ? PIPELINE_ORDER.filter((s) => filter.statuses.includes(s)) : PIPELINE_ORDER;
  const columns = statuses.map((status): PipelineColumn => {
    const cards = matches
      .filter((l) => l.status === status)
      .map(
        (lead): PipelineCard => ({
          id: lead.id,
          name: lead.name,
          tier: lead.serviceTier,
          daysInStatus: daysInStatus(lead, latest.get(lead.id), now),
          missing: describeMissing(lead, hubs.filter((h) => h.communityLeadId === lead.id), today),
          issues: leadIssueLinks(lead),
          href: leadPagePath(lead.id),
          failing: failingKeys.has(`lead:${lead.id}`),
          refused: input.failedEffects.filter((f) => f.leadId === lead.id).length,
        }),
      );
    return { status, count: cards.length, cards };
  });
  return {
    filter,
    columns,
    shown: columns.reduce((n, c) => n + c.count, 0),
    total: leads.length,
    queued: input.work.map((w) => ({
      key: w.key,
      reason: w.reason,
      attempts: w.attempts,
      notBefore: w.notBefore,
      lastError: w.lastError,
      leaseOwner: w.leaseOwner,
      leaseExpiresAt: w.leaseExpiresAt,
    })),
    failing: input.work.filter((w) => w.lastError !== null).length,
    failedEffects: input.failedEffects.map(({ reported, ...f }) => ({ ...f, reportedOnLeadIssue: reported })),
  };
}

