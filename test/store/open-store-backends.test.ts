import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHealth } from "../../src/app/check-health.js";
import { QueueActivity } from "../../src/app/queue-activity.js";
import { hubSalesConfigSchema } from "../../src/config/hub-sales-config.schema.js";
import { newLeadFields } from "../../src/domain/records.js";
import { startAirtableStandIn, type AirtableStandIn } from "../../src/sandbox/airtable-stand-in/airtable-stand-in.js";
import { RecordNotFoundError, type LeadStore } from "../../src/store/lead-store.js";
import { openStore } from "../../src/store/open-store.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";
import { migrate, schemaVersion } from "../../src/store/sqlite-migrations.js";
import { startPostgresServer, type PostgresServer } from "../support/postgres-server.js";

const config = { airtable: hubSalesConfigSchema.shape.airtable.parse(undefined) };
const confirmation = (leadId: string) => ({ leadId, month: "2026-03", confirmedBy: "alice", confirmedAt: "2026-04-01T00:00:00Z" });

/** What every composition must do: a confirmation names a lead of the record half, and both halves work. */
async function expectAWorkingStore(store: LeadStore): Promise<void> {
  const lead = await store.createLead(newLeadFields("Acme University", "Active Service"));
  await store.recordDeliveryConfirmation(confirmation(lead.id));
  expect(await store.listDeliveryConfirmations("2026-03")).toEqual([confirmation(lead.id)]);
  await expect(store.recordDeliveryConfirmation(confirmation("lead-9999"))).rejects.toBeInstanceOf(RecordNotFoundError);
  expect(await store.listDeliveryConfirmations("2026-03")).toHaveLength(1);
  await store.enqueueWork(`lead:${lead.id}`, "test");
  expect((await store.listWork()).map((w) => w.key)).toEqual([`lead:${lead.id}`]);
}

describe("openStore's backends", () => {
  let postgres: PostgresServer;
  let airtable: AirtableStandIn;
  let dir: string;
  beforeAll(async () => {
    [postgres, airtable] = await Promise.all([startPostgresServer(), startAirtableStandIn({ requestsPerSecond: 200, rateLimitPenaltyMs: 50 })]);
    dir = await mkdtemp(join(tmpdir(), "hub-sales-backends-"));
  }, 60_000);
  afterAll(async () => {
    await Promise.all([postgres?.stop(), airtable?.close(), rm(dir, { recursive: true, force: true })]);
  });

  it("without a database URL or a token: everything in the SQLite file", async () => {
    const store = await openStore({ env: { HUB_SALES_DB: join(dir, "all.db") }, config });
    try {
      expect([store.kind, store.stateKind]).toEqual(["sqlite", "sqlite"]);
      await expectAWorkingStore(store);
    } finally {
      await store.close();
    }
  });

  it("with HUB_SALES_DATABASE_URL: records and state in PostgreSQL, nothing in the SQLite file", async () => {
    const file = join(dir, "unused.db");
    const store = await openStore({ env: { HUB_SALES_DATABASE_URL: await postgres.createDatabase(), HUB_SALES_DB: file }, config });
    try {
      expect([store.kind, store.stateKind]).toEqual(["postgres", "postgres"]);
      await expectAWorkingStore(store);
      await expect(import("node:fs/promises").then((fs) => fs.access(file))).rejects.toThrow();
    } finally {
      await store.close();
    }
  });

  it("with AIRTABLE_TOKEN and HUB_SALES_DATABASE_URL: records in the base, state in PostgreSQL", async () => {
    const url = await postgres.createDatabase();
    const env = { AIRTABLE_TOKEN: airtable.token, AIRTABLE_BASE_ID: airtable.baseId, AIRTABLE_ENDPOINT_URL: airtable.url, HUB_SALES_DATABASE_URL: url };
    const store = await openStore({ env, config });
    try {
      expect([store.kind, store.stateKind]).toEqual(["airtable", "postgres"]);
      await expectAWorkingStore(store);
      // A second replica on the same database sees the same state.
      const replica = await openStore({ env, config });
      try {
        expect(await replica.listDeliveryConfirmations("2026-03")).toHaveLength(1);
        expect(await replica.getState("airtable:api-user-id")).toBe(airtable.userId);
      } finally {
        await replica.close();
      }
    } finally {
      await store.close();
    }
  });

  it("with AIRTABLE_TOKEN only: records in the base, state in the SQLite file", async () => {
    const env = { AIRTABLE_TOKEN: airtable.token, AIRTABLE_BASE_ID: airtable.baseId, AIRTABLE_ENDPOINT_URL: airtable.url, HUB_SALES_DB: join(dir, "state.db") };
    const store = await openStore({ env, config });
    try {
      expect([store.kind, store.stateKind]).toEqual(["airtable", "sqlite"]);
      await store.recordDeliveryConfirmation(confirmation((await store.listLeads())[0]!.id));
      expect(await store.listDeliveryConfirmations("2026-03")).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it("moves a SQLite file's delivery confirmations, those kept as AirTable state too, to the table keyed by lead id", async () => {
    const path = join(dir, "version-6.db");
    const db = new BetterSqlite3(path);
    migrate(db, { target: 6 });
    db.prepare("INSERT INTO leads (name, status) VALUES ('Acme', 'Active Service')").run();
    db.prepare("INSERT INTO delivery_confirmations VALUES (1, '2026-03', 'alice', '2026-04-01T00:00:00.000Z')").run();
    const airtableKept = [{ leadId: "recAAAAAAAAAAAAAA", month: "2026-03", confirmedBy: "bob", confirmedAt: "2026-04-02T00:00:00.000Z" }];
    db.prepare("INSERT INTO state (key, value) VALUES ('airtable:delivery-confirmations:2026-03', ?)").run(JSON.stringify(airtableKept));
    db.close();

    const store = SqliteLeadStore.open(path);
    try {
      expect(schemaVersion(store.db)).toBeGreaterThanOrEqual(7);
      expect(await store.listDeliveryConfirmations("2026-03")).toEqual([
        { leadId: "lead-1", month: "2026-03", confirmedBy: "alice", confirmedAt: "2026-04-01T00:00:00.000Z" },
        ...airtableKept,
      ]);
      expect(await store.getState("airtable:delivery-confirmations:2026-03")).toBeNull();
    } finally {
      await store.close();
    }
  });

  it("health answers 503 with the state store's error once PostgreSQL is gone", async () => {
    const own = await startPostgresServer();
    const store = await openStore({ env: { HUB_SALES_DATABASE_URL: await own.createDatabase() }, config });
    const now = () => new Date();
    const activity = new QueueActivity(now);
    activity.started();
    try {
      expect((await checkHealth({ store, activity, now })).body).toMatchObject({ ok: true, store: "postgres", state: "postgres" });
      await own.stop();
      const down = await checkHealth({ store, activity, now });
      expect(down.status).toBe(503);
      expect(down.body.checks.store.ok).toBe(false);
      expect(down.body.checks.store.error).toMatch(/ECONNREFUSED|terminat|connect/i);
    } finally {
      await store.close().catch(() => undefined);
      await own.stop();
    }
  }, 60_000);
});
