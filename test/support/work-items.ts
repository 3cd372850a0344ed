import type { LeadStore } from "../../src/store/lead-store.js";

/** Claims a queued key as a test worker (leases are fenced: only a holder may fail or complete). */
async function claim(store: LeadStore, key: string, now: Date) {
  const claimed = await store.claimWork({ owner: "test-worker", now, leaseMs: 1_000, limit: 1, prefix: key });
  const found = claimed.find((c) => c.item.key === key);
  if (!found) throw new Error(`test: ${key} is not queued, or not due at ${now.toISOString()}`);
  return found;
}

/** Records a failed attempt on a queued key, as a worker would. */
export async function failQueuedWork(store: LeadStore, key: string, error: string, notBefore: Date, now = new Date()): Promise<void> {
  const { lease } = await claim(store, key, now);
  await store.failWork(lease, error, notBefore, now);
}

/** Completes a queued key, as a worker would after a successful run. */
export async function completeQueuedWork(store: LeadStore, key: string, now = new Date()): Promise<void> {
  const { item, lease } = await claim(store, key, now);
  await store.completeWork(lease, item.generation, now);
}
