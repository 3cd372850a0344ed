import type { Hub, Lead } from "../domain/records.js";
import { applyLeadActions } from "./apply-lead-actions.js";
import { describeAction, type LeadAction } from "./lead-action.js";
import { observeLead } from "./observe-lead.js";
import { planLead } from "./plan-lead.js";
import type { ReconcileDeps } from "./reconcile-deps.js";
import { RefusedEffects } from "./refused-effects.js";

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
 * With `dryRun` it only returns the first round's plan.
 */
export async function reconcileLead(
  leadId: string,
  deps: ReconcileDeps,
  options: { dryRun?: boolean } = {},
): Promise<ReconcileResult> {
  const observed = await observeLead(leadId, deps);
  if (!observed) return { leadId, found: false, actions: [] };
  const context = { config: deps.config, sameOwner: deps.salesRepo.owner.toLowerCase() === deps.hubRepo.owner.toLowerCase() };
  const refusals = await RefusedEffects.load(deps, leadId);
  const done: string[] = [];
  let previous = "";
  for (let round = 0; round < MAX_ROUNDS; round++) {
    // What GitHub refused for good is left out; the rest of the plan goes on (no wedged lead).
    const actions = planLead(observed, context).filter((a) => !refusals.skips(a));
    if (actions.length === 0) {
      if (!options.dryRun) await refusals.reportPending(observed);
      return { leadId, found: true, actions: done, ...(options.dryRun ? {} : { settled: { lead: observed.lead, hubs: observed.hubs } }) };
    }
    if (options.dryRun) return { leadId, found: true, actions: actions.map(describeAction) };
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
