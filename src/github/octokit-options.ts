import Bottleneck from "bottleneck";
import { ProbotOctokit } from "probot";
import { observedFetch } from "../metrics/hub-sales-metrics.js";

/**
 * How hard a single GitHub request tries before its error reaches the work queue (which then
 * retries the whole reconcile later, with its own backoff).
 *
 * Why this exists (SPEC §9): Probot's own throttle options only log a secondary rate limit
 * (403/429 with `retry-after`) and never retry it, and GitHub does not redeliver a webhook
 * whose work failed. The app therefore builds its Octokit class with these options.
 */
export interface GitHubRetryPolicy {
  /** Retries of one request after a rate limit (secondary or primary). */
  rateLimitRetries: number;
  /**
   * Longest `retry-after` (seconds) worth waiting for inside one request; longer waits
   * (an exhausted hourly quota) fail fast as retryable and the queue comes back later.
   */
  maxRetryAfterSeconds: number;
  /** Retries of one request after a 5xx or a network failure. */
  serverErrorRetries: number;
  /**
   * Milliseconds per second of wait. 1000 in production; tests shrink it so a
   * `retry-after: 1` costs milliseconds. Also scales the 5xx backoff (1, 4, 9 … units).
   */
  retryAfterBaseMs: number;
  /**
   * Minimum spacing of write requests per installation. Unset: the throttling plugin's own
   * (1 s between writes, 3 s between content-creating ones, which keeps the app under
   * GitHub's 80 a minute). Tests and the demo against the local stand-in set 0.
   */
  writeIntervalMs?: number;
}

export const defaultRetryPolicy: GitHubRetryPolicy = {
  rateLimitRetries: 3,
  maxRetryAfterSeconds: 120,
  serverErrorRetries: 3,
  retryAfterBaseMs: 1000,
};

/** The slice of a request's options the throttling plugin hands to the limit handlers. */
interface LimitedRequest {
  method: string;
  url: string;
  request?: { retryCount?: number };
}

interface LoggingOctokit {
  log: { warn: (message: string) => void };
}

type LimitHandler = (retryAfter: number, options: LimitedRequest, octokit: LoggingOctokit, retryCount?: number) => boolean;

export interface ThrottleOptions {
  onRateLimit: LimitHandler;
  onSecondaryRateLimit: LimitHandler;
  /** Read by @octokit/plugin-throttling: ms per second of `retry-after`. */
  retryAfterBaseValue: number;
  /** Limiter groups replacing the plugin's shared write spacing (see `writeIntervalMs`). */
  write?: Bottleneck.Group;
  notifications?: Bottleneck.Group;
}

export interface RetryOptions {
  retries: number;
  retryAfterBaseValue: number;
  /**
   * Statuses the retry plugin leaves alone. 403 and 429 are rate limits and belong to the
   * throttling plugin alone; retrying them here too would multiply the attempts.
   */
  doNotRetry: number[];
}

function createLimitHandler(kind: "secondary rate limit" | "rate limit", policy: GitHubRetryPolicy): LimitHandler {
  return (retryAfter, options, octokit, retryCount) => {
    const attempt = retryCount ?? options.request?.retryCount ?? 0;
    const request = `${options.method} ${options.url}`;
    if (attempt < policy.rateLimitRetries && retryAfter <= policy.maxRetryAfterSeconds) {
      octokit.log.warn(
        `GitHub ${kind} on "${request}"; retry ${attempt + 1} of ${policy.rateLimitRetries} in ${retryAfter} s`,
      );
      return true;
    }
    octokit.log.warn(
      `GitHub ${kind} on "${request}"; giving up after ${attempt} retries (retry-after ${retryAfter} s, ` +
        `limits: ${policy.rateLimitRetries} retries, ${policy.maxRetryAfterSeconds} s wait)`,
    );
    return false;
  };
}

export function createThrottleOptions(policy: Partial<GitHubRetryPolicy> = {}): ThrottleOptions {
  const full = { ...defaultRetryPolicy, ...policy };
  const spacing =
    full.writeIntervalMs === undefined
      ? {}
      : {
          write: new Bottleneck.Group({ maxConcurrent: 1, minTime: full.writeIntervalMs }),
          notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: full.writeIntervalMs }),
        };
  return {
    onRateLimit: createLimitHandler("rate limit", full),
    onSecondaryRateLimit: createLimitHandler("secondary rate limit", full),
    retryAfterBaseValue: full.retryAfterBaseMs,
    ...spacing,
  };
}

