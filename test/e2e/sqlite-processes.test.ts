import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LATEST_SCHEMA_VERSION, schemaVersion } from "../../src/store/sqlite-migrations.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";
import { runCliProcess } from "../support/app-processes.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hub-sales-sqlite-processes-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("several processes on one new SQLite file", () => {
  it("all open it at once: each migration step is applied once and nobody sees 'database is locked'", async () => {
    const env = { HUB_SALES_DB: join(dir, "hub-sales.db"), HUB_SALES_CONFIG: "examples/hub-sales.yml" };
    const runs = await Promise.all([
      runCliProcess(env, ["leads", "import", "examples/leads.csv"]),
      runCliProcess(env, ["leads", "list", "--json"]),
      runCliProcess(env, ["hubs", "list", "--json"]),
      runCliProcess(env, ["leads", "list", "--json"]),
    ]);
    for (const run of runs) expect([run.code, run.err]).toEqual([0, ""]);
    const store = SqliteLeadStore.open(env.HUB_SALES_DB);
    try {
      expect(schemaVersion(store.db)).toBe(LATEST_SCHEMA_VERSION);
      expect((await store.listLeads()).length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  }, 60_000);
});
