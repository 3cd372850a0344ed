import type { LocalConfig } from "../cli/cli-config.js";
import type { HubSalesConfig } from "../config/hub-sales-config.schema.js";
import { AirtableLeadStore } from "./airtable/airtable-lead-store.js";
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
}

/**
 * Chooses the store as SPEC §7 says: `AIRTABLE_TOKEN` selects AirTable (leads and hubs in
 * the base; cloud costs and the app's bookkeeping in the embedded SQLite file beside it),
 * otherwise the embedded SQLite store at `HUB_SALES_DB` (default `data/hub-sales.db`;
 * `:memory:` for a throwaway one). The server and every CLI command open their store here.
 */
export async function openStore(input: OpenStoreInput): Promise<LeadStore> {
  const { env, config, now } = input;
  const path = env.HUB_SALES_DB?.trim() || DEFAULT_DB_PATH;
  const token = env.AIRTABLE_TOKEN?.trim();
  if (!token) return SqliteLeadStore.open(path, { now });
  const baseId = env.AIRTABLE_BASE_ID?.trim() || config.airtable.base;
  if (!baseId) {
    throw new Error("AIRTABLE_TOKEN is set but no base is named: set AIRTABLE_BASE_ID or `airtable.base` in the configuration");
  }
  const bookkeeping = SqliteLeadStore.open(path, { now });
  try {
    return await AirtableLeadStore.open({
      token,
      baseId,
      endpointUrl: env.AIRTABLE_ENDPOINT_URL?.trim() || undefined,
      airtable: config.airtable,
      bookkeeping,
      // Every process on this file (server, CLI passes, imports) shares the base's 5 requests/s.
      sharedWindow: new SqliteRequestWindow(bookkeeping.db),
    });
  } catch (error) {
    await bookkeeping.close();
    throw error;
  }
}
