import type { CalendarDate } from "../domain/calendar-date.js";
import type { Hub, Lead } from "../domain/records.js";
import { LEAD_STATUSES, type LeadStatus } from "./lead-status.js";

/** Allowed transitions (SPEC §2), as data. Setting the current status again is a no-op, not a transition. */
export const TRANSITIONS: Readonly<Record<LeadStatus, readonly LeadStatus[]>> = {
  "Active Lead": ["Inactive Lead", "Waiting", "Needs Admin"],
  "Inactive Lead": ["Active Lead"],
  Waiting: ["Active Lead", "Inactive Lead", "Needs Admin"],
  "Needs Admin": ["Active Service", "Active Lead", "Inactive Lead"],
  "Active Service": ["Inactive Service"],
  "Inactive Service": ["Active Lead", "Needs Admin"],
};

export function isAllowedTransition(from: LeadStatus, to: LeadStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** What a guard looks at: the lead as it would be after the change, its hubs, and today. */
export interface GuardInput {
  lead: Pick<Lead, "serviceTier" | "agreement" | "serviceStartDate" | "followUpDate">;
  hubs: readonly Pick<Hub, "hub">[];
  today: CalendarDate;
}

/** A missing precondition: what is wrong and what the person can do about it. */
export interface Unmet {
  code:
    | "service-tier-missing"
    | "agreement-missing"
    | "hub-missing"
    | "start-date-missing"
    | "start-date-in-future"
    | "follow-up-date-missing";
  message: string;
}

/** The guards of entering `to`, as a list of what is missing (empty when all hold). */
export function unmetGuards(to: LeadStatus, input: GuardInput): Unmet[] {
  const { lead, hubs, today } = input;
  const unmet: Unmet[] = [];
  switch (to) {
    case "Needs Admin":
      if (!lead.serviceTier) {
        unmet.push({
          code: "service-tier-missing",
          message: "no service tier is recorded: run `/confirm-service tier=<tier>` first",
        });
      }
      if (!lead.agreement) {
        unmet.push({
          code: "agreement-missing",
          message:
            'no agreement to the service tier is recorded: add `agreement=<link or text>` to `/confirm-service`, e.g. `/confirm-service tier=Research agreement="email of 2026-03-02"`',
        });
      }
      break;
    case "Active Service":
      if (hubs.length === 0) {
        unmet.push({
          code: "hub-missing",
          message: "no live hub is recorded for this lead: run `/hub-live name=<hub> url=<url>` or close the deployment issue as completed",
        });
      }
      if (!lead.serviceStartDate) {
        unmet.push({
          code: "start-date-missing",
          message: "no service start date is recorded: add `start=YYYY-MM-DD` with `/confirm-service`",
        });
      } else if (lead.serviceStartDate > today) {
        unmet.push({
          code: "start-date-in-future",
          message: `the service starts on ${lead.serviceStartDate}, which is after today; the app moves the lead to Active Service on that date`,
        });
      }
      break;
    case "Waiting":
      if (!lead.followUpDate) {
        unmet.push({
          code: "follow-up-date-missing",
          message: "no follow-up date is recorded: use `/wait until=YYYY-MM-DD`",
        });
      }
      break;
    default:
      break;
  }
  return unmet;
}

export type TransitionDecision =
  | { kind: "no-op"; status: LeadStatus }
  | { kind: "allowed"; from: LeadStatus; to: LeadStatus }
  | { kind: "refused"; from: LeadStatus; to: LeadStatus; reasons: string[] };

/**
 * May this lead go to `to` through GitHub (labels, commands)? Answers in words a person
 * can act on: a refusal names the allowed targets or the missing preconditions.
 */
export function decideTransition(from: LeadStatus, to: LeadStatus, guard: GuardInput): TransitionDecision {
  if (from === to) return { kind: "no-op", status: from };
  if (!isAllowedTransition(from, to)) {
    return {
      kind: "refused",
      from,
      to,
      reasons: [
        `a lead cannot go from ${from} to ${to}; from ${from} it can go to ${formatList(TRANSITIONS[from])}`,
      ],
    };
  }
  const unmet = unmetGuards(to, guard);
  if (unmet.length > 0) return { kind: "refused", from, to, reasons: unmet.map((u) => u.message) };
  return { kind: "allowed", from, to };
}

/** The steps a lead in `status` can take next, for "what is missing" summaries. */
export function nextStatuses(status: LeadStatus): readonly LeadStatus[] {
  return TRANSITIONS[status];
}

export function formatList(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

export { LEAD_STATUSES };
