import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newLeadFields } from "../../src/domain/records.js";
import { RecordNotFoundError } from "../../src/store/lead-store.js";
import { InvalidRecordError } from "../../src/store/record-validation.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";
import {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  SchemaTooNewError,
  migrate,
  schemaVersion,
} from "../../src/store/sqlite-migrations.js";
import { describeAppStateContract } from "./app-state-contract.js";
import { describeRecordStoreContract } from "./record-store-contract.js";

const inMemory = async () => ({ store: SqliteLeadStore.open(":memory:") });
const onAFile = async () => {
  const dir = await mkdtemp(join(tmpdir(), "hub-sales-store-"));
  return {
    store: SqliteLeadStore.open(join(dir, "hub-sales.db")),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
};
describeRecordStoreContract("sqlite in memory", inMemory);
describeRecordStoreContract("sqlite on a file", onAFile);
describeAppStateContract("sqlite in memory", inMemory);
describeAppStateContract("sqlite on a file", onAFile);

describe("SqliteLeadStore on disk", () => {
  let dir: string;
  const opened: SqliteLeadStore[] = [];
  const open = (path: string) => {
    const store = SqliteLeadStore.open(path);
    opened.push(store);
    return store;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "hub-sales-store-"));
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("creates the parent folder and opens in WAL mode with foreign keys and a busy timeout", () => {
    const path = join(dir, "nested", "data", "hub-sales.db");
    const store = open(path);
    expect(existsSync(path)).toBe(true);
    expect(store.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(store.db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(store.db.pragma("busy_timeout", { simple: true })).toBeGreaterThanOrEqual(1000);
    expect(schemaVersion(store.db)).toBe(LATEST_SCHEMA_VERSION);
  });

  it("keeps every kind of record across a close and reopen", async () => {
    const path = join(dir, "hub-sales.db");
    const first = open(path);
    const lead = await first.createLead(
      newLeadFields("Acme", "Active Service", { monthlyFee: 416667, serviceStartDate: "2026-03-01", managedCloudBilling: true }),
    );
    const hub = await first.createHub({
      hub: "acme",
      communityLeadId: lead.id,
      url: "https://acme.example.org",
      deploymentIssue: null,
      liveSince: "2026-03-01",
    });
    await first.upsertCloudCosts([{ month: "2026-03", hub: "acme", amount: 12345, currency: "USD" }]);
    await first.recordDelivery("delivery-1", "issues");
    await first.setState("airtable:cursor", { cursor: 7 });
    await first.enqueueWork("lead:" + lead.id, "import");
    await first.recordDeliveryConfirmation({
      leadId: lead.id,
      month: "2026-03",
      confirmedBy: "alice",
      confirmedAt: "2026-04-01T00:00:00.000Z",
    });
    const work = await first.listWork();
    await first.close();

    const second = open(path);
    expect(await second.listLeads()).toEqual([lead]);
    expect(await second.listHubs()).toEqual([hub]);
    expect(await second.listCloudCosts()).toEqual([{ month: "2026-03", hub: "acme", amount: 12345, currency: "USD" }]);
    expect(await second.recordDelivery("delivery-1", "issues")).toBe(false);
    expect(await second.getState("airtable:cursor")).toEqual({ cursor: 7 });
    expect(await second.listWork()).toEqual(work);
    expect(await second.listDeliveryConfirmations("2026-03")).toHaveLength(1);
  });

  it("never hands out an id twice, even after a row is deleted", async () => {
    const path = join(dir, "hub-sales.db");
    const store = open(path);
    const a = await store.createLead(newLeadFields("A", "Active Lead"));
    const b = await store.createLead(newLeadFields("B", "Active Lead"));
    store.db.prepare("DELETE FROM leads WHERE name = 'B'").run();
    await store.close();
    const reopened = open(path);
    const c = await reopened.createLead(newLeadFields("C", "Active Lead"));
    expect([a.id, b.id]).not.toContain(c.id);
    expect(a.id).toMatch(/^lead-\d+$/);
  });

  it("lets a second connection see committed writes (the CLI next to the server)", async () => {
    const path = join(dir, "hub-sales.db");
    const server = open(path);
    const cli = open(path);
    await cli.createLead(newLeadFields("From the CLI", "Active Lead"));
    expect((await server.findLeadByName("from the cli"))?.status).toBe("Active Lead");
    expect(await server.claimState("k", 1)).toBe(true);
    expect(await cli.claimState("k", 2)).toBe(false);
  });
});

describe("SqliteLeadStore migrations", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "hub-sales-migrate-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("numbers its steps 1, 2, 3... in order", () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it("upgrades a database written at version 1, keeping its rows", async () => {
    const path = join(dir, "old.db");
    const old = new BetterSqlite3(path);
    expect(migrate(old, { target: 1 })).toEqual({ from: 0, to: 1 });
    old.prepare("INSERT INTO leads (name, status, monthly_fee_cents) VALUES ('Old Lead', 'Waiting', 150000)").run();
    expect(old.prepare("SELECT name FROM sqlite_master WHERE name = 'work'").get()).toBeUndefined();
    old.close();

    const store = SqliteLeadStore.open(path);
    try {
      expect(schemaVersion(store.db)).toBe(LATEST_SCHEMA_VERSION);
      const lead = await store.findLeadByName("old lead");
      expect(lead).toMatchObject({ name: "Old Lead", status: "Waiting", monthlyFee: 150000, githubHandles: [] });
      await store.enqueueWork(`lead:${lead!.id}`, "after upgrade");
      expect(await store.listWork()).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it("moves the webhook bookkeeping to its version 8 tables, keeping deliveries, leases and the queue's order", async () => {
    const path = join(dir, "v7.db");
    const old = new BetterSqlite3(path);
    migrate(old, { target: 7 });
    old.prepare("INSERT INTO deliveries (id, event) VALUES ('d-1', 'issues.closed')").run();
    old.prepare("INSERT INTO leases (key, owner, token, expires_at) VALUES ('lead:lead-1', NULL, 7, '2026-01-01T00:00:00.000Z')").run();
    const queue = old.prepare("INSERT INTO work (key, reason, attempts, generation, not_before, enqueued_seq) VALUES (?, 'r', 0, 1, '2026-01-01T00:00:00.000Z', ?)");
    queue.run("lead:lead-2", 5);
    queue.run("lead:lead-1", 9);
    old.close();

    const store = SqliteLeadStore.open(path);
    try {
      const withoutRowid = (table: string) =>
        (store.db.prepare("SELECT sql FROM sqlite_master WHERE name = ?").get(table) as { sql: string }).sql.includes("WITHOUT ROWID");
      expect([withoutRowid("deliveries"), withoutRowid("leases"), withoutRowid("work")]).toEqual([true, true, false]);
      expect(await store.recordDelivery("d-1", "issues.closed")).toBe(false);
      await store.enqueueWork("lead:lead-3", "after upgrade");
      expect((await store.listWork()).map((w) => w.key)).toEqual(["lead:lead-2", "lead:lead-1", "lead:lead-3"]);
      expect(store.db.prepare("SELECT enqueued_seq FROM work WHERE key = 'lead:lead-3'").get()).toEqual({ enqueued_seq: 10 });
      // The lease's token keeps counting, so a holder from before the upgrade stays fenced.
      const [claimed] = await store.claimWork({ owner: "w", now: new Date("2026-01-02T00:00:00.000Z"), leaseMs: 1000, limit: 1, prefix: "lead:lead-1" });
      expect(claimed!.lease.token).toBe(8);
    } finally {
      await store.close();
    }
  });

  it("leaves the old version when a step fails, applying none of it", () => {
    const db = new BetterSqlite3(":memory:");
    migrate(db, { target: 1 });
    // A stray `work` table makes step 2 fail after it has created `deliveries` and `state`.
    db.exec("CREATE TABLE work (key TEXT)");
    expect(() => migrate(db)).toThrow(/work/);
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'deliveries'").get()).toBeUndefined();
    db.close();
  });

  it("refuses a database from a newer version of the app", () => {
    const path = join(dir, "new.db");
    const db = new BetterSqlite3(path);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => SqliteLeadStore.open(path)).toThrow(SchemaTooNewError);
    expect(() => SqliteLeadStore.open(path)).toThrow(/upgrade the app/);
  });

  it("does nothing when already at the latest version", () => {
    const db = new BetterSqlite3(":memory:");
    migrate(db);
    expect(migrate(db)).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION });
    db.close();
  });
});

