import Bottleneck from "bottleneck";

/**
 * What the `airtable` SDK leaves to its caller (SPEC §9): a per-base rate limit shared by
 * every caller in the process, the 30 s wait after a 429 with a bounded number of tries,
 * and backoff for 5xx and network errors.
 */

export interface AirtableRequestPolicy {
  /** Per base; AirTable's limit is 5. */
  requestsPerSecond: number;
  /** How long to wait after a 429; AirTable asks for 30 s. */
  rateLimitWaitMs: number;
  /** 429s tolerated for one request before giving up. */
  maxRateLimitRetries: number;
  /** 5xx / network failures tolerated for one request before giving up. */
  maxServerErrorRetries: number;
  /** First backoff after a 5xx or network error; doubles each time. */
  backoffBaseMs: number;
}

export const DEFAULT_REQUEST_POLICY: AirtableRequestPolicy = {
  requestsPerSecond: 5,
  rateLimitWaitMs: 30_000,
  maxRateLimitRetries: 3,
  maxServerErrorRetries: 5,
  backoffBaseMs: 500,
};

/** AirTable answered with an error that retrying will not fix (4xx other than 429). */
export class AirtableApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = "AirtableApiError";
  }
}

/** AirTable kept answering 429 after the allowed waits. */
export class AirtableRateLimitError extends Error {
  constructor(label: string, attempts: number, waitMs: number) {
    super(
      `AirTable rate limit: ${label} was refused with 429 ${attempts} times (waiting ${Math.round(waitMs / 1000)} s after each); ` +
        "another client may be using the same base, try again later",
    );
    this.name = "AirtableRateLimitError";
  }
}

/** AirTable (or the network to it) kept failing after the allowed retries. */
export class AirtableUnavailableError extends Error {
  constructor(label: string, attempts: number, last: string) {
    super(`AirTable unavailable: ${label} failed ${attempts} times; last error: ${last}`);
    this.name = "AirtableUnavailableError";
  }
}

/**
 * The limiter every AirTable request of a base goes through. Implementations: in-process
 * (one process alone), shared through the embedded store's file (processes on one machine,
 * `SharedRequestWindow`), or another shared backend (e.g. Redis) behind the same interface.
 */
export type RequestLimiter = BaseLimiter;

/**
 * Rate-window state shared between processes: a request holds a slot from being sent until
 * `windowMs` after its answer, and a 429 pauses the base for everyone.
 */
export interface SharedRequestWindow {
  /** Epoch milliseconds, the same in every process sharing the window. */
  nowMs(): number;
  // Synchronous in the SQLite file, a round trip to PostgreSQL: callers await either.
  tryAcquire(bucket: string, limit: number, windowMs: number): MaybePromise<{ slot: number } | { waitMs: number }>;
  release(slot: number): MaybePromise<void>;
  pauseUntil(bucket: string, untilMs: number): MaybePromise<void>;
  pausedUntil(bucket: string): MaybePromise<number>;
}

type MaybePromise<T> = T | Promise<T>;

export interface BaseLimiter {
  /** Runs `fn` when the base's rate allows, never while the base is in a 429 pause. */
  schedule<T>(fn: () => Promise<T>): Promise<T>;
  /** After a 429: holds every caller of the base for `ms`. */
  pauseFor(ms: number): void;
  /** Requests started through this limiter (all stores in the process sharing it). */
  readonly started: number;
  /** Ends what the limiter holds open (a shared one's Redis connections). */
  close?(): Promise<void>;
}

const limiters = new Map<string, BaseLimiter>();

/**
 * At most `limit` requests in any window of `windowMs` as the server sees them. The server
 * counts a request when it arrives, which is somewhere between our sending it and our
 * reading its answer; so a request holds its place from the moment it is sent until
 * `windowMs` after its answer came back. Spacing requests by 1/rate at the client is not
 * enough: a request delayed on the way (network jitter, a busy event loop) lands in the
 * same server window as later ones, and AirTable answers 429 with a 30 s penalty.
 */
class CompletionWindow {
  private inFlight = 0;
  /** Answer times (performance clock) of requests still inside the window, oldest first. */
  private readonly recent: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  async acquire(): Promise<void> {
    for (;;) {
      const now = performance.now();
      while (this.recent.length > 0 && this.recent[0]! <= now - this.windowMs) this.recent.shift();
      if (this.inFlight + this.recent.length < this.limit) {
        this.inFlight += 1;
        return;
      }
      const oldest = this.recent[0];
      await sleep(oldest === undefined ? 10 : Math.max(1, Math.ceil(oldest + this.windowMs - now) + 1));
    }
  }

  release(): void {
    this.inFlight -= 1;
    this.recent.push(performance.now());
  }
}

/**
 * The process-wide limiter of one base (keyed by endpoint and base id), so two stores,
 * the webhook client and the CLI in one process share AirTable's 5 requests/s. The first
 * caller's rate wins. Bottleneck keeps callers in order and spaces them by 1/rate; the
 * completion window makes the limit hold on the server's clock.
 */