export function createRetryOptions(policy: Partial<GitHubRetryPolicy> = {}): RetryOptions {
  const full = { ...defaultRetryPolicy, ...policy };
  return {
    retries: full.serverErrorRetries,
    retryAfterBaseValue: full.retryAfterBaseMs,
    doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
  };
}

/** The production options (what `createProbotOctokit()` uses). */
export const throttleOptions: ThrottleOptions = createThrottleOptions();
export const retryOptions: RetryOptions = createRetryOptions();

type OctokitConstructorOptions = NonNullable<ConstructorParameters<typeof ProbotOctokit>[0]>;

/**
 * `ProbotOctokit` with the app's retry behaviour. Pass it as `Octokit` to `new Probot(...)`,
 * `createNodeMiddleware`, `run` and `createProbot`.
 *
 * Probot builds its client class as `Octokit.defaults(...)` with its own throttle handlers,
 * which would replace ours if we set them as plain defaults (Octokit merges shallowly), so a
 * defaults function puts our handlers back on top of whatever Probot passes, while keeping the
 * rest of its throttle settings (`enabled`, the per-installation `id`, a Redis connection).
 */
export function createProbotOctokit(
  policy: Partial<GitHubRetryPolicy> = {},
  observe: { onResponse?: (method: string, status: number | null) => void } = {},
): typeof ProbotOctokit {
  const throttle = createThrottleOptions(policy);
  const retry = createRetryOptions(policy);
  const clustered = new WeakMap<object, Pick<ThrottleOptions, "write" | "notifications">>();
  return ProbotOctokit.defaults((instanceOptions: OctokitConstructorOptions = {}) => {
    const given = instanceOptions as OctokitConstructorOptions & {
      throttle?: Record<string, unknown>;
      retry?: Record<string, unknown>;
      request?: Record<string, unknown> & { fetch?: typeof fetch };
    };
    const connection = given.throttle?.connection as object | undefined;
    // With REDIS_URL Probot hands every client one Redis connection, and the throttling plugin
    // shares its limiters through it; write spacing of our own must be shared the same way, or
    // each replica would space its writes alone.
    const spacing =
      connection && throttle.write
        ? (clustered.get(connection) ?? clusteredSpacing(connection, clustered, policy.writeIntervalMs ?? 0))
        : {};
    return {
      ...given,
      throttle: { ...given.throttle, ...throttle, ...spacing },
      retry: { ...retry, ...given.retry },
      ...(observe.onResponse ? { request: { ...given.request, fetch: observedFetch(observe.onResponse, given.request?.fetch) } } : {}),
    };
  }) as typeof ProbotOctokit;
}

function clusteredSpacing(
  connection: object,
  cache: WeakMap<object, Pick<ThrottleOptions, "write" | "notifications">>,
  writeIntervalMs: number,
): Pick<ThrottleOptions, "write" | "notifications"> {
  const common = { maxConcurrent: 1, minTime: writeIntervalMs, connection: connection as Bottleneck.IORedisConnection, timeout: 120_000 };
  const groups = {
    write: new Bottleneck.Group({ id: "hub-sales-github-write", ...common }),
    notifications: new Bottleneck.Group({ id: "hub-sales-github-notifications", ...common }),
  };
  cache.set(connection, groups);
  return groups;
}

/**
 * `HUB_SALES_GITHUB_WRITE_INTERVAL_MS`: spacing of writes, for GitHub Enterprise servers
 * without GitHub.com's content limits, or a local stand-in (0). Unset keeps GitHub's pacing.
 */
export function retryPolicyFromEnv(env: Readonly<Record<string, string | undefined>>): Partial<GitHubRetryPolicy> {
  const raw = env.HUB_SALES_GITHUB_WRITE_INTERVAL_MS?.trim();
  if (raw === undefined || raw === "") return {};
  if (!/^\d+$/.test(raw)) throw new Error(`HUB_SALES_GITHUB_WRITE_INTERVAL_MS must be a whole number of milliseconds (got "${raw}")`);
  return { writeIntervalMs: Number(raw) };
}
