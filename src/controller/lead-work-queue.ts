import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { ClaimedWork, LeadStore, WorkItem, WorkLease } from "../store/lead-store.js";
import { KeyedMutex } from "./keyed-mutex.js";
import type { Logger } from "./reconcile-deps.js";

/** What a run may leave behind: writes still landing. */
export interface RunLeftBehind {
  /** Resolves once the run's writes have landed; rejects (a retry) when one failed. */
  landed: Promise<void>;
}

export interface LeadWorkQueueOptions {
  store: LeadStore;
  /**
   * The work itself: reconcile one lead. Throws to ask for a retry. `item` as listed when the
   * run began. A run that returns writes still landing frees its slot for the next lead at once;
   * its item completes, or is retried, once they land, and the lead stays leased until then.
   */
  run: (leadId: string, reason: string, item: WorkItem) => Promise<void | RunLeftBehind>;
  /**
   * Asks for the writes that runs left behind and that wait to fill a shared request to go now.
   * Called when nothing else will fill it: no run holds a slot, or a command waits for a lead
   * whose writes are still landing here.
   */
  sendHeldWrites?: () => void;
  log: Logger;
  /** Leads reconciled at the same time (GitHub's secondary limits favour few). */
  concurrency?: number;
  /** Attempts after which a failure is reported as persistent (it is still retried, slowly). */
  alertAfterAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  pollIntervalMs?: number;
  /** How long a claimed key stays this worker's without a renewal (`HUB_SALES_LEASE_SECONDS`). */
  leaseMs?: number;
  /** This worker's name in the store's leases; unique per process by default. */
  workerId?: string;
  /**
   * While webhooks keep arriving, claims are at least this far apart (each takes every free
   * slot): answering them comes first, and the triggers a lead gets meanwhile merge into one
   * run. A webhook after a quiet spell is claimed at once. 0: claim as soon as a slot is free.
   */
  busyClaimIntervalMs?: number;
  /** How long `runExclusive` waits for another worker's lease on the lead before giving up. */
  exclusiveWaitMs?: number;
  now?: () => Date;
  /** Told once when a lead's work keeps failing, so it is shown, not only logged. */
  onPersistentFailure?: (item: WorkItem, error: unknown) => Promise<void> | void;
  /** Told when this worker claims work whose previous holder's lease had expired (the metrics count it). */
  onLeaseTakeover?: (work: ClaimedWork & { takenOverFrom: string }) => void;
}

const KEY_PREFIX = "lead:";
export const DEFAULT_LEASE_MS = 60_000;
export const DEFAULT_BUSY_CLAIM_INTERVAL_MS = 200;

/** The lease on a lead's key could not be had in time: another process is working on the lead. */
export class LeadBusyError extends Error {
  readonly retryable = true;
  constructor(leadId: string, waitedMs: number) {
    super(`lead ${leadId} is being worked on by another process (waited ${Math.round(waitedMs / 1000)} s for its lease); try again shortly`);
    this.name = "LeadBusyError";
  }
}

/**
 * The durable queue between triggers and reconcile (SPEC §4.8): a trigger records the
 * lead's key in the store before anything is done, so a crash, a restart or a failed API
 * call delays the work but never loses it.
 *
 * Several processes (servers, `hub-sales reconcile`) may share one store: each key is
 * leased to one worker at a time, renewed while it runs, and taken over by another worker
 * once it expires (a crashed holder). Completing or failing is fenced by the lease, so a
 * worker that lost its lease cannot drop or back off work someone else now holds.
 */
