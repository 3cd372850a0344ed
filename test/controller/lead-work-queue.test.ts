import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LeadWorkQueue, type LeadWorkQueueOptions } from "../../src/controller/lead-work-queue.js";
import { silentLogger } from "../../src/controller/reconcile-deps.js";
import { GitHubApiError } from "../../src/github/github-api-error.js";
import type { WorkItem } from "../../src/store/lead-store.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";
import { failQueuedWork } from "../support/work-items.js";

let store: SqliteLeadStore;
/** The queue's clock. Starts ahead of the wall clock: the store stamps new work with real time. */
let clock: number;
const now = () => new Date(clock);

beforeEach(() => {
  store = SqliteLeadStore.open(":memory:");
  clock = Date.now() + 60_000;
});

afterEach(async () => {
  await store.close();
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function makeQueue(run: LeadWorkQueueOptions["run"], extra: Partial<LeadWorkQueueOptions> = {}): LeadWorkQueue {
  return new LeadWorkQueue({ store, run, log: silentLogger, now, baseDelayMs: 1_000, maxDelayMs: 10 * 60_000, ...extra });
}

describe("LeadWorkQueue", () => {
  it("records the work in the store before running it, and removes it once done", async () => {
    const gate = deferred();
    const started: string[] = [];
    const queue = makeQueue(async (leadId, reason) => {
      started.push(`${leadId}:${reason}`);
      await gate.promise;
    });
    await queue.enqueue("lead-1", "webhook issues.closed");
    // enqueue resolved: the item is durable whether or not the run has begun.
    expect((await store.listWork()).map((w) => [w.key, w.reason])).toEqual([["lead:lead-1", "webhook issues.closed"]]);
    await until(() => started.length === 1, "the run to start");
    expect(await store.listWork()).toHaveLength(1);
    gate.resolve();
    await queue.drain();
    expect(started).toEqual(["lead-1:webhook issues.closed"]);
    expect(await store.listWork()).toEqual([]);
  });

  it("records a webhook's delivery with its work; a burst of deliveries makes one claim, a redelivery none", async () => {
    const claims: number[] = [];
    const claimWork = store.claimWork.bind(store);
    store.claimWork = async (input) => {
      const claimed = await claimWork(input);
      claims.push(claimed.length);
      return claimed;
    };
    const runs: string[] = [];
    const queue = makeQueue(async (leadId, reason) => void runs.push(`${leadId}: ${reason}`));
    const fresh = await Promise.all([
      queue.enqueueDelivered({ id: "d-1", event: "issues.closed" }, "lead-1", "closed"),
      queue.enqueueDelivered({ id: "d-2", event: "issues.closed" }, "lead-2", "closed"),
      queue.enqueueDelivered({ id: "d-3", event: "issues.edited" }, "lead-3", "edited"),
    ]);
    expect(fresh).toEqual([1, 1, 1]);
    // Resolved: delivery and work are stored, whether or not a run has begun.
    expect((await store.listWork()).map((w) => w.key).sort()).toEqual(["lead:lead-1", "lead:lead-2", "lead:lead-3"]);
    await until(() => runs.length === 3, "the runs");
    expect(claims[0]).toBe(3);
    expect(await queue.enqueueDelivered({ id: "d-2", event: "issues.closed" }, "lead-2", "redelivered")).toBeNull();
    await queue.drain();
    expect(runs.sort()).toEqual(["lead-1: closed", "lead-2: closed", "lead-3: edited"]);
  });

  it("while webhooks keep arriving, spaces its claims, and a lead's triggers meanwhile merge into one run", async () => {
    const claimedAt: number[] = [];
    const claimWork = store.claimWork.bind(store);
    store.claimWork = async (input) => {
      const claimed = await claimWork(input);
      if (claimed.length > 0) claimedAt.push(performance.now());
      return claimed;
    };
    const runs: string[] = [];
    const queue = makeQueue(async (leadId) => void runs.push(leadId), { busyClaimIntervalMs: 150 });
    // After a quiet spell: claimed at once.
    await queue.enqueueDelivered({ id: "d-0", event: "issues.closed" }, "lead-1", "closed");
    await until(() => runs.length === 1, "the first run");
    // A stream of webhooks on one lead, faster than the interval.
    const streamStarted = performance.now();
    for (let i = 1; i <= 10; i++) {
      await queue.enqueueDelivered({ id: `d-${i}`, event: "issues.edited" }, "lead-1", `edit ${i}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    await queue.drain();
    expect(await store.listWork()).toEqual([]);
    // Ten triggers, and not ten runs: the claims were at least the interval apart.
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThan(6);
    for (let i = 1; i < claimedAt.length; i++) expect(claimedAt[i]! - claimedAt[i - 1]!).toBeGreaterThanOrEqual(145);
    expect(claimedAt.at(-1)! - streamStarted).toBeLessThan(1_000);
  });

  it("starts work enqueued just before stop, and waits for it", async () => {
    const runs: string[] = [];
    const queue = makeQueue(async (leadId) => void runs.push(leadId));
    await queue.enqueue("lead-4", "table change");
    await queue.stop();
    expect(runs).toEqual(["lead-4"]);
    expect(await store.listWork()).toEqual([]);
  });

  it("picks up work recorded before a restart", async () => {
    await store.enqueueWork("lead:lead-7", "table change");
    const runs: string[] = [];
    await makeQueue(async (leadId) => void runs.push(leadId)).drain();
    expect(runs).toEqual(["lead-7"]);
  });

  it("retries a failing run with exponential backoff", async () => {
    let calls = 0;
    const queue = makeQueue(async () => {
      calls += 1;
      if (calls <= 2) throw new Error(`boom ${calls}`);
    });
    await store.enqueueWork("lead:lead-1", "test");
    await queue.drain();
    expect(calls).toBe(1);
    let [item] = await store.listWork();
    expect(item).toMatchObject({ attempts: 1, lastError: "boom 1" });
    // 1 s base, ±20 % jitter.
    const wait1 = Date.parse(item!.notBefore) - clock;
    expect(wait1).toBeGreaterThanOrEqual(800);
    expect(wait1).toBeLessThanOrEqual(1_200);

    // Not due yet: drain returns without running it.
    clock += 700;
    await queue.drain();
    expect(calls).toBe(1);

    clock += 600;
    await queue.drain();
    expect(calls).toBe(2);
    [item] = await store.listWork();
    expect(item).toMatchObject({ attempts: 2, lastError: "boom 2" });
    const wait2 = Date.parse(item!.notBefore) - clock;
    expect(wait2).toBeGreaterThanOrEqual(1_600);
    expect(wait2).toBeLessThanOrEqual(2_400);

    clock += 2_500;
    await queue.drain();
    expect(calls).toBe(3);
    expect(await store.listWork()).toEqual([]);
  });

  it("honours the retry-after of a rate-limited GitHub error", async () => {
    let calls = 0;
    const queue = makeQueue(async () => {
      calls += 1;
      if (calls === 1) {
        throw new GitHubApiError({
          message: "GitHub POST /repos/o/r/issues failed with 403: You have exceeded a secondary rate limit",
          status: 403,
          method: "POST",
          url: "/repos/o/r/issues",
          retryable: true,
          retryAfterSeconds: 60,
        });
      }
    });
    await store.enqueueWork("lead:lead-1", "test");
    await queue.drain();
    const [item] = await store.listWork();
    expect(Date.parse(item!.notBefore) - clock).toBe(60_000);
    clock += 59_000;
    await queue.drain();
    expect(calls).toBe(1);
    clock += 1_000;
    await queue.drain();
    expect(calls).toBe(2);
    expect(await store.listWork()).toEqual([]);
  });

  it("caps the backoff at maxDelayMs", async () => {
    const queue = makeQueue(
      async () => {
        throw new Error("down");
      },
      { maxDelayMs: 5_000, alertAfterAttempts: 100 },
    );
    await store.enqueueWork("lead:lead-1", "test");
    for (let i = 0; i < 6; i++) {
      await queue.drain();
      clock += 10_000;
    }
    const [item] = await store.listWork();
    expect(item!.attempts).toBe(6);
    expect(Date.parse(item!.notBefore) - (clock - 10_000)).toBeLessThanOrEqual(5_000 * 1.2);
  });

  it("collapses a key enqueued while it runs: never two runs at once, one more run afterwards", async () => {
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const queue = makeQueue(async () => {
      runs += 1;
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      if (runs === 1) await gate.promise;
      running -= 1;
    });
    await queue.enqueue("lead-1", "first");
    await until(() => runs === 1, "the first run");
    await queue.enqueue("lead-1", "second");
    await queue.enqueue("lead-1", "third");
    await new Promise((r) => setTimeout(r, 20));
    expect(runs).toBe(1);
    gate.resolve();
    await queue.drain();
    expect(maxRunning).toBe(1);
    // The three triggers became two runs: the one in flight and one for what came in meanwhile.
    expect(runs).toBe(2);
    expect(await store.listWork()).toEqual([]);
  });

  it("runs different leads in parallel, up to the concurrency", async () => {
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    const started: string[] = [];
    const queue = makeQueue(
      async (leadId) => {
        started.push(leadId);
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await gate.promise;
        running -= 1;
      },
      { concurrency: 3 },
    );
    for (const id of ["lead-1", "lead-2", "lead-3", "lead-4", "lead-5"]) await store.enqueueWork(`lead:${id}`, "test");
    const drained = queue.drain();
    await until(() => started.length === 3, "three runs to start");
    await new Promise((r) => setTimeout(r, 20));
    expect(running).toBe(3);
    gate.resolve();
    await drained;
    expect(maxRunning).toBe(3);
    expect(started.sort()).toEqual(["lead-1", "lead-2", "lead-3", "lead-4", "lead-5"]);
  });

  it("starts a newly enqueued lead while another lead's run is still going", async () => {
    const slow = deferred();
    const started: string[] = [];
    const queue = makeQueue(
      async (leadId) => {
        started.push(leadId);
        if (leadId === "lead-1") await slow.promise;
      },
      { concurrency: 4 },
    );
    await queue.enqueue("lead-1", "slow");
    await until(() => started.length === 1, "lead-1 to start");
    await queue.enqueue("lead-2", "fast");
    // A slow lead (e.g. waiting out a rate limit) must not hold up every other lead.
    await until(() => started.includes("lead-2"), "lead-2 to start while lead-1 runs");
    slow.resolve();
    await queue.drain();
    expect(await store.listWork()).toEqual([]);
  });

  it("tells onPersistentFailure once, when the attempts reach the threshold", async () => {
    const reports: { item: WorkItem; error: unknown }[] = [];
    const queue = makeQueue(
      async () => {
        throw new Error("GitHub is down");
      },
      {
        alertAfterAttempts: 3,
        maxDelayMs: 1_000,
        onPersistentFailure: (item, error) => void reports.push({ item, error }),
      },
    );
    await store.enqueueWork("lead:lead-1", "test");
    for (let i = 0; i < 6; i++) {
      await queue.drain();
      clock += 2_000;
    }
    expect((await store.listWork())[0]!.attempts).toBe(6);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.item).toMatchObject({ key: "lead:lead-1", attempts: 3, lastError: "GitHub is down" });
    expect((reports[0]!.error as Error).message).toBe("GitHub is down");
  });

  it("survives an onPersistentFailure that throws", async () => {
    const log = { ...silentLogger, warn: vi.fn() };
    const queue = makeQueue(
      async () => {
        throw new Error("down");
      },
      {
        log,
        alertAfterAttempts: 1,
        onPersistentFailure: () => {
          throw new Error("cannot comment either");
        },
      },
    );
    await store.enqueueWork("lead:lead-1", "test");
    await queue.drain();
    expect((await store.listWork())[0]!.attempts).toBe(1);
    expect(log.warn).toHaveBeenCalledWith(expect.stringContaining("cannot comment either"));
  });

  it("drain() returns at once when nothing is due, and leaves other kinds of work alone", async () => {
    const runs: string[] = [];
    const queue = makeQueue(async (leadId) => void runs.push(leadId));
    await queue.drain();
    await store.enqueueWork("invoice:2026-03", "monthly");
    await store.enqueueWork("lead:lead-1", "test");
    await failQueuedWork(store, "lead:lead-1", "earlier failure", new Date(clock + 60_000), now());
    await queue.drain();
    expect(runs).toEqual([]);
    expect((await store.listWork()).map((w) => w.key).sort()).toEqual(["invoice:2026-03", "lead:lead-1"]);
  });

  it("frees a run's slot while its writes land, completes the item once they have, and asks for held writes when no run is left", async () => {
    const landings = new Map<string, ReturnType<typeof deferred>>();
    const started: string[] = [];
    const sendHeld = vi.fn();
    const queue = makeQueue(
      async (leadId) => {
        started.push(leadId);
        const landing = deferred();
        landings.set(leadId, landing);
        return { landed: landing.promise };
      },
      { concurrency: 1, sendHeldWrites: sendHeld },
    );
    for (const id of ["lead-1", "lead-2", "lead-3"]) await store.enqueueWork(`lead:${id}`, "pass");
    const drained = queue.drain();
    // One slot, yet every run starts: none waits for the one before it to land.
    await until(() => started.length === 3, "all three runs");
    await until(() => sendHeld.mock.calls.length > 0, "the queue to ask for held writes");
    // Nothing is complete until it has landed, and the leads stay leased.
    const work = await store.listWork();
    expect(work.map((w) => w.key).sort()).toEqual(["lead:lead-1", "lead:lead-2", "lead:lead-3"]);
    expect(work.every((w) => w.leaseOwner !== null)).toBe(true);
    landings.get("lead-2")!.resolve();
    await until(async () => (await store.listWork()).length === 2, "lead-2 to complete");
    landings.get("lead-1")!.resolve();
    landings.get("lead-3")!.resolve();
    await drained;
    expect(await store.listWork()).toEqual([]);
  });

  it("retries an item whose writes failed to land", async () => {
    let runs = 0;
    const queue = makeQueue(async () => {
      runs += 1;
      return { landed: runs === 1 ? Promise.reject(new Error("AirTable refused the link")) : Promise.resolve() };
    });
    await store.enqueueWork("lead:lead-1", "pass");
    await queue.drain();
    expect(await store.listWork()).toEqual([expect.objectContaining({ key: "lead:lead-1", attempts: 1, lastError: "AirTable refused the link" })]);
    clock += 2_000;
    await queue.drain();
    expect(runs).toBe(2);
    expect(await store.listWork()).toEqual([]);
  });

  it("a command on a lead whose writes are still landing asks for them to go, then runs", async () => {
    const landing = deferred();
    const busy = deferred();
    const returned: string[] = [];
    const queue = makeQueue(
      async (leadId) => {
        if (leadId === "lead-2") await busy.promise;
        returned.push(leadId);
        return { landed: leadId === "lead-1" ? landing.promise : Promise.resolve() };
      },
      {
        concurrency: 2,
        // Without the ask, the command would wait out its lease wait and fail.
        exclusiveWaitMs: 300,
        sendHeldWrites: () => landing.resolve(),
      },
    );
    await store.enqueueWork("lead:lead-1", "pass");
    await store.enqueueWork("lead:lead-2", "a run still holding the other slot");
    queue.kick();
    await until(() => returned.includes("lead-1"), "lead-1's run to return");
    const order: string[] = [];
    await queue.runExclusive("lead-1", async () => void order.push("command"));
    expect(order).toEqual(["command"]);
    expect((await store.listWork()).map((w) => w.key)).toEqual(["lead:lead-2"]);
    busy.resolve();
    await queue.drain();
    expect(await store.listWork()).toEqual([]);
  });

  it("runExclusive shares the per-lead lock with queued runs", async () => {
    const gate = deferred();
    const order: string[] = [];
    const queue = makeQueue(async () => {
      order.push("run start");
      await gate.promise;
      order.push("run end");
    });
    await queue.enqueue("lead-1", "test");
    await until(() => order.length === 1, "the run");
    const command = queue.runExclusive("lead-1", async () => void order.push("command"));
    const other = queue.runExclusive("lead-2", async () => void order.push("other lead"));
    await other;
    gate.resolve();
    await command;
    await queue.drain();
    expect(order).toEqual(["run start", "other lead", "run end", "command"]);
  });
});

describe("LeadWorkQueue leases across workers on one store", () => {
  it("lets another worker take over a key whose holder stopped renewing, and fences the late holder out", async () => {
    const stuck = deferred();
    const runs: string[] = [];
    const aLog = { ...silentLogger, warn: vi.fn() };
    // Worker A claims, then its clock jumps past the lease (as if it hung): it renews against the
    // future and fails, so B, on the same clock, sees the lease expired and takes over.
    const a = makeQueue(
      async (leadId) => {
        runs.push(`a:${leadId}`);
        await stuck.promise;
      },
      { workerId: "worker-a", leaseMs: 200, log: aLog },
    );
    const b = makeQueue(async (leadId) => void runs.push(`b:${leadId}`), { workerId: "worker-b", leaseMs: 200 });
    await store.enqueueWork("lead:lead-1", "test");
    a.kick();
    await until(() => runs.length === 1, "worker A to start");
    expect((await store.listWork())[0]!.leaseOwner).toBe("worker-a");
    b.kick();
    await b.stop();
    expect(runs).toEqual(["a:lead-1"]);
    clock += 1_000;
    await b.drain();
    expect(runs).toEqual(["a:lead-1", "b:lead-1"]);
    expect(await store.listWork()).toEqual([]);
    await store.enqueueWork("lead:lead-1", "newer work B must not lose");
    stuck.resolve();
    await until(() => aLog.warn.mock.calls.length > 0, "A to notice");
    // A's completion was fenced (it would have dropped the newer item); the newer work is then
    // claimed afresh and run, by A here, under a lease of its own.
    expect(aLog.warn).toHaveBeenCalledWith(expect.stringContaining("lease lapsed"));
    await a.drain();
    expect(runs).toEqual(["a:lead-1", "b:lead-1", "a:lead-1"]);
    expect(await store.listWork()).toEqual([]);
  });

  it("renews the lease while a run lasts longer than the lease", async () => {
    const gate = deferred();
    // A clock that moves: the lease would expire three times over without renewals.
    const realNow = () => new Date(Date.now() + 60_000);
    const a2 = makeQueue(async () => gate.promise, { workerId: "worker-a", leaseMs: 60, now: realNow });
    const b2 = makeQueue(async () => undefined, { workerId: "worker-b", leaseMs: 60, now: realNow });
    await store.enqueueWork("lead:lead-1", "test");
    a2.kick();
    await until(async () => (await store.listWork())[0]?.leaseOwner === "worker-a", "A's lease");
    await new Promise((r) => setTimeout(r, 200));
    b2.kick();
    await new Promise((r) => setTimeout(r, 20));
    expect((await store.listWork())[0]!.leaseOwner).toBe("worker-a");
    gate.resolve();
    await a2.stop();
    expect(await store.listWork()).toEqual([]);
    await b2.stop();
  });
});
