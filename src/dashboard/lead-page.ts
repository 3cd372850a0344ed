import type { CalendarDate } from "../domain/calendar-date.js";
import { formatMoneyForPeople } from "../domain/money.js";
import { LEAD_FIELD_NAMES } from "../domain/record-field-names.js";
import { MANIAC_T_KEYS, type Hub, type Lead } from "../domain/records.js";
import type { HubSalesConfig } from "../config/hub-sales-config.schema.js";
import { describeMissing } from "../controller/render-lead-issue.js";
import type { FailedEffect, LeadLogEntry, WorkItem } from "../store/lead-store.js";
import { daysInStatus, leadIssueLinks, linkable, type IssueLink } from "./pipeline-page.js";

export interface LeadPage {
  id: string;
  name: string;
  status: Lead["status"];
  daysInStatus: number | null;
  /** The record as the table shows it (sensitive fields included: the dashboard is private). */
  fields: { label: string; value: string }[];
  maniacT: { label: string; note: string | null }[];
  missing: string[];
  issues: IssueLink[];
  hubs: { name: string; url: string | null; liveSince: string | null }[];
  log: LeadLogEntry[];
  /** The lead's queued work, when there is some (attempts, next try, last error). */
  work: { reason: string; attempts: number; notBefore: string; lastError: string | null } | null;
  /** Effects GitHub refused for good (a 4xx retrying cannot fix): what, why, how to fix, since when. */
  failedEffects: { effect: string; what: string; why: string; fix: string; status: number | null; since: string; last: string; reportedOnLeadIssue: boolean }[];
}

function show(value: string | null | undefined): string {
  return value === null || value === undefined || value === "" ? "—" : value;
}

/** The lead page's data: pure. */
export function buildLeadPage(input: {
  lead: Lead;
  hubs: readonly Hub[];
  log: readonly LeadLogEntry[];
  work: WorkItem | null;
  failedEffects: readonly FailedEffect[];
  config: Pick<HubSalesConfig, "currency" | "tiers">;
  today: CalendarDate;
  now: Date;
}): LeadPage {
  const { lead, config } = input;
  const hubs = input.hubs.filter((h) => h.communityLeadId === lead.id);
  const tierFee = config.tiers.find((t) => t.name.toLowerCase() === lead.serviceTier?.toLowerCase())?.monthly_fee;
  const fee =
    lead.monthlyFee !== null
      ? formatMoneyForPeople(lead.monthlyFee, config.currency)
      : tierFee !== undefined
        ? `${formatMoneyForPeople(tierFee, config.currency)} (the tier's)`
        : null;
  const latestStatus = input.log.find((e) => e.kind === "status");
  const fields: { label: string; value: string }[] = [
    { label: LEAD_FIELD_NAMES.status, value: lead.status },
    { label: LEAD_FIELD_NAMES.githubHandles, value: lead.githubHandles.length > 0 ? lead.githubHandles.map((h) => `@${h}`).join(", ") : "—" },
    { label: LEAD_FIELD_NAMES.contactEmail, value: show(lead.contactEmail) },
    { label: LEAD_FIELD_NAMES.serviceTier, value: show(lead.serviceTier) },
    { label: LEAD_FIELD_NAMES.monthlyFee, value: show(fee) },
    { label: LEAD_FIELD_NAMES.serviceStartDate, value: show(lead.serviceStartDate) },
    { label: LEAD_FIELD_NAMES.serviceEndDate, value: show(lead.serviceEndDate) },
    { label: LEAD_FIELD_NAMES.agreement, value: show(lead.agreement) },
    { label: LEAD_FIELD_NAMES.contract, value: show(lead.contract) },
    { label: LEAD_FIELD_NAMES.managedCloudBilling, value: lead.managedCloudBilling ? "yes" : "no" },
    { label: LEAD_FIELD_NAMES.followUpDate, value: show(lead.followUpDate) },
  ];
  return {
    id: lead.id,
    name: lead.name,
    status: lead.status,
    daysInStatus: daysInStatus(lead, latestStatus, input.now),
    fields,
    maniacT: MANIAC_T_KEYS.map((key) => ({ label: LEAD_FIELD_NAMES[key], note: lead.maniacT[key] })),
    missing: describeMissing(lead, hubs, input.today),
    issues: leadIssueLinks(lead),
    hubs: hubs.map((h) => ({ name: h.hub, url: linkable(h.url), liveSince: h.liveSince })),
    log: [...input.log],
    work: input.work
      ? { reason: input.work.reason, attempts: input.work.attempts, notBefore: input.work.notBefore, lastError: input.work.lastError }
      : null,
    failedEffects: input.failedEffects.map((f) => ({
      effect: f.effect,
      what: f.what,
      why: f.why,
      fix: f.fix,
      status: f.status,
      since: f.firstFailedAt,
      last: f.lastFailedAt,
      reportedOnLeadIssue: f.reported,
    })),
  };
}