describe("SqliteLeadStore transactions and SQLite-only behaviour", () => {
  let store: SqliteLeadStore;
  beforeEach(() => {
    store = SqliteLeadStore.open(":memory:");
  });
  afterEach(async () => {
    await store.close();
  });

  it("writes nothing when the transaction throws", async () => {
    expect(() =>
      store.transaction((tx) => {
        const lead = tx.createLead(newLeadFields("Acme", "Needs Admin"));
        tx.createHub({ hub: "acme", communityLeadId: lead.id, url: null, deploymentIssue: null, liveSince: null });
        tx.upsertCloudCosts([{ month: "2026-03", hub: "acme", amount: 1, currency: "USD" }]);
        tx.setState("effect", { done: true });
        tx.enqueueWork("lead:1", "x");
        tx.recordDelivery("d-1", "issues");
        throw new Error("crash before the end");
      }),
    ).toThrow("crash before the end");
    expect(await store.listLeads()).toEqual([]);
    expect(await store.listHubs()).toEqual([]);
    expect(await store.listCloudCosts()).toEqual([]);
    expect(await store.getState("effect")).toBeNull();
    expect(await store.listWork()).toEqual([]);
    expect(await store.recordDelivery("d-1", "issues")).toBe(true);
  });

  it("keeps everything a transaction wrote when it returns", async () => {
    const id = store.transaction((tx) => {
      const lead = tx.createLead(newLeadFields("Acme", "Needs Admin"));
      tx.setState(`effect:${lead.id}`, "done");
      return lead.id;
    });
    expect((await store.getLead(id))?.name).toBe("Acme");
    expect(await store.getState(`effect:${id}`)).toBe("done");
  });

  it("refuses an async function, writing nothing", async () => {
    expect(() =>
      store.transaction(async () => {
        await store.createLead(newLeadFields("Too late", "Active Lead"));
      }),
    ).toThrow(/synchronous/);
    // The async body ran its first (synchronous) part inside the rolled-back transaction.
    expect(await store.findLeadByName("Too late")).toBeNull();
  });

  it("rolls back an upsert that fails on a later row at write time", async () => {
    const empty = { url: null, deploymentIssue: null, liveSince: null };
    await expect(
      store.upsertHubsByName([
        { hub: "first", communityLeadId: null, ...empty },
        { hub: "second", communityLeadId: "lead-4242", ...empty },
      ]),
    ).rejects.toBeInstanceOf(RecordNotFoundError);
    expect(await store.listHubs()).toEqual([]);
  });

  it("merges MANIAC-T notes key by key when a patch names only some", async () => {
    const lead = await store.createLead(
      newLeadFields("Acme", "Active Lead", {
        maniacT: { ...newLeadFields("x", "Active Lead").maniacT, money: "grant", need: "teaching" },
      }),
    );
    const updated = await store.updateLead(lead.id, { maniacT: { timeline: "fall" } as never });
    expect(updated.maniacT).toMatchObject({ money: "grant", need: "teaching", timeline: "fall", authority: null });
  });

  it("names the row and field of every problem in a refused batch", async () => {
    const error = await store
      .upsertLeadsByName([
        newLeadFields("Fine", "Active Lead"),
        newLeadFields("Bad", "Active Lead", { followUpDate: "2026-02-30", monthlyFee: -1 }),
        newLeadFields("fine", "Waiting"),
      ])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRecordError);
    const problems = (error as InvalidRecordError).problems.join("\n");
    expect(problems).toMatch(/row 2: followUpDate: must be a date YYYY-MM-DD/);
    expect(problems).toMatch(/row 2: monthlyFee/);
    expect(problems).toMatch(/row 3: the name "fine" is also in row 1/);
  });

  it("keeps a failed item's attempts on a new enqueue and clears them when a run succeeds", async () => {
    await store.enqueueWork("lead:1", "a");
    const [claimed] = await store.claimWork({ owner: "w", now: new Date(Date.now() + 1000), leaseMs: 5_000, limit: 1 });
    await store.failWork(claimed!.lease, "boom", new Date(Date.now() + 60_000), new Date(Date.now() + 1000));
    await store.enqueueWork("lead:1", "b");
    expect((await store.listWork())[0]).toMatchObject({ attempts: 1, lastError: "boom", reason: "a; b" });
    const [again] = await store.claimWork({ owner: "w", now: new Date(Date.now() + 1000), leaseMs: 5_000, limit: 1 });
    await store.completeWork(again!.lease, claimed!.item.generation, new Date(Date.now() + 1000));
    expect((await store.listWork())[0]).toMatchObject({ attempts: 0, lastError: null });
    expect(await store.listWork()).toHaveLength(1);
  });

  it("refuses a state value that is not JSON", async () => {
    await expect(store.setState("k", undefined)).rejects.toThrow(/JSON/);
  });

  it("answers only to canonical ids", async () => {
    const lead = await store.createLead(newLeadFields("Acme", "Active Lead"));
    expect(lead.id).toBe("lead-1");
    expect(await store.getLead("lead-01")).toBeNull();
    expect(await store.getLead("1")).toBeNull();
    expect(await store.getLead("hub-1")).toBeNull();
  });

  it("closes twice without error", async () => {
    await store.close();
    await store.close();
  });
});
