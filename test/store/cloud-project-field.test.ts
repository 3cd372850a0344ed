import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrate } from "../../src/store/sqlite-migrations.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";

describe("SQLite: Cloud project on Active Hubs, and the other name of a cost's project", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "hub-sales-cloud-project-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("SQLite: a version-2 file gains the columns, keeping its hubs and costs", async () => {
    const path = join(dir, "v2.db");
    const old = new BetterSqlite3(path);
    migrate(old, { target: 2 });
    old.prepare("INSERT INTO leads (name, status) VALUES ('Uni', 'Active Service')").run();
    old.prepare("INSERT INTO hubs (hub, community_lead_id) VALUES ('uni', 1)").run();
    old.prepare("INSERT INTO cloud_costs (month, hub, amount_cents, currency) VALUES ('2026-03', 'uni', 1234, 'USD')").run();
    old.close();

    const store = SqliteLeadStore.open(path);
    try {
      const hub = await store.findHubByName("uni");
      expect(hub).toMatchObject({ hub: "uni", communityLeadId: "lead-1", cloudProject: null });
      expect(await store.listCloudCosts()).toEqual([{ month: "2026-03", hub: "uni", amount: 1234, currency: "USD" }]);
      expect(await store.updateHub(hub!.id, { cloudProject: "uni-gcp-prod" })).toMatchObject({ cloudProject: "uni-gcp-prod" });
      await store.upsertCloudCosts([{ month: "2026-03", hub: "uni-gcp-prod", amount: 500, currency: "USD", label: "Uni Prod" }]);
      expect(await store.listCloudCosts({ month: "2026-03" })).toEqual([
        { month: "2026-03", hub: "uni", amount: 1234, currency: "USD" },
        { month: "2026-03", hub: "uni-gcp-prod", amount: 500, currency: "USD", label: "Uni Prod" },
      ]);
    } finally {
      await store.close();
    }
  });
});
