import type { LocalConfig } from "../cli/cli-config.js";
import type { HubSalesConfig } from "../config/hub-sales-config.schema.js";
import type { LeadStore } from "./lead-store.js";
import { SqliteLeadStore } from "./sqlite-lead-store.js";

/** SPEC §7: the embedded store's file when `HUB_SALES_DB` is not set. */
export const DEFAULT_DB_PATH = "data/hub-sales.db";

export interface OpenStoreInput {
  env: Readonly<Record<string, string | undefined>>;
  /** The AirTable store reads the base, table and field names from here. */
  config: Pick<HubSalesConfig | LocalConfig, "airtable">;
}

/**
 * Chooses the store as SPEC §7 says: `AIRTABLE_TOKEN` selects AirTable, otherwise the
 * embedded SQLite store at `HUB_SALES_DB` (default `data/hub-sales.db`; `:memory:` for a
 * throwaway one). The server and every CLI command open their store here.
 */
export async function openStore(input: OpenStoreInput): Promise<LeadStore> {
  const { env } = input;
  // AirTable store (issue 5): when `env.AIRTABLE_TOKEN` is set, build it here from
  // `env.AIRTABLE_TOKEN`, `env.AIRTABLE_BASE_ID ?? input.config.airtable.base`,
  // `input.config.airtable` (tables, field renames) and `env.AIRTABLE_ENDPOINT_URL`.
  // Until it exists the token is ignored and the SQLite store below is used.
  const path = env.HUB_SALES_DB?.trim() || DEFAULT_DB_PATH;
  return SqliteLeadStore.open(path);
}
