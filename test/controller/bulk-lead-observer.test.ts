import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BulkLeadObserver, type BulkDecision } from "../../src/controller/bulk-lead-observer.js";
import { silentLogger } from "../../src/controller/reconcile-deps.js";
import type { WorkItem } from "../../src/store/lead-store.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";

let store: SqliteLeadStore;
beforeEach(() => {
  store = SqliteLeadStore.open(":memory:");
});
afterEach(async () => {
  await store.close();
});

const item = (leadId: string, generation: number): WorkItem => ({
  key: `lead:${leadId}`,
  reason: "webhook",
  attempts: 0,
  generation,
  notBefore: new Date(0).toISOString(),
  lastError: null,
  leaseOwner: null,
  leaseExpiresAt: null,
});

/** The run's answer to `readDone`; fails the test when the run was not told to read afresh. */
function freshTrigger(decision: BulkDecision): number {
  if (decision.kind !== "reconcile" || decision.freshTrigger === undefined) throw new Error(`not a fresh read: ${JSON.stringify(decision)}`);
  return decision.freshTrigger;
}

describe("BulkLeadObserver: triggers about one lead", () => {
  it("answers a webhook's trigger only by a run of the generation it queued or a later one", async () => {
    const observer = new BulkLeadObserver({ store, log: silentLogger });
    observer.readAfresh("lead-1", 1);
    // The run of generation 1 has been claimed; before it decides, a second webhook queues generation 2.
    observer.readAfresh("lead-1", 2);
    const first = await observer.decide(item("lead-1", 1), "context");
    observer.readDone("lead-1", freshTrigger(first), 1);
    const second = await observer.decide(item("lead-1", 2), "context");
    observer.readDone("lead-1", freshTrigger(second), 2);
    // Answered: a later run without a trigger of its own is the observer's to decide.
    const third = await observer.decide(item("lead-1", 3), "context");
    expect(third).toEqual({ kind: "reconcile", prefetched: null });
  });

  it("answers a trigger of unknown generation by a run that began after it", async () => {
    const observer = new BulkLeadObserver({ store, log: silentLogger });
    observer.readAfresh("lead-3");
    const first = await observer.decide(item("lead-3", 4), "context");
    observer.readAfresh("lead-3"); // a command while that run goes on
    observer.readDone("lead-3", freshTrigger(first), 4);
    const second = await observer.decide(item("lead-3", 5), "context");
    observer.readDone("lead-3", freshTrigger(second), 5);
    expect(await observer.decide(item("lead-3", 6), "context")).toEqual({ kind: "reconcile", prefetched: null });
  });

  it("keeps the trigger when the run fails, so the retry reads afresh too", async () => {
    const observer = new BulkLeadObserver({ store, log: silentLogger });
    observer.readAfresh("lead-2", 1);
    freshTrigger(await observer.decide(item("lead-2", 1), "context"));
    freshTrigger(await observer.decide(item("lead-2", 1), "context"));
  });
});