export function airtableLimiterFor(input: {
  endpointUrl: string;
  baseId: string;
  requestsPerSecond: number;
  /** Shares the limit with other processes (the embedded store's file); without it, this process only. */
  shared?: SharedRequestWindow;
}): BaseLimiter {
  const key = `${input.endpointUrl.replace(/\/+$/, "")}|${input.baseId}${input.shared ? "|shared" : ""}`;
  const rate = Math.max(1, Math.floor(input.requestsPerSecond));
  // Not cached: the window belongs to the store that opened it (and is closed with it), and
  // limiters on one window already share the base's limit through it.
  if (input.shared) return sharedLimiter(key, rate, input.shared);
  const existing = limiters.get(key);
  if (existing) return existing;
  const bottleneck = new Bottleneck({ minTime: Math.floor(1000 / rate), maxConcurrent: rate });
  const window = new CompletionWindow(rate, 1000);
  let pausedUntil = 0;
  let started = 0;
  const limiter: BaseLimiter = {
    get started() {
      return started;
    },
    pauseFor(ms) {
      pausedUntil = Math.max(pausedUntil, performance.now() + ms);
    },
    async schedule<T>(fn: () => Promise<T>): Promise<T> {
      for (;;) {
        await sleep(pausedUntil - performance.now());
        // A job that reaches the front during a pause goes back in line instead of firing.
        const outcome = await bottleneck.schedule(async () => {
          if (performance.now() < pausedUntil) return { paused: true as const };
          await window.acquire();
          if (performance.now() < pausedUntil) {
            window.release();
            return { paused: true as const };
          }
          started += 1;
          try {
            return { paused: false as const, value: await fn() };
          } finally {
            window.release();
          }
        });
        if (!outcome.paused) return outcome.value;
      }
    },
  };
  limiters.set(key, limiter);
  return limiter;
}

/**
 * The limiter across processes: Bottleneck keeps this process's callers in order and spaced,
 * the shared window holds the base's limit over every process, and a 429 seen by any of them
 * pauses all.
 */
function sharedLimiter(bucket: string, rate: number, shared: SharedRequestWindow): BaseLimiter {
  const bottleneck = new Bottleneck({ minTime: Math.floor(1000 / rate), maxConcurrent: rate });
  let started = 0;
  /** This process's own view of a 429 pause, so it holds even before the shared write lands. */
  let localPauseUntil = 0;
  const acquire = async (): Promise<number> => {
    for (;;) {
      const got = await shared.tryAcquire(bucket, rate, 1000);
      if ("slot" in got) return got.slot;
      await sleep(got.waitMs);
    }
  };
  const pausedFor = async () => Math.max(localPauseUntil, await shared.pausedUntil(bucket)) - shared.nowMs();
  return {
    get started() {
      return started;
    },
    pauseFor(ms) {
      const until = shared.nowMs() + ms;
      localPauseUntil = Math.max(localPauseUntil, until);
      // The other processes learn of it when the write lands; losing it costs them one more 429, no more.
      void Promise.resolve()
        .then(() => shared.pauseUntil(bucket, until))
        .catch(() => undefined);
    },
    async schedule<T>(fn: () => Promise<T>): Promise<T> {
      for (;;) {
        await sleep(await pausedFor());
        const outcome = await bottleneck.schedule(async () => {
          if ((await pausedFor()) > 0) return { paused: true as const };
          const slot = await acquire();
          if ((await pausedFor()) > 0) {
            await shared.release(slot);
            return { paused: true as const };
          }
          started += 1;
          try {
            return { paused: false as const, value: await fn() };
          } finally {
            await shared.release(slot);
          }
        });
        if (!outcome.paused) return outcome.value;
      }
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/** The parts of an error that decide a retry: the SDK's `AirtableError` and fetch errors both fit. */
export function describeFailure(error: unknown): { status: number | null; type: string; message: string } {
  const e = error as { statusCode?: unknown; status?: unknown; error?: unknown; type?: unknown; message?: unknown };
  const status = typeof e?.statusCode === "number" ? e.statusCode : typeof e?.status === "number" ? e.status : null;
  const type = typeof e?.error === "string" ? e.error : typeof e?.type === "string" ? e.type : "CONNECTION_ERROR";
  const message = typeof e?.message === "string" ? e.message : String(error);
  return { status, type, message };
}

/**
 * Runs one AirTable request through the base's limiter with bounded retries.
 * `beforeRetry` runs before a retry that follows an ambiguous failure (network error or
 * 5xx: the write may have happened), so a create can check what already exists.
 */
export async function runAirtableRequest<T>(input: {
  limiter: BaseLimiter;
  policy: AirtableRequestPolicy;
  label: string;
  attempt: () => Promise<T>;
  beforeRetry?: () => Promise<void>;
}): Promise<T> {
  const { limiter, policy, label } = input;
  let rateLimited = 0;
  let failures = 0;
  let ambiguous = false;
  for (;;) {
    try {
      if (ambiguous && input.beforeRetry) await input.beforeRetry();
      ambiguous = false;
      return await limiter.schedule(input.attempt);
    } catch (error) {
      if (error instanceof AirtableApiError || error instanceof AirtableRateLimitError) throw error;
      const failure = describeFailure(error);
      if (failure.status === 429) {
        rateLimited += 1;
        if (rateLimited > policy.maxRateLimitRetries) throw new AirtableRateLimitError(label, rateLimited, policy.rateLimitWaitMs);
        limiter.pauseFor(policy.rateLimitWaitMs);
        continue;
      }
      if (failure.status === null || failure.status >= 500) {
        failures += 1;
        if (failures > policy.maxServerErrorRetries) {
          throw new AirtableUnavailableError(label, failures, `${failure.status ?? "network"} ${failure.message}`);
        }
        // A 503 is refused before any work; other failures may have applied the write.
        ambiguous = failure.status !== 503;
        const delay = policy.backoffBaseMs * 2 ** (failures - 1);
        await sleep(delay / 2 + Math.random() * (delay / 2));
        continue;
      }
      throw new AirtableApiError(failure.status, failure.type, `${label}: AirTable answered ${failure.status} ${failure.type}: ${failure.message}`);
    }
  }
}

/** Splits a list into chunks of at most `size` (AirTable writes take 10 records). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
