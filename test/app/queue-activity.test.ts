import { describe, expect, it } from "vitest";
import { QueueActivity, snapshotQueue } from "../../src/app/queue-activity.js";
import type { WorkItem } from "../../src/store/lead-store.js";

const item = (key: string, notBefore: string, lastError: string | null = null): WorkItem => ({
  key,
  reason: "test",
  attempts: lastError ? 1 : 0,
  generation: 1,
  notBefore,
  lastError,
  leaseOwner: null,
  leaseExpiresAt: null,
});

describe("the queue snapshot", () => {
  it("counts depth, due and failing items and ages the oldest due one", () => {
    const now = new Date("2030-05-01T12:00:00Z");
    const snapshot = snapshotQueue(
      [
        item("lead:a", "2030-05-01T11:59:30Z"),
        item("lead:b", "2030-05-01T11:58:00Z", "GitHub answered 502"),
        item("lead:c", "2030-05-01T12:05:00Z", "GitHub answered 502"),
        // Being worked by a process right now: not waiting.
        { ...item("lead:d", "2030-05-01T11:00:00Z"), leaseOwner: "other", leaseExpiresAt: "2030-05-01T12:00:30Z" },
      ],
      now,
    );
    expect(snapshot).toEqual({ depth: 4, due: 2, oldestDueSeconds: 120, failing: 2 });
    expect(snapshotQueue([], now)).toEqual({ depth: 0, due: 0, oldestDueSeconds: null, failing: 0 });
  });
});

describe("whether the queue is being worked", () => {
  it("is stalled only when due work has waited and no run finished for the stall time", async () => {
    let clock = Date.parse("2030-05-01T12:00:00Z");
    const activity = new QueueActivity(() => new Date(clock), 60_000);
    const due = (seconds: number) => ({ depth: 1, due: 1, oldestDueSeconds: seconds, failing: 0 });
    expect(activity.assess(due(0))).toMatchObject({ ok: false, running: false, problem: "the work queue is not running" });

    activity.started();
    expect(activity.assess(due(0)).ok).toBe(true);
    clock += 61_000;
    // Old work but no run since start: stuck.
    expect(activity.assess(due(61))).toMatchObject({ ok: false, problem: "due work has waited 61 s and no run finished for 61 s" });
    // Nothing due: idle, not stuck.
    expect(activity.assess({ depth: 0, due: 0, oldestDueSeconds: null, failing: 0 }).ok).toBe(true);

    await activity.track(async () => undefined);
    // A run just finished: a long backlog being worked is not a stall.
    expect(activity.assess(due(300))).toMatchObject({ ok: true, inFlight: 0 });
    clock += 60_000;
    expect(activity.assess(due(360)).ok).toBe(false);

    activity.stopped();
    expect(activity.assess(due(0)).running).toBe(false);
  });
});
