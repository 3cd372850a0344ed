import { createHash } from "node:crypto";
import type { Hub, Lead } from "../domain/records.js";
import type { LeadStore } from "../store/lead-store.js";

/**
 * What the plan reads of a lead's records, hashed: every field of the lead (the lead issue
 * body shows nearly all of them, and the links are fields too), its Active Hubs rows, and
 * `context`, the rest of the plan's inputs that are not the record (the configuration and
 * the date). Equal fingerprints mean the record side of the plan is the same; the GitHub
 * side is not in it, which is why passes still look at the issues.
 */
export function leadFingerprint(input: { lead: Lead; hubs: readonly Hub[]; context: string }): string {
  const hubs = [...input.hubs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return createHash("sha256").update(canonicalJson([input.lead, hubs, input.context])).digest("base64url");
}

/** JSON with object keys sorted: a record read by a listing and by a single read hash alike. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const key = (leadId: string) => `lead-fingerprint:${leadId}`;

/** The fingerprint as of the lead's last successful reconcile, or null. */
export async function loadLeadFingerprint(store: Pick<LeadStore, "getState">, leadId: string): Promise<string | null> {
  const saved = await store.getState(key(leadId));
  return typeof saved === "string" ? saved : null;
}

export async function saveLeadFingerprint(store: Pick<LeadStore, "setState">, leadId: string, fingerprint: string): Promise<void> {
  await store.setState(key(leadId), fingerprint);
}
