import { describe, expect, it } from "vitest";
import { LeadWorkQueue } from "../../src/controller/lead-work-queue.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

describe("lease takeovers", () => {
  it("are told once for work whose holder's lease expired, and not for free work", async () => {
    const store = SqliteLeadStore.open(":memory:");
    const t0 = new Date("2030-05-01T12:00:00Z");
    await store.enqueueWork("lead:held-by-dead", "test");
    await store.enqueueWork("lead:free", "test");
    // A worker claims one item and dies holding it.
    const [dead] = await store.claimWork({ owner: "dead-worker", now: t0, leaseMs: 1_000, limit: 1, prefix: "lead:held-by-dead" });
    expect(dead?.item.key).toBe("lead:held-by-dead");
    expect(dead?.takenOverFrom).toBeUndefined();

    const takeovers: string[] = [];
    const ran: string[] = [];
    const queue = new LeadWorkQueue({
      store,
      log: quiet,
      now: () => new Date(t0.getTime() + 5_000),
      workerId: "live-worker",
      run: async (leadId) => void ran.push(leadId),
      onLeaseTakeover: (work) => takeovers.push(`${work.item.key} from ${work.takenOverFrom}`),
    });
    await queue.drain();
    expect(ran.sort()).toEqual(["free", "held-by-dead"]);
    expect(takeovers).toEqual(["lead:held-by-dead from dead-worker"]);
    expect(await store.listWork()).toEqual([]);
    await store.close();
  });
});
