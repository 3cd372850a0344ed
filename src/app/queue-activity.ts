import type { WorkItem } from "../store/lead-store.js";

/** What the health check and the metrics read about the work queue at one moment. */
export interface QueueSnapshot {
  /** Items recorded, due or backing off. */
  depth: number;
  /** Items whose time has come and that no worker holds a live lease on. */
  due: number;
  /** Seconds since the oldest due item became due; null when nothing is due. */
  oldestDueSeconds: number | null;
  /** Items whose last attempt failed (retrying with backoff). */
  failing: number;
}

export function snapshotQueue(items: readonly WorkItem[], now: Date): QueueSnapshot {
  const at = now.toISOString();
  const waiting = items.filter((i) => !(i.leaseOwner !== null && i.leaseExpiresAt !== null && i.leaseExpiresAt > at));
  const dueTimes = waiting.map((i) => Date.parse(i.notBefore)).filter((t) => t <= now.getTime());
  const oldest = dueTimes.length === 0 ? null : Math.min(...dueTimes);
  return {
    depth: items.length,
    due: dueTimes.length,
    oldestDueSeconds: oldest === null ? null : Math.max(0, (now.getTime() - oldest) / 1000),
    failing: items.filter((i) => i.lastError !== null).length,
  };
}

/**
 * Whether this process is working its queue, as seen from outside the queue: runs started
 * and finished, and whether the queue was started and not stopped. A run that finishes,
 * well or badly, is progress; a queue with due work and no progress for `stallMs` is stuck.
 */
export class QueueActivity {
  #running = false;
  #inFlight = 0;
  #lastProgressAt: number;

  constructor(
    private readonly now: () => Date,
    /** Due work waiting this long with no run finishing counts as a stalled queue. */
    readonly stallMs: number = 15 * 60_000,
  ) {
    this.#lastProgressAt = now().getTime();
  }

  started(): void {
    this.#running = true;
    this.#lastProgressAt = this.now().getTime();
  }

  stopped(): void {
    this.#running = false;
  }

  /** Wraps one run of queued work. */
  async track<T>(run: () => Promise<T>): Promise<T> {
    this.#inFlight += 1;
    try {
      return await run();
    } finally {
      this.#inFlight -= 1;
      this.#lastProgressAt = this.now().getTime();
    }
  }

  /** `ok` is false when the queue is not running, or due work has waited `stallMs` with no run finishing. */
  assess(snapshot: QueueSnapshot): { ok: boolean; running: boolean; inFlight: number; lastProgressAt: string; problem: string | null } {
    const now = this.now().getTime();
    const sinceProgress = now - this.#lastProgressAt;
    const waitingMs = (snapshot.oldestDueSeconds ?? 0) * 1000;
    const stalled = snapshot.due > 0 && waitingMs >= this.stallMs && sinceProgress >= this.stallMs;
    const problem = !this.#running
      ? "the work queue is not running"
      : stalled
        ? `due work has waited ${Math.round(waitingMs / 1000)} s and no run finished for ${Math.round(sinceProgress / 1000)} s`
        : null;
    return {
      ok: problem === null,
      running: this.#running,
      inFlight: this.#inFlight,
      lastProgressAt: new Date(this.#lastProgressAt).toISOString(),
      problem,
    };
  }
}
