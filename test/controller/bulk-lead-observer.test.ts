import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BulkLeadObserver, type BulkDecision } from "../../src/controller/bulk-lead-observer.js";
import { silentLogger } from "../../src/controller/reconcile-deps.js";
import { newLeadFields } from "../../src/domain/records.js";
import type { LeadStore, ListLeadsOptions, WorkItem } from "../../src/store/lead-store.js";
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

describe("BulkLeadObserver: a pass streams its listing", () => {
  /** The SQLite store, listing its leads two to a page and holding the second page until `release`. */
  function pagedStore(): { store: LeadStore; listings: () => number; release: () => void } {
    let listings = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const paged = Object.create(store) as LeadStore;
    paged.listLeads = async (options?: ListLeadsOptions) => {
      listings += 1;
      const leads = (await store.listLeads({ statuses: options?.statuses })).sort((a, b) => a.name.localeCompare(b.name));
      for (let i = 0; i < leads.length; i += 2) {
        if (i > 0) await gate;
        await options?.onPage?.(leads.slice(i, i + 2));
      }
      return leads;
    };
    return { store: paged, listings: () => listings, release };
  }

  it("queues the first page's leads before the listing ends, and serves a key an import queued once its page arrives", async () => {
    const a = await store.createLead(newLeadFields("A lab", "Active Lead"));
    const b = await store.createLead(newLeadFields("B lab", "Needs Admin"));
    const c = await store.createLead(newLeadFields("C lab", "Inactive Lead"));
    const d = await store.createLead(newLeadFields("D lab", "Active Lead"));
    // An import queued C (it needs nothing) before the pass began.
    await store.enqueueWork(`lead:${c.id}`, "import");
    const paged = pagedStore();
    const observer = new BulkLeadObserver({ store: paged.store, log: silentLogger, gatherMs: 0 });
    let kicks = 0;
    const pass = observer.queuePass({ reason: "daily reconcile", choose: (l) => l.status !== "Inactive Lead", onQueued: () => (kicks += 1) });

    // The first page is queued and kicked while the second is still to come.
    await vi.waitFor(() => expect(kicks).toBe(1));
    const queued = new Map((await store.listWork()).map((w) => [w.key, w]));
    expect([...queued.keys()].sort()).toEqual([`lead:${a.id}`, `lead:${b.id}`, `lead:${c.id}`].sort());
    const first = await observer.decide(queued.get(`lead:${a.id}`)!, "context");
    expect(first).toMatchObject({ kind: "reconcile", prefetched: { lead: { id: a.id } } });

    // C is claimed before its page arrives: its decision waits for the listing, not for a listing of its own.
    const forC = observer.decide(queued.get(`lead:${c.id}`)!, "context");
    paged.release();
    expect(await forC).toEqual({ kind: "skip", why: "inactive and never had an issue" });
    expect(await pass).toBe(3);
    expect(kicks).toBe(2);
    const forD = await observer.decide((await store.listWork()).find((w) => w.key === `lead:${d.id}`)!, "context");
    expect(forD).toMatchObject({ kind: "reconcile", prefetched: { lead: { id: d.id } } });
    expect(paged.listings()).toBe(1);
  });

  it("leaves a key queued again by someone else during the listing to a fresh read", async () => {
    const a = await store.createLead(newLeadFields("A lab", "Active Lead"));
    await store.createLead(newLeadFields("B lab", "Active Lead"));
    const paged = pagedStore();
    const observer = new BulkLeadObserver({ store: paged.store, log: silentLogger, gatherMs: 0 });
    // Another process queues A after the pass's snapshot of the queue but before the pass queues it.
    const realList = paged.store.listLeads.bind(paged.store);
    paged.store.listLeads = async (options) => {
      await store.enqueueWork(`lead:${a.id}`, "table change elsewhere");
      return realList(options);
    };
    const pass = observer.queuePass({ reason: "daily reconcile", choose: () => true });
    paged.release();
    await pass;
    const itemA = (await store.listWork()).find((w) => w.key === `lead:${a.id}`)!;
    expect(itemA.generation).toBe(2);
    expect(await observer.decide(itemA, "context")).toEqual({ kind: "reconcile", prefetched: null });
  });
});
