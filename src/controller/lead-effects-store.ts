import type { LeadStore } from "../store/lead-store.js";
import { emptyLeadEffects, type LeadEffects } from "./lead-observation.js";

const key = (leadId: string) => `lead-effects:${leadId}`;

export async function loadLeadEffects(store: LeadStore, leadId: string): Promise<LeadEffects> {
  const saved = await store.getState<Partial<LeadEffects>>(key(leadId));
  return { ...emptyLeadEffects(), ...(saved ?? {}) };
}

export async function saveLeadEffects(store: LeadStore, leadId: string, effects: LeadEffects): Promise<void> {
  await store.setState(key(leadId), effects);
}

/** `/request-deployment`: remembered so every later reconcile knows the deployment request is wanted. */
export async function markDeploymentRequested(store: LeadStore, leadId: string): Promise<void> {
  const effects = await loadLeadEffects(store, leadId);
  if (effects.deploymentRequested) return;
  await saveLeadEffects(store, leadId, { ...effects, deploymentRequested: true });
}
