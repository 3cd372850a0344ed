import { escapeMarkdown } from "../github/markdown-text.js";
import type { CalendarDate } from "../domain/calendar-date.js";
import type { Hub, HubFields, Lead, LeadFields } from "../domain/records.js";
import type { LeadStatus } from "../pipeline/lead-status.js";
import { decideTransition } from "../pipeline/transition-rules.js";
import type { LeadStore } from "../store/lead-store.js";
import type { CommandResult, PlanInput, PlanResult } from "./command-definition.js";
import type { CommandDeps } from "./command-deps.js";

/** Id given to a hub row a plan creates, until the store gives it a real one. */
export const PLANNED_HUB_PREFIX = "planned:";

export function hubsOfLead(hubs: readonly Hub[], leadId: string): Hub[] {
  return hubs.filter((h) => h.communityLeadId === leadId);
}

/**
 * The lead after asking for `to` through GitHub: guards apply (SPEC §2), setting the
 * current status again is a no-op, and stopping a service records its end date.
 */
export function planStatusChange(input: { lead: Lead; hubs: readonly Hub[]; to: LeadStatus; today: CalendarDate }): PlanResult {
  const { lead, hubs, to, today } = input;
  const decision = decideTransition(lead.status, to, { lead, hubs: hubsOfLead(hubs, lead.id), today });
  if (decision.kind === "refused") {
    return { ok: false, error: `${escapeMarkdown(lead.name)} cannot move to ${to}: ${decision.reasons.join("; ")}` };
  }
  if (decision.kind === "no-op") return { ok: true, lead, hubs };
  const next: Lead = { ...lead, status: to };
  if (to === "Inactive Service" && next.serviceEndDate === null) next.serviceEndDate = today;
  return { ok: true, lead: next, hubs };
}

/** The fields that differ between two versions of a lead. */
export function diffLead(before: Lead, after: Lead): Partial<LeadFields> {
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(after) as (keyof Lead)[]) {
    if (key === "id") continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) patch[key] = after[key];
  }
  return patch as Partial<LeadFields>;
}

/** Writes what a plan changed: the lead's fields, then created or changed hub rows. */
export async function applyPlan(input: {
  store: LeadStore;
  before: { lead: Lead; hubs: readonly Hub[] };
  after: { lead: Lead; hubs: readonly Hub[] };
}): Promise<{ leadChanged: boolean; hubsChanged: number }> {
  const { store, before, after } = input;
  const patch = diffLead(before.lead, after.lead);
  const leadChanged = Object.keys(patch).length > 0;
  if (leadChanged) await store.updateLead(after.lead.id, patch);
  const beforeById = new Map(before.hubs.map((h) => [h.id, h]));
  let hubsChanged = 0;
  for (const hub of after.hubs) {
    const { id, ...fields } = hub;
    if (id.startsWith(PLANNED_HUB_PREFIX)) {
      await store.createHub(fields as HubFields);
      hubsChanged += 1;
      continue;
    }
    const old = beforeById.get(id);
    if (old !== undefined && JSON.stringify(old) !== JSON.stringify(hub)) {
      await store.updateHub(id, fields);
      hubsChanged += 1;
    }
  }
  return { leadChanged, hubsChanged };
}

/** `status Active Lead → Needs Admin`, or null when the status stays. */
export function describeStatusChange(before: Lead, after: Lead): string | null {
  return before.status === after.status ? null : `status ${before.status} → ${after.status}`;
}

/**
 * The handler shared by commands that only change records: re-plan against the store as
 * it is now (it may have moved since validation), write the difference, ask for a reconcile.
 */
export async function runRecordCommand<A>(input: {
  name: string;
  plan: (plan: PlanInput<A>) => PlanResult;
  args: A;
  lead: Lead | null;
  deps: CommandDeps;
  summarize: (change: { before: Lead; after: Lead; hubs: readonly Hub[] }) => string;
}): Promise<CommandResult> {
  const { name, plan, args, lead, deps, summarize } = input;
  if (lead === null) return { ok: false, error: `\`/${name}\` needs a lead` };
  const hubs = await deps.store.listHubs();
  const planned = plan({ args, lead, hubs, config: deps.config, today: deps.today });
  if (!planned.ok) return planned;
  const written = await applyPlan({ store: deps.store, before: { lead, hubs }, after: planned });
  const changed = written.leadChanged || written.hubsChanged > 0;
  if (changed) await deps.requestReconcile(lead.id, `/${name} by @${deps.commenter.login}`);
  return {
    ok: true,
    summary: summarize({ before: lead, after: planned.lead, hubs: planned.hubs }),
    changedLeadIds: changed ? [lead.id] : [],
  };
}
