import { createHash } from "node:crypto";
import Bottleneck from "bottleneck";
import { Redis } from "ioredis";
import { withTimeout } from "../../support/with-timeout.js";
import { sleep, type BaseLimiter } from "./airtable-request-policy.js";

export interface RedisRequestLimiterInput {
  /** `REDIS_URL`, e.g. `redis://:secret@redis:6379/0`. */
  redisUrl: string;
  endpointUrl: string;
  baseId: string;
  /** Per base for every process together; AirTable's limit is 5. */
  requestsPerSecond: number;
  /** How long a request keeps its place after its answer; AirTable counts per second. */
  windowMs?: number;
  /** How long to wait for Redis at open before giving up. */
  connectTimeoutMs?: number;
}

/** A limiter shared through Redis; `close()` ends its connections. */
export interface RedisRequestLimiter extends BaseLimiter {
  close(): Promise<void>;
}

/** A crashed process's slot is freed after this long at the latest (Bottleneck also drops clients that stop heartbeating). */
const JOB_EXPIRATION_MS = 120_000;

/**
 * The AirTable limiter of one base shared by every process that has `REDIS_URL` (replicas,
 * the CLI), through Bottleneck's clustering on Redis. It keeps the local limiter's rule on
 * the server's clock: a request holds one of `requestsPerSecond` places from the moment it
 * is sent until `windowMs` after its answer came back, so together the processes never have
 * more than the limit inside any one second as AirTable counts it. A 429 pauses the base for
 * every process (a key with a time to live), not only for the one that was refused.
 */
export async function createRedisRequestLimiter(input: RedisRequestLimiterInput): Promise<RedisRequestLimiter> {
  const rate = Math.max(1, Math.floor(input.requestsPerSecond));
  const windowMs = input.windowMs ?? 1_000;
  const digest = createHash("sha256").update(`${input.endpointUrl.replace(/\/+$/, "")}|${input.baseId}`).digest("hex").slice(0, 12);
  const id = `hub-sales-airtable-${input.baseId}-${digest}`;
  const pauseKey = `${id}:paused`;
  const where = redactedUrl(input.redisUrl);
  // Not lazy: Bottleneck duplicates this client for its subscriber, options included.
  const client = new Redis(input.redisUrl, { maxRetriesPerRequest: 3 });
  let lastError = "";
  client.on("error", (error: Error) => (lastError = error.message));
  try {
    await withTimeout(
      new Promise<void>((resolve) => client.once("ready", () => resolve())),
      input.connectTimeoutMs ?? 10_000,
      `cannot reach Redis at ${where} (REDIS_URL)`,
    );
  } catch (error) {
    client.disconnect();
    throw new Error(`${error instanceof Error ? error.message : String(error)}${lastError ? `; last error: ${lastError}` : ""}`);
  }
  const connection = new Bottleneck.IORedisConnection({ client });
  const bottleneck = new Bottleneck({
    id,
    datastore: "ioredis",
    connection,
    maxConcurrent: rate,
    minTime: Math.floor(1000 / rate),
  });
  bottleneck.on("error", () => undefined);
  await bottleneck.ready();

  let started = 0;
  /** This process's own view of a pause, so its callers do not ask Redis while they wait. */
  let pausedUntil = 0;
  const pausedForMs = async (): Promise<number> => {
    const local = pausedUntil - Date.now();
    if (local > 0) return local;
    const ttl = await client.pttl(pauseKey);
    return ttl > 0 ? ttl : 0;
  };

  return {
    get started() {
      return started;
    },
    pauseFor(ms) {
      pausedUntil = Math.max(pausedUntil, Date.now() + ms);
      void client.set(pauseKey, "1", "PX", Math.max(1, Math.round(ms))).catch(() => undefined);
    },
    async schedule<T>(fn: () => Promise<T>): Promise<T> {
      for (;;) {
        await sleep(await pausedForMs());
        const outcome = await new Promise<{ paused: true } | { paused: false; value: T }>((resolve, reject) => {
          bottleneck
            .schedule({ expiration: JOB_EXPIRATION_MS }, async () => {
              // A job that reaches the front during a pause goes back in line instead of firing.
              if ((await pausedForMs()) > 0) return resolve({ paused: true });
              started += 1;
              try {
                resolve({ paused: false, value: await fn() });
              } catch (error) {
                reject(error);
              }
              // The caller has its answer; the place is held until AirTable's window has passed.
              await sleep(windowMs);
            })
            .catch(reject);
        });
        if (!outcome.paused) return outcome.value;
      }
    },
    async close() {
      await bottleneck.disconnect(true);
      // A connection given to Bottleneck is not closed by the limiter's own disconnect.
      await connection.disconnect(true);
    },
  };
}

function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(not a URL)";
  }
}