export class LeadWorkQueue {
  readonly #options: Required<Omit<LeadWorkQueueOptions, "onPersistentFailure" | "onLeaseTakeover" | "sendHeldWrites">> &
    Pick<LeadWorkQueueOptions, "onPersistentFailure" | "onLeaseTakeover" | "sendHeldWrites">;
  /** Orders this process's commands on a lead; the lease orders everyone. */
  readonly #mutex = new KeyedMutex();
  #timer: NodeJS.Timeout | null = null;
  #draining: Promise<void> | null = null;
  #kickAgain = false;
  /** A kick asked for by `kickSoon`, not yet made. */
  #kickSoon: NodeJS.Immediate | null = null;
  /** Set by `shutdown`: nothing more is claimed. */
  #stopping = false;
  /** Leases of the runs in flight, by key, so a shutdown can hand them back. */
  readonly #held = new Map<string, { current(): WorkLease; stop(): Promise<void> }>();
  /** Wakes a running drain so new work fills free slots without waiting for the runs in flight. */
  #wake: (() => void) | null = null;
  /** Leads whose run is over but whose writes are still landing. */
  readonly #landing = new Set<string>();
  /** When (monotonic ms) the last webhook's work was recorded here, and the last claim made. */
  #lastDeliveryAt = Number.NEGATIVE_INFINITY;
  #lastClaimAt = Number.NEGATIVE_INFINITY;

