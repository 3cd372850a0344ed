import type { Hub, Lead } from "../domain/records.js";
import { applyLeadActions } from "./apply-lead-actions.js";
import { describeAction, type LeadAction } from "./lead-action.js";
import type { LeadObservation } from "./lead-observation.js";
import { observeLead } from "./observe-lead.js";
import { planLead } from "./plan-lead.js";
import type { ReconcileDeps } from "./reconcile-deps.js";
import { RefusedEffects } from "./refused-effects.js";
import type { LeadLogEntry } from "../store/lead-store.js";

export interface ReconcileResult {
  leadId: string;
  /** False when the lead no longer exists in the store. */
  found: boolean;
  /** What was done, in order (empty when everything already matched). */
  actions: string[];
  /** The lead and its hubs as the run left them, once nothing was left to do (not for a dry run). */
  settled?: { lead: Lead; hubs: Hub[] };
}

/** More rounds than any lead needs (hub side, then lead issue, then links): a loop guard. */
const MAX_ROUNDS = 8;

/**
 * The one entry point of every trigger: observe, plan (pure), act, and plan again on
 * what the actions produced, until the plan is empty. Idempotent: a second run right
 * after finds nothing to do; a run after a crash adopts what the crashed one made.
 * With `dryRun` it only returns the first round's plan. Each action done, and each status
 * the lead is newly seen in, goes to the lead's action log with the `trigger`.
 */
export async function reconcileLead(
  leadId: string,
  deps: ReconcileDeps,
  options: { dryRun?: boolean; trigger?: string } = {},
): Promise<ReconcileResult> {
  // Taken first, after the lease: an issue an earlier holder made is in any listing begun after it.
  const ownedIssuesMark = deps.ownedIssues.mark();
  const observed = await observeLead(leadId, deps);
  if (!observed) return { leadId, found: false, actions: [] };
  observed.ownedIssuesMark = ownedIssuesMark;
  if (options.dryRun) return reconcileRounds(observed, deps, true);
  const trigger = options.trigger ?? "reconcile";
  const at = () => deps.now().toISOString();
  await recordStatusSeen(leadId, observed.lead.status, trigger, at(), deps);
  // Each action is logged as it is done, so a run that fails half-way still shows what it did.
  const logged: LeadLogEntry[] = [];
  const logging: ReconcileDeps = {
    ...deps,
    onAction: (event) => {
      deps.onAction?.(event);
      logged.push({ leadId, at: at(), kind: "action", what: event.description, trigger, status: observed.lead.status });
    },
  };
  try {
    return await reconcileRounds(observed, logging, false);
  } finally {
    if (logged.length > 0) await deps.store.appendLeadLog(logged);
    // An action may have moved the lead (the hub shipped: Active Service).
    await recordStatusSeen(leadId, observed.lead.status, trigger, at(), deps);
  }
}

/** A status line when the lead is in another status than the log last saw (or none yet): days in status start here. */
async function recordStatusSeen(leadId: string, status: LeadLogEntry["status"], trigger: string, at: string, deps: ReconcileDeps): Promise<void> {
  const [last] = await deps.store.listLeadLog(leadId, { kind: "status", limit: 1 });
  if (last?.status === status) return;
  await deps.store.appendLeadLog([{ leadId, at, kind: "status", what: `status ${status}`, trigger, status }]);
}

async function reconcileRounds(observed: LeadObservation, deps: ReconcileDeps, dryRun: boolean): Promise<ReconcileResult> {
  const leadId = observed.lead.id;
  const context = { config: deps.config, sameOwner: deps.salesRepo.owner.toLowerCase() === deps.hubRepo.owner.toLowerCase() };
  const refusals = await RefusedEffects.load(deps, leadId);
  const done: string[] = [];
  let previous = "";
  for (let round = 0; round < MAX_ROUNDS; round++) {
    // What GitHub refused for good is left out; the rest of the plan goes on (no wedged lead).
    const actions = planLead(observed, context).filter((a) => !refusals.skips(a));
    if (actions.length === 0) {
      if (!dryRun) await refusals.reportPending(observed);
      return { leadId, found: true, actions: done, ...(dryRun ? {} : { settled: { lead: observed.lead, hubs: observed.hubs } }) };
    }
    if (dryRun) return { leadId, found: true, actions: actions.map(describeAction) };
    const fingerprint = JSON.stringify(actions);
    if (fingerprint === previous) throw new ReconcileStuckError(leadId, actions);
    previous = fingerprint;
    done.push(...(await applyLeadActions(actions, observed, deps, refusals)));
  }
  throw new ReconcileStuckError(leadId, planLead(observed, context));
}

/** The plan keeps asking for the same actions: a bug or an outside fight; retrying will not help. */
export class ReconcileStuckError extends Error {
  readonly terminal = true;
  constructor(leadId: string, actions: readonly LeadAction[]) {
    super(`lead ${leadId}: reconcile does not settle; still planning: ${actions.map(describeAction).join("; ")}`);
    this.name = "ReconcileStuckError";
  }
}
