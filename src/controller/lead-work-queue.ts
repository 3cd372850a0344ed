import type { LeadStore, WorkItem } from "../store/lead-store.js";
import { KeyedMutex } from "./keyed-mutex.js";
import type { Logger } from "./reconcile-deps.js";

export interface LeadWorkQueueOptions {
  store: LeadStore;
  /** The work itself: reconcile one lead. Throws to ask for a retry. */
  run: (leadId: string, reason: string) => Promise<void>;
  log: Logger;
  /** Leads reconciled at the same time (GitHub's secondary limits favour few). */
  concurrency?: number;
  /** Attempts after which a failure is reported as persistent (it is still retried, slowly). */
  alertAfterAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  pollIntervalMs?: number;
  now?: () => Date;
  /** Told once when a lead's work keeps failing, so it is shown, not only logged. */
  onPersistentFailure?: (item: WorkItem, error: unknown) => Promise<void> | void;
}

const KEY_PREFIX = "lead:";

/**
 * The durable queue between triggers and reconcile (SPEC §4.8): a trigger records the
 * lead's key in the store before anything is done, so a crash, a restart or a failed API
 * call delays the work but never loses it. Keys in flight collapse: a lead enqueued again
 * while it runs is run once more afterwards, never twice at once.
 */
export class LeadWorkQueue {
  readonly #options: Required<Omit<LeadWorkQueueOptions, "onPersistentFailure">> &
    Pick<LeadWorkQueueOptions, "onPersistentFailure">;
  readonly #mutex = new KeyedMutex();
  readonly #inFlight = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #draining: Promise<void> | null = null;
  #kickAgain = false;
  /** Wakes a running drain so new work fills free slots without waiting for the runs in flight. */
  #wake: (() => void) | null = null;

  constructor(options: LeadWorkQueueOptions) {
    this.#options = {
      concurrency: 4,
      alertAfterAttempts: 5,
      baseDelayMs: 2_000,
      maxDelayMs: 15 * 60_000,
      pollIntervalMs: 1_000,
      now: () => new Date(),
      ...options,
    };
  }

  /** Records the work, then starts it soon. Resolves once it is recorded, not once it is done. */
  async enqueue(leadId: string, reason: string): Promise<void> {
    await this.#options.store.enqueueWork(`${KEY_PREFIX}${leadId}`, reason);
    this.kick();
  }

  /** Runs a task for a lead under the same per-lead lock as queued work (commands use this). */
  runExclusive<T>(leadId: string, task: () => Promise<T>): Promise<T> {
    return this.#mutex.run(leadId, task);
  }

  kick(): void {
    if (this.#draining) {
      this.#kickAgain = true;
      this.#wake?.();
      return;
    }
    this.#draining = this.#drainOnce()
      // A broken store must not become an unhandled rejection; the items stay recorded for the next kick.
      .catch((error: unknown) => this.#options.log.error(`work queue: drain failed: ${String(error)}`))
      .finally(() => {
        this.#draining = null;
        if (this.#kickAgain) {
          this.#kickAgain = false;
          this.kick();
        }
      });
  }

  /** Works until nothing is due (items backing off later are left). For the CLI and tests. */
  async drain(): Promise<void> {
    for (;;) {
      this.kick();
      while (this.#draining) await this.#draining;
      const due = await this.#options.store.listDueWork(this.#options.now(), 1);
      if (due.filter((i) => i.key.startsWith(KEY_PREFIX)).length === 0) return;
    }
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.kick(), this.#options.pollIntervalMs);
    this.#timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    while (this.#draining) await this.#draining;
  }

  /**
   * Keeps up to `concurrency` runs going, refilling a slot as soon as one frees or new work
   * is kicked in: one slow lead (waiting out a rate limit) must not hold up the others.
   */
  async #drainOnce(): Promise<void> {
    const { store, concurrency, now } = this.#options;
    const running = new Set<Promise<void>>();
    for (;;) {
      const woken = new Promise<void>((resolve) => (this.#wake = resolve));
      const free = concurrency - running.size;
      if (free > 0) {
        const due = (await store.listDueWork(now(), 200)).filter(
          (item) => item.key.startsWith(KEY_PREFIX) && !this.#inFlight.has(item.key),
        );
        for (const item of due.slice(0, free)) {
          const task: Promise<void> = this.#runItem(item)
            // Only the store failing while recording the outcome gets here; the item stays queued.
            .catch((error: unknown) => this.#options.log.error(`lead work ${item.key}: ${String(error)}`))
            .finally(() => running.delete(task));
          running.add(task);
        }
      }
      if (running.size === 0) {
        this.#wake = null;
        return;
      }
      await Promise.race([woken, ...running]);
    }
  }

  async #runItem(item: WorkItem): Promise<void> {
    const { store, run, log, now } = this.#options;
    const leadId = item.key.slice(KEY_PREFIX.length);
    this.#inFlight.add(item.key);
    try {
      await this.#mutex.run(leadId, () => run(leadId, item.reason));
      await store.completeWork(item.key, item.generation);
    } catch (error) {
      const attempts = item.attempts + 1;
      const delay = this.#retryDelay(attempts, error);
      const message = error instanceof Error ? error.message : String(error);
      await store.failWork(item.key, message, new Date(now().getTime() + delay));
      if (attempts === this.#options.alertAfterAttempts) {
        log.error(`lead ${leadId}: reconcile keeps failing (${attempts} attempts): ${message}`);
        // `then` so a callback that throws synchronously is caught too.
        await Promise.resolve()
          .then(() => this.#options.onPersistentFailure?.({ ...item, attempts, lastError: message }, error))
          .catch((e: unknown) => log.warn(`could not report the failure of lead ${leadId}: ${String(e)}`));
      } else {
        log.warn(`lead ${leadId}: reconcile failed (attempt ${attempts}), retrying in ${Math.round(delay / 1000)} s: ${message}`);
      }
    } finally {
      this.#inFlight.delete(item.key);
    }
  }

  /** Exponential backoff with jitter; honours the `retry-after` a rate-limited GitHub error carries. */
  #retryDelay(attempts: number, error: unknown): number {
    const { baseDelayMs, maxDelayMs } = this.#options;
    const hinted = (error as { retryAfterSeconds?: unknown } | null)?.retryAfterSeconds;
    if (typeof hinted === "number" && hinted > 0) return Math.min(hinted * 1000, maxDelayMs);
    const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempts - 1));
    return Math.round(exponential * (0.8 + Math.random() * 0.4));
  }
}
