import type { LeadStore } from "../store/lead-store.js";
import { withTimeout } from "../support/with-timeout.js";
import { snapshotQueue, type QueueActivity, type QueueSnapshot } from "./queue-activity.js";

export interface HealthReport {
  /** 200 when the store answers and the queue is being worked, else 503 (probes read the status). */
  status: 200 | 503;
  body: {
    ok: boolean;
    /** Where the records live. */
    store: LeadStore["kind"];
    /** Where the app's state (the queue this checks) lives. */
    state: LeadStore["stateKind"];
    queued: number | null;
    checks: {
      store: { ok: boolean; error: string | null };
      queue: { ok: boolean; running: boolean; inFlight: number; lastProgressAt: string; problem: string | null } & Partial<QueueSnapshot>;
    };
  };
}

/** A store that does not answer in this time counts as unreachable. */
const STORE_TIMEOUT_MS = 3_000;

/**
 * `/hub-sales/health` (readiness and liveness): whether the store is reachable (the queue's
 * own read, under a timeout) and whether this process is working its queue.
 */
export async function checkHealth(input: { store: LeadStore; activity: QueueActivity; now: () => Date }): Promise<HealthReport> {
  const { store, activity, now } = input;
  let snapshot: QueueSnapshot | null = null;
  let storeError: string | null = null;
  try {
    snapshot = snapshotQueue(await withTimeout(store.listWork(), STORE_TIMEOUT_MS, `the ${store.stateKind} state store`), now());
  } catch (error) {
    storeError = error instanceof Error ? error.message : String(error);
  }
  const queue = activity.assess(snapshot ?? { depth: 0, due: 0, oldestDueSeconds: null, failing: 0 });
  const ok = storeError === null && queue.ok;
  return {
    status: ok ? 200 : 503,
    body: {
      ok,
      store: store.kind,
      state: store.stateKind,
      queued: snapshot?.depth ?? null,
      checks: {
        store: { ok: storeError === null, error: storeError },
        queue: { ...queue, ...(snapshot ?? {}) },
      },
    },
  };
}
