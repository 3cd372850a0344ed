import type { LocalConfig } from "../cli/cli-config.js";
import type { HubSalesConfig } from "../config/hub-sales-config.schema.js";
import { openAirtableLeadStore } from "./airtable/airtable-record-store.js";
import { airtableLimiterFor, DEFAULT_REQUEST_POLICY, type BaseLimiter, type SharedRequestWindow } from "./airtable/airtable-request-policy.js";
import { observedLimiter, type AirtableRequestOutcome } from "./airtable/observed-limiter.js";
import { createRedisRequestLimiter } from "./airtable/redis-request-limiter.js";
import { composeLeadStore, type LeadStore } from "./lead-store.js";
import { PostgresLeadStore } from "./postgres/postgres-lead-store.js";
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
 * Chooses the store as SPEC §7 says, in two halves (`RecordStore`, `AppStateStore`):
 * - the app's state in PostgreSQL when `HUB_SALES_DATABASE_URL` is set (replicas), else in
 *   the embedded SQLite file at `HUB_SALES_DB` (default `data/hub-sales.db`; `:memory:` for a
 *   throwaway one);
 * - the records in AirTable when `AIRTABLE_TOKEN` is set, else beside the state.
 *
 * AirTable's rate limit is shared through Redis when `REDIS_URL` is set, else through the
 * state's backend. The server and every CLI command open their store here.
 */
export async function openStore(input: OpenStoreInput): Promise<LeadStore> {
  const { env, config, now } = input;
  const { state, requestWindow } = await openAppState(env, now);
  const token = env.AIRTABLE_TOKEN?.trim();
  if (!token) return composeLeadStore(state, state);
  try {
    const baseId = env.AIRTABLE_BASE_ID?.trim() || config.airtable.base;
    if (!baseId) {
      throw new Error("AIRTABLE_TOKEN is set but no base is named: set AIRTABLE_BASE_ID or `airtable.base` in the configuration");
    }
    const endpointUrl = env.AIRTABLE_ENDPOINT_URL?.trim() || undefined;
    const limiter = await openAirtableLimiter({
      env,
      baseId,
      endpointUrl: endpointUrl ?? "https://api.airtable.com",
      record: input.onAirtableRequest,
      // Without Redis, every process on this state (server, CLI passes, imports, replicas) shares the base's 5 requests/s through it.
      sharedWindow: requestWindow,
    });
    try {
      return await openAirtableLeadStore({ token, baseId, endpointUrl, airtable: config.airtable, appState: state, limiter });
    } catch (error) {
      await limiter.close?.();
      throw error;
    }
  } catch (error) {
    await state.close();
    throw error;
  }
}

/** The app-state half: PostgreSQL for replicas, else the embedded file; with its AirTable request window. */
async function openAppState(
  env: OpenStoreInput["env"],
  now: OpenStoreInput["now"],
): Promise<{ state: SqliteLeadStore | PostgresLeadStore; requestWindow: SharedRequestWindow }> {
  const databaseUrl = env.HUB_SALES_DATABASE_URL?.trim();
  if (databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
      throw new Error(`HUB_SALES_DATABASE_URL must be a postgres:// (or postgresql://) URL; got "${redactUrl(databaseUrl)}"`);
    }
    const state = await PostgresLeadStore.open({ connectionString: databaseUrl, now });
    return { state, requestWindow: state.requestWindow() };
  }
  const state = SqliteLeadStore.open(env.HUB_SALES_DB?.trim() || DEFAULT_DB_PATH, { now });
  return { state, requestWindow: new SqliteRequestWindow(state.db) };
}

/** A URL for a message: without its password. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
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
