import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newLeadFields } from "../../src/domain/records.js";
import { PostgresLeadStore } from "../../src/store/postgres/postgres-lead-store.js";
import {
  LATEST_POSTGRES_SCHEMA_VERSION,
  PostgresSchemaTooNewError,
  postgresSchemaVersion,
} from "../../src/store/postgres/postgres-migrations.js";
import { startPostgresServer, type PostgresServer } from "../support/postgres-server.js";
import { describeAppStateContract } from "./app-state-contract.js";
import { describeRecordStoreContract } from "./record-store-contract.js";

// One real server for the file, a fresh database for every test.
let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgresServer();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

const freshStore = async () => ({ store: await PostgresLeadStore.open({ connectionString: await server.createDatabase() }) });
describeRecordStoreContract("postgres", freshStore);
describeAppStateContract("postgres", freshStore);

describe("PostgresLeadStore", () => {
  it("applies its migrations once when replicas start together, and a second open changes nothing", async () => {
    const url = await server.createDatabase();
    const stores = await Promise.all(Array.from({ length: 6 }, () => PostgresLeadStore.open({ connectionString: url })));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect(await postgresSchemaVersion(client)).toBe(LATEST_POSTGRES_SCHEMA_VERSION);
      const { rows } = await client.query("SELECT count(*)::int AS n FROM hub_sales_migrations");
      expect(rows[0].n).toBe(LATEST_POSTGRES_SCHEMA_VERSION);
      // Every replica sees the same records.
      const lead = await stores[0]!.createLead(newLeadFields("Acme", "Active Lead"));
      for (const store of stores) expect(await store.getLead(lead.id)).toEqual(lead);
    } finally {
      await client.end();
      for (const store of stores) await store.close();
    }
  });

  it("refuses a database of a newer schema than it knows, naming both versions", async () => {
    const url = await server.createDatabase();
    await (await PostgresLeadStore.open({ connectionString: url })).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("INSERT INTO hub_sales_migrations (version, description) VALUES ($1, 'from the future')", [
      LATEST_POSTGRES_SCHEMA_VERSION + 1,
    ]);
    await client.end();
    const opening = PostgresLeadStore.open({ connectionString: url });
    await expect(opening).rejects.toBeInstanceOf(PostgresSchemaTooNewError);
    await expect(opening).rejects.toThrow(`version ${LATEST_POSTGRES_SCHEMA_VERSION + 1}`);
  });

  it("hands each due key to exactly one of several replicas claiming at once", async () => {
    const url = await server.createDatabase();
    const now = new Date("2026-06-01T12:00:00Z");
    const replicas = await Promise.all(Array.from({ length: 4 }, () => PostgresLeadStore.open({ connectionString: url, now: () => now })));
    try {
      for (let i = 0; i < 40; i++) await replicas[0]!.enqueueWork(`lead:${i}`, "import");
      const claims = await Promise.all(
        replicas.flatMap((store, r) =>
          [0, 1, 2].map(() => store.claimWork({ owner: `replica-${r}`, now: new Date(now.getTime() + 60_000), leaseMs: 30_000, limit: 7 })),
        ),
      );
      const keys = claims.flat().map((c) => c.item.key);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys.length).toBe(40);
    } finally {
      for (const store of replicas) await store.close();
    }
  });

  it("grants a contended lease to exactly one replica", async () => {
    const url = await server.createDatabase();
    const replicas = await Promise.all(Array.from({ length: 4 }, () => PostgresLeadStore.open({ connectionString: url })));
    try {
      const now = new Date("2026-06-01T12:00:00Z");
      const grants = await Promise.all(
        replicas.flatMap((store, r) => [0, 1].map((k) => store.acquireLease({ key: "lead:7", owner: `replica-${r}-${k}`, now, leaseMs: 30_000 }))),
      );
      expect(grants.filter((g) => g !== null)).toHaveLength(1);
    } finally {
      for (const store of replicas) await store.close();
    }
  });

  it("names the database it cannot reach", async () => {
    const url = `postgres://postgres@127.0.0.1:${server.port}/no_such_database`;
    await expect(PostgresLeadStore.open({ connectionString: url })).rejects.toThrow(/no_such_database/);
  });
});
