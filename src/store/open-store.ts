import type { LocalConfig } from "../cli/cli-config.js";
import type { HubSalesConfig } from "../config/hub-sales-config.schema.js";
import { AirtableLeadStore } from "./airtable/airtable-lead-store.js";
import { airtableLimiterFor, DEFAULT_REQUEST_POLICY, type BaseLimiter, type SharedRequestWindow } from "./airtable/airtable-request-policy.js";
import { observedLimiter, type AirtableRequestOutcome } from "./airtable/observed-limiter.js";
import { createRedisRequestLimiter } from "./airtable/redis-request-limiter.js";
import type { LeadStore } from "./lead-store.js";
import { SqliteLeadStore } from "./sqlite-lead-store.js";
import { SqliteRequestWindow } from "./sqlite-request-window.js";

/** SPEC §7: the embedded store's file when `HUB_SALES_DB` is not set. */
export const DEFAULT_DB_PATH = "data/hub-sales.db";

export interface OpenStoreInput {
  env: Readonly<Record<string, string | undefined>>;
  /** The AirTable store reads the base, table and field names from here. */
  config: Pick<HubSalesConfig | LocalConfig, "airtable">;
  /** The caller's clock; the store stamps new work with it. */
  now?: () => Date;
  /** Told how each AirTable request ended (the server's metrics). */
  onAirtableRequest?: (outcome: AirtableRequestOutcome) => void;
}

/**
 * Chooses the store as SPEC §7 says: `AIRTABLE_TOKEN` selects AirTable (leads and hubs in
 * the base; cloud costs and the app's bookkeeping in the embedded SQLite file beside it;
 * the base's rate limit shared through Redis when `REDIS_URL` is set),
 * otherwise the embedded SQLite store at `HUB_SALES_DB` (default `data/hub-sales.db`;
 * `:memory:` for a throwaway one). The server and every CLI command open their store here.
 */
export async function openStore(input: OpenStoreInput): Promise<LeadStore> {
  const { env, config, now } = input;
  // Until the PostgreSQL store exists, replicas given a database URL must not each fall back
  // to a SQLite file of their own: every one of them would open the same issues.
  if (env.HUB_SALES_DATABASE_URL?.trim()) {
    throw new Error(
      "HUB_SALES_DATABASE_URL is set, but this version keeps its state only in the SQLite file at HUB_SALES_DB: " +
        "unset it and run one replica (deploy/kubernetes/overlays/single-replica-sqlite)",
    );
  }
  const path = env.HUB_SALES_DB?.trim() || DEFAULT_DB_PATH;
  const token = env.AIRTABLE_TOKEN?.trim();
  if (!token) return SqliteLeadStore.open(path, { now });
  const baseId = env.AIRTABLE_BASE_ID?.trim() || config.airtable.base;
  if (!baseId) {
    throw new Error("AIRTABLE_TOKEN is set but no base is named: set AIRTABLE_BASE_ID or `airtable.base` in the configuration");
  }
  const endpointUrl = env.AIRTABLE_ENDPOINT_URL?.trim() || undefined;
  const bookkeeping = SqliteLeadStore.open(path, { now });
  let limiter: BaseLimiter;
  try {
    limiter = await openAirtableLimiter({
      env,
      baseId,
      endpointUrl: endpointUrl ?? "https://api.airtable.com",
      record: input.onAirtableRequest,
      // Without Redis, every process on this file (server, CLI passes, imports) shares the base's 5 requests/s through it.
      sharedWindow: new SqliteRequestWindow(bookkeeping.db),
    });
  } catch (error) {
    await bookkeeping.close();
    throw error;
  }
  try {
    return await AirtableLeadStore.open({ token, baseId, endpointUrl, airtable: config.airtable, bookkeeping, limiter });
  } catch (error) {
    await limiter.close?.();
    await bookkeeping.close();
    throw error;
  }
}

/**
 * With `REDIS_URL` (Probot's own, which also shares GitHub's throttling), the base's limiter
 * is shared through Redis by every process; otherwise it is the process's own.
 */
async function openAirtableLimiter(input: {
  env: OpenStoreInput["env"];
  baseId: string;
  endpointUrl: string;
  record?: (outcome: AirtableRequestOutcome) => void;
  sharedWindow: SharedRequestWindow;
}): Promise<BaseLimiter> {
  const { env, baseId, endpointUrl, record, sharedWindow } = input;
  const requestsPerSecond = DEFAULT_REQUEST_POLICY.requestsPerSecond;
  const redisUrl = env.REDIS_URL?.trim();
  const limiter = redisUrl
    ? await createRedisRequestLimiter({ redisUrl, endpointUrl, baseId, requestsPerSecond })
    : airtableLimiterFor({ endpointUrl, baseId, requestsPerSecond, shared: sharedWindow });
  return record ? observedLimiter(limiter, record) : limiter;
}
