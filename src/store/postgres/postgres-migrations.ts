import type { PoolClient } from "pg";
import { LEAD_STATUSES } from "../../pipeline/lead-status.js";

/**
 * The PostgreSQL schema, as an ordered list of steps recorded in `hub_sales_migrations`.
 * Opening a store applies the missing steps in one transaction under an advisory lock, so
 * replicas starting together apply each step once and the others wait, then see it done.
 * Never edit a released step: append a new one.
 */
export interface PostgresMigration {
  version: number;
  description: string;
  sql: string;
}

const statusList = LEAD_STATUSES.map((s) => `'${s}'`).join(", ");

/** Any fixed number: every replica of this app takes the same lock while migrating. */
const MIGRATION_LOCK = 7_146_832_001;

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: "the records (leads, active hubs) and the app's state, as the SQLite file has them at its version 7",
    sql: `
      -- Identity columns never hand an id (lead-<n>, hub-<n>) out twice, even after a delete.
      CREATE TABLE leads (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name TEXT NOT NULL CHECK (length(trim(name)) > 0),
        status TEXT NOT NULL CHECK (status IN (${statusList})),
        github_handles JSONB NOT NULL DEFAULT '[]',
        contact_email TEXT,
        service_tier TEXT,
        monthly_fee_cents BIGINT CHECK (monthly_fee_cents IS NULL OR monthly_fee_cents >= 0),
        service_start_date TEXT,
        service_end_date TEXT,
        agreement TEXT,
        contract TEXT,
        managed_cloud_billing BOOLEAN NOT NULL DEFAULT false,
        follow_up_date TEXT,
        maniac_money TEXT,
        maniac_authority TEXT,
        maniac_need TEXT,
        maniac_impending_event TEXT,
        maniac_application TEXT,
        maniac_competition TEXT,
        maniac_timeline TEXT,
        lead_issue TEXT,
        request_information_issue TEXT,
        deployment_issue TEXT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      -- Names are unique without case, as AirTable's users expect of the primary field.
      CREATE UNIQUE INDEX leads_name ON leads (lower(name));
      CREATE INDEX leads_status ON leads (status);

      CREATE TABLE hubs (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        hub TEXT NOT NULL CHECK (length(trim(hub)) > 0),
        community_lead_id BIGINT REFERENCES leads (id) ON DELETE SET NULL,
        url TEXT,
        deployment_issue TEXT,
        live_since TEXT,
        cloud_project TEXT,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX hubs_name ON hubs (lower(hub));
      CREATE INDEX hubs_community ON hubs (community_lead_id);

      CREATE TABLE cloud_costs (
        month TEXT NOT NULL,
        hub TEXT NOT NULL,
        amount_cents BIGINT NOT NULL,
        currency TEXT NOT NULL,
        label TEXT,
        imported_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX cloud_costs_month_hub ON cloud_costs (month, lower(hub));

      CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        event TEXT NOT NULL,
        received_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );

      CREATE TABLE state (
        key TEXT PRIMARY KEY,
        value JSONB NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );

      -- One row per key: enqueueing a pending key merges into its row.
      CREATE TABLE work (
        key TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        generation BIGINT NOT NULL DEFAULT 1,
        not_before TIMESTAMPTZ NOT NULL,
        last_error TEXT,
        enqueued_seq BIGINT GENERATED ALWAYS AS IDENTITY
      );
      CREATE INDEX work_due ON work (not_before, enqueued_seq);

      -- One row per key ever leased: the token keeps growing across grants, which fences a
      -- holder whose lease lapsed. owner NULL: released.
      CREATE TABLE leases (
        key TEXT PRIMARY KEY,
        owner TEXT,
        token BIGINT NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
      );

      CREATE TABLE failed_effects (
        lead_id TEXT NOT NULL,
        effect TEXT NOT NULL,
        what TEXT NOT NULL,
        why TEXT NOT NULL,
        fix TEXT NOT NULL,
        status INTEGER,
        first_failed_at TIMESTAMPTZ NOT NULL,
        last_failed_at TIMESTAMPTZ NOT NULL,
        reported BOOLEAN NOT NULL DEFAULT false,
        PRIMARY KEY (lead_id, effect)
      );

      -- Times people gave (a confirmation's, a log line's) are kept as the text they were given.
      CREATE TABLE delivery_confirmations (
        lead_id TEXT NOT NULL,
        month TEXT NOT NULL,
        confirmed_by TEXT NOT NULL,
        confirmed_at TEXT NOT NULL,
        PRIMARY KEY (lead_id, month)
      );
      CREATE INDEX delivery_confirmations_month ON delivery_confirmations (month);

      CREATE TABLE lead_actions (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        lead_id TEXT NOT NULL,
        at TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('action', 'status')),
        what TEXT NOT NULL,
        trigger TEXT NOT NULL,
        status TEXT
      );
      CREATE INDEX lead_actions_lead ON lead_actions (lead_id, kind, seq);

      -- AirTable's 5 requests/s per base, shared by every replica (when Redis is not used).
      CREATE TABLE request_slots (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        bucket TEXT NOT NULL,
        started_ms BIGINT NOT NULL,
        finished_ms BIGINT
      );
      CREATE INDEX request_slots_bucket ON request_slots (bucket, finished_ms);
      CREATE TABLE request_pauses (
        bucket TEXT PRIMARY KEY,
        until_ms BIGINT NOT NULL
      );
    `,
  },
];

export const LATEST_POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS[POSTGRES_MIGRATIONS.length - 1]!.version;

export class PostgresSchemaTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `the database has schema version ${found}, but this hub-sales-bot knows versions up to ${known}: upgrade the app, or point HUB_SALES_DATABASE_URL at another database`,
    );
    this.name = "PostgresSchemaTooNewError";
  }
}

export async function postgresSchemaVersion(client: Pick<PoolClient, "query">): Promise<number> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('hub_sales_migrations') AS t");
  if (exists.rows[0]?.t === null) return 0;
  const { rows } = await client.query<{ v: number | null }>("SELECT max(version) AS v FROM hub_sales_migrations");
  return rows[0]?.v ?? 0;
}

/**
 * Brings the database to the latest version in one transaction. The advisory lock makes a
 * second replica wait for the first, and the version is read again under it. A database
 * newer than this code is refused rather than guessed at.
 */
export async function migratePostgres(client: PoolClient): Promise<{ from: number; to: number }> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS hub_sales_migrations (
        version INTEGER PRIMARY KEY,
        description TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    const from = await postgresSchemaVersion(client);
    if (from > LATEST_POSTGRES_SCHEMA_VERSION) throw new PostgresSchemaTooNewError(from, LATEST_POSTGRES_SCHEMA_VERSION);
    for (const migration of POSTGRES_MIGRATIONS) {
      if (migration.version <= from) continue;
      await client.query(migration.sql);
      await client.query("INSERT INTO hub_sales_migrations (version, description) VALUES ($1, $2)", [
        migration.version,
        migration.description,
      ]);
    }
    await client.query("COMMIT");
    return { from, to: Math.max(from, LATEST_POSTGRES_SCHEMA_VERSION) };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