  constructor(options: LeadWorkQueueOptions) {
    this.#options = {
      concurrency: 4,
      alertAfterAttempts: 5,
      baseDelayMs: 2_000,
      maxDelayMs: 15 * 60_000,
      pollIntervalMs: 1_000,
      leaseMs: DEFAULT_LEASE_MS,
      workerId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      exclusiveWaitMs: 8_000,
      busyClaimIntervalMs: DEFAULT_BUSY_CLAIM_INTERVAL_MS,
      now: () => new Date(),
      ...options,
    };
  }

  get workerId(): string {
    return this.#options.workerId;
  }

  /** Records the work, then starts it soon. Resolves once it is recorded, not once it is done. */
  async enqueue(leadId: string, reason: string): Promise<void> {
    await this.#options.store.enqueueWork(`${KEY_PREFIX}${leadId}`, reason);
    this.kickSoon();
  }

  /**
   * A webhook's work: recorded in one write with the delivery id, so a redelivery queues
   * nothing (null). Resolves once both are stored, so the webhook may be answered, with the
   * work item's generation.
   */
  async enqueueDelivered(delivery: { id: string; event: string }, leadId: string, reason: string): Promise<number | null> {
    const generation = await this.#options.store.recordDeliveryWithWork(delivery.id, delivery.event, { key: `${KEY_PREFIX}${leadId}`, reason });
    if (generation !== null) {
      this.#lastDeliveryAt = performance.now();
      this.kickSoon();
    }
    return generation;
  }

  /**
   * Runs a task for a lead while holding the lead's lease (commands use this), so it never
   * interleaves with a reconcile of the same lead in this or any other process.
   */
  runExclusive<T>(leadId: string, task: () => Promise<T>): Promise<T> {
    return this.#mutex.run(leadId, async () => {
      // The lease is held until the last run's writes land: no point in their waiting for company.
      if (this.#landing.has(leadId)) this.#options.sendHeldWrites?.();
      const lease = await this.#waitForLease(`${KEY_PREFIX}${leadId}`, leadId);
      const holder = this.#keepRenewed(lease);
      try {
        return await task();
      } finally {
        await holder.stop();
        await this.#options.store.releaseLease(holder.current()).catch((e: unknown) =>
          this.#options.log.warn(`could not release the lease on lead ${leadId}: ${String(e)}`),
        );
      }
    });
  }

  /**
   * Kicks after the current turn of the event loop: a burst of enqueues (webhooks arriving
   * together) makes one claim, made after their answers are written rather than before.
   */
  kickSoon(): void {
    if (this.#kickSoon || this.#stopping) return;
    this.#kickSoon = setImmediate(() => {
      this.#kickSoon = null;
      this.kick();
    });
  }

  kick(): void {
    if (this.#kickSoon) {
      clearImmediate(this.#kickSoon);
      this.#kickSoon = null;
    }
    if (this.#stopping) return;
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

  /**
   * Works until no lead work is due and none is held by another worker: the CLI's pass does
   * what it can itself and waits for what a server is doing (or takes it over when that
   * server's lease expires). Items backing off until later are left.
   */
  async drain(): Promise<void> {
    const { store, now, pollIntervalMs } = this.#options;
    for (;;) {
      this.kick();
      while (this.#draining) await this.#draining;
      const at = now().toISOString();
      const pending = (await store.listWork()).filter((i) => i.key.startsWith(KEY_PREFIX));
      const held = pending.some((i) => i.leaseExpiresAt !== null && i.leaseExpiresAt > at);
      const due = pending.some((i) => !(i.leaseExpiresAt !== null && i.leaseExpiresAt > at) && i.notBefore <= at);
      if (!held && !due) return;
      if (!due) await sleep(pollIntervalMs);
    }
  }

  start(): void {
    if (this.#timer) return;
    // The poll also takes over work whose holder died: its lease expires and it becomes claimable.
    this.#timer = setInterval(() => this.kick(), this.#options.pollIntervalMs);
    this.#timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    // Work enqueued just before is started now, as `enqueue` would have, and waited for.
    if (this.#kickSoon) this.kick();
    while (this.#draining) await this.#draining;
  }

  /**
   * Graceful shutdown (SIGTERM): claims nothing more, lets the runs in flight finish for up
   * to `graceMs`, then hands back the leases of those still running, so another process
   * takes their work over at once instead of after the lease expires. The caller exits
   * afterwards; a run cut short is safe to repeat (issues are found by marker).
   */
  async shutdown(graceMs: number): Promise<{ finished: boolean; released: string[] }> {
    this.#stopping = true;
    if (this.#kickSoon) clearImmediate(this.#kickSoon);
    this.#kickSoon = null;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    const draining = this.#draining;
    const finished = !draining || (await Promise.race([draining.then(() => true), sleep(graceMs).then(() => false)]));
    const released: string[] = [];
    for (const [key, holder] of this.#held) {
      await holder.stop();
      await this.#options.store
        .releaseLease(holder.current())
        .then(() => released.push(key))
        .catch((e: unknown) => this.#options.log.warn(`could not release the lease on ${key}: ${String(e)}`));
    }
    return { finished, released };
  }

  /**
   * Keeps up to `concurrency` runs going, refilling a slot as soon as one frees or new work
   * is kicked in: one slow lead (waiting out a rate limit) must not hold up the others. A run
   * whose writes are still landing holds no slot; the drain ends once they have landed too.
   */
  async #drainOnce(): Promise<void> {
    const { store, concurrency, now, workerId, leaseMs } = this.#options;
    /** Runs holding a slot, and every item not yet completed or failed (those among them). */
    const running = new Set<Promise<void>>();
    const unfinished = new Set<Promise<void>>();
    for (;;) {
      if (!this.#stopping && running.size < concurrency) {
        const deferMs = this.#claimDeferral();
        if (deferMs > 0) await sleep(deferMs);
      }
      const woken = new Promise<void>((resolve) => (this.#wake = resolve));
      const free = this.#stopping ? 0 : concurrency - running.size;
      if (free > 0) {
        this.#lastClaimAt = performance.now();
        const claimed = await store.claimWork({ owner: workerId, now: now(), leaseMs, limit: free, prefix: KEY_PREFIX });
        for (const work of claimed) {
          if (work.takenOverFrom) {
            this.#options.log.info(`lead work ${work.item.key}: took over from ${work.takenOverFrom}, whose lease had expired`);
            this.#options.onLeaseTakeover?.({ ...work, takenOverFrom: work.takenOverFrom });
          }
          let freeSlot!: () => void;
          const slot: Promise<void> = new Promise<void>((resolve) => (freeSlot = resolve)).finally(() => running.delete(slot));
          running.add(slot);
          const task: Promise<void> = this.#runItem(work, freeSlot)
            // Only the store failing while recording the outcome gets here; the item stays queued.
            .catch((error: unknown) => this.#options.log.error(`lead work ${work.item.key}: ${String(error)}`))
            .finally(() => {
              freeSlot();
              unfinished.delete(task);
            });
          unfinished.add(task);
        }
      }
      if (running.size === 0) {
        if (unfinished.size === 0) {
          this.#wake = null;
          return;
        }
        // Only writes left behind remain: no further run will share their requests.
        this.#options.sendHeldWrites?.();
        await Promise.race([woken, ...unfinished]);
        continue;
      }
      await Promise.race([woken, ...running]);
    }
  }

  /**
   * How long the next claim waits: while webhooks arrive (one recorded since the last claim),
   * until `busyClaimIntervalMs` after the last claim. Elapsed time, not the injected clock.
   */
  #claimDeferral(): number {
    const interval = this.#options.busyClaimIntervalMs;
    if (interval <= 0 || this.#lastDeliveryAt <= this.#lastClaimAt) return 0;
    return Math.max(0, this.#lastClaimAt + interval - performance.now());
  }

  /** Runs one item; `freeSlot` is called once the run itself is over, before its writes land. */
  async #runItem({ item, lease }: ClaimedWork, freeSlot: () => void): Promise<void> {
    const { store, run, log, now } = this.#options;
    const leadId = item.key.slice(KEY_PREFIX.length);
    const holder = this.#keepRenewed(lease);
    this.#held.set(item.key, holder);
    try {
      let failure: { error: unknown } | null = null;
      try {
        const behind = await run(leadId, item.reason, item);
        freeSlot();
        if (behind) {
          this.#landing.add(leadId);
          try {
            await behind.landed;
          } finally {
            this.#landing.delete(leadId);
          }
        }
      } catch (error) {
        failure = { error };
      }
      await holder.stop();
      if (!failure) {
        if (!(await store.completeWork(holder.current(), item.generation, now()))) this.#lostLease(leadId);
        return;
      }
      const attempts = item.attempts + 1;
      const delay = this.#retryDelay(attempts, failure.error);
      const message = failure.error instanceof Error ? failure.error.message : String(failure.error);
      if (!(await store.failWork(holder.current(), message, new Date(now().getTime() + delay), now()))) {
        this.#lostLease(leadId);
        return;
      }
      if (attempts === this.#options.alertAfterAttempts) {
        log.error(`lead ${leadId}: reconcile keeps failing (${attempts} attempts): ${message}`);
        const error = failure.error;
        // `then` so a callback that throws synchronously is caught too.
        await Promise.resolve()
          .then(() => this.#options.onPersistentFailure?.({ ...item, attempts, lastError: message }, error))
          .catch((e: unknown) => log.warn(`could not report the failure of lead ${leadId}: ${String(e)}`));
      } else {
        log.warn(`lead ${leadId}: reconcile failed (attempt ${attempts}), retrying in ${Math.round(delay / 1000)} s: ${message}`);
      }
    } finally {
      this.#held.delete(item.key);
      await holder.stop();
    }
  }

  #lostLease(leadId: string): void {
    this.#options.log.warn(`lead ${leadId}: this worker's lease lapsed before the run ended; the worker holding it now decides`);
  }

  async #waitForLease(key: string, leadId: string): Promise<WorkLease> {
    const { store, now, workerId, leaseMs, exclusiveWaitMs } = this.#options;
    const started = performance.now();
    for (let delay = 25; ; delay = Math.min(delay * 2, 500)) {
      const lease = await store.acquireLease({ key, owner: workerId, now: now(), leaseMs });
      if (lease) return lease;
      // Elapsed time (monotonic), not a date: the injected clock may be pinned.
      const waited = performance.now() - started;
      if (waited >= exclusiveWaitMs) throw new LeadBusyError(leadId, waited);
      await sleep(delay);
    }
  }

  /** Renews the lease at a third of its length while work runs; `stop` waits for a renewal in flight. */
  #keepRenewed(lease: WorkLease): { current(): WorkLease; stop(): Promise<void> } {
    const { store, now, leaseMs, log } = this.#options;
    let current = lease;
    let renewing: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      renewing = renewing.then(async () => {
        const next = await store.renewLease(current, now(), leaseMs).catch((e: unknown) => {
          log.warn(`could not renew the lease on ${current.key}: ${String(e)}`);
          return current;
        });
        if (next) current = next;
        else clearInterval(timer);
      });
    }, Math.max(10, Math.floor(leaseMs / 3)));
    timer.unref();
    return {
      current: () => current,
      stop: async () => {
        clearInterval(timer);
        await renewing;
      },
    };
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
