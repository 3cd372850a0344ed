import type { Database } from "better-sqlite3";
import { LEAD_STATUSES } from "../pipeline/lead-status.js";

/**
 * The embedded store's schema, as an ordered list of steps. The database's
 * `PRAGMA user_version` is the number of steps applied; opening a store applies the
 * rest, each in its own transaction with the version bump, so a crash mid-way leaves
 * the file at a whole version. Never edit a released step: append a new one.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

const statusList = LEAD_STATUSES.map((s) => `'${s}'`).join(", ");

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "leads, active hubs and cloud costs",
    sql: `
      -- AUTOINCREMENT: ids (lead-<n>, hub-<n>) are never handed out twice, even after a delete.
      CREATE TABLE leads (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(trim(name)) > 0),
        status TEXT NOT NULL CHECK (status IN (${statusList})),
        github_handles TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(github_handles)),
        contact_email TEXT,
        service_tier TEXT,
        monthly_fee_cents INTEGER CHECK (monthly_fee_cents IS NULL OR monthly_fee_cents >= 0),
        service_start_date TEXT,
        service_end_date TEXT,
        agreement TEXT,
        contract TEXT,
        managed_cloud_billing INTEGER NOT NULL DEFAULT 0 CHECK (managed_cloud_billing IN (0, 1)),
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
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
      CREATE INDEX leads_status ON leads (status);

      CREATE TABLE hubs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        hub TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(trim(hub)) > 0),
        community_lead_id INTEGER REFERENCES leads (id) ON DELETE SET NULL,
        url TEXT,
        deployment_issue TEXT,
        live_since TEXT,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );
      CREATE INDEX hubs_community ON hubs (community_lead_id);

      CREATE TABLE cloud_costs (
        month TEXT NOT NULL,
        hub TEXT NOT NULL COLLATE NOCASE,
        amount_cents INTEGER NOT NULL,
        currency TEXT NOT NULL,
        imported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (month, hub)
      );
    `,
  },
  {
    version: 2,
    description: "the app's bookkeeping: deliveries, state, work queue, delivery confirmations",
    sql: `
      CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        event TEXT NOT NULL,
        received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );

      CREATE TABLE state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL CHECK (json_valid(value)),
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      );

      -- One row per key: enqueueing a pending key merges into its row.
      CREATE TABLE work (
        key TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        generation INTEGER NOT NULL DEFAULT 1,
        not_before TEXT NOT NULL,
        last_error TEXT,
        enqueued_seq INTEGER NOT NULL
      );
      CREATE INDEX work_due ON work (not_before, enqueued_seq);

      CREATE TABLE delivery_confirmations (
        lead_id INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
        month TEXT NOT NULL,
        confirmed_by TEXT NOT NULL,
        confirmed_at TEXT NOT NULL,
        PRIMARY KEY (lead_id, month)
      );
      CREATE INDEX delivery_confirmations_month ON delivery_confirmations (month);
    `,
  },
  {
    version: 3,
    description: "leases on work keys across processes; effects refused for good",
    sql: `
      -- One row per key ever leased: the token keeps growing across grants, which fences a
      -- holder whose lease lapsed. owner NULL: released.
      CREATE TABLE leases (
        key TEXT PRIMARY KEY,
        owner TEXT,
        token INTEGER NOT NULL,
        expires_at TEXT NOT NULL
      );

      CREATE TABLE failed_effects (
        lead_id TEXT NOT NULL,
        effect TEXT NOT NULL,
        what TEXT NOT NULL,
        why TEXT NOT NULL,
        fix TEXT NOT NULL,
        status INTEGER,
        first_failed_at TEXT NOT NULL,
        last_failed_at TEXT NOT NULL,
        reported INTEGER NOT NULL DEFAULT 0 CHECK (reported IN (0, 1)),
        PRIMARY KEY (lead_id, effect)
      );
    `,
  },
  {
    version: 4,
    description: "cloud projects: the hubs' Cloud project and the other name of a cost's project",
    sql: `
      ALTER TABLE hubs ADD COLUMN cloud_project TEXT;
      ALTER TABLE cloud_costs ADD COLUMN label TEXT;
    `,
  },
  {
    version: 5,
    description: "request slots shared by every process that talks to one AirTable base",
    sql: `
      -- A request holds its slot from being sent until a window after its answer (finished_ms).
      CREATE TABLE request_slots (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        bucket TEXT NOT NULL,
        started_ms INTEGER NOT NULL,
        finished_ms INTEGER
      );
      CREATE INDEX request_slots_bucket ON request_slots (bucket, finished_ms);

      -- After a 429 the whole base waits, in every process.
      CREATE TABLE request_pauses (
        bucket TEXT PRIMARY KEY,
        until_ms INTEGER NOT NULL
      );
    `,
  },
  {
    version: 6,
    description: "the action log: what the app did to each lead, when, and on which trigger",
    sql: `
      -- lead_id is text, not a reference: with the AirTable store the leads live in the base.
      CREATE TABLE lead_actions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        lead_id TEXT NOT NULL,
        at TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('action', 'status')),
        what TEXT NOT NULL,
        trigger TEXT NOT NULL,
        status TEXT
      );
      CREATE INDEX lead_actions_lead ON lead_actions (lead_id, kind, seq);
    `,
  },
  {
    version: 7,
    description: "delivery confirmations keyed by the record store's lead id, for AirTable leads too",
    sql: `
      -- The app's state no longer refers to the records: with AirTable the leads live in the base.
      CREATE TABLE delivery_confirmations_by_id (
        lead_id TEXT NOT NULL,
        month TEXT NOT NULL,
        confirmed_by TEXT NOT NULL,
        confirmed_at TEXT NOT NULL,
        PRIMARY KEY (lead_id, month)
      );
      INSERT INTO delivery_confirmations_by_id (lead_id, month, confirmed_by, confirmed_at)
        SELECT 'lead-' || lead_id, month, confirmed_by, confirmed_at FROM delivery_confirmations;
      -- The AirTable store kept its confirmations as state, one JSON list per month.
      INSERT OR REPLACE INTO delivery_confirmations_by_id (lead_id, month, confirmed_by, confirmed_at)
        SELECT json_extract(c.value, '$.leadId'), json_extract(c.value, '$.month'),
               json_extract(c.value, '$.confirmedBy'), json_extract(c.value, '$.confirmedAt')
        FROM state s, json_each(s.value) c
        WHERE s.key LIKE 'airtable:delivery-confirmations:%' AND json_type(s.value) = 'array';
      DELETE FROM state WHERE key LIKE 'airtable:delivery-confirmations:%';
      DROP TABLE delivery_confirmations;
      ALTER TABLE delivery_confirmations_by_id RENAME TO delivery_confirmations;
      CREATE INDEX delivery_confirmations_month ON delivery_confirmations (month);
    `,
  },
  {
    version: 8,
    description: "webhook bookkeeping in fewer b-trees: deliveries and leases keyed by their own key, work numbered by its rowid",
    sql: `
      -- WITHOUT ROWID: a delivery is one insert into one b-tree (its id), not a row plus an index entry.
      CREATE TABLE deliveries_by_id (
        id TEXT PRIMARY KEY,
        event TEXT NOT NULL,
        received_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) WITHOUT ROWID;
      INSERT INTO deliveries_by_id (id, event, received_at) SELECT id, event, received_at FROM deliveries;
      DROP TABLE deliveries;
      ALTER TABLE deliveries_by_id RENAME TO deliveries;

      -- A claim looks up the lease of each due key: one descent instead of two.
      CREATE TABLE leases_by_key (
        key TEXT PRIMARY KEY,
        owner TEXT,
        token INTEGER NOT NULL,
        expires_at TEXT NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO leases_by_key (key, owner, token, expires_at) SELECT key, owner, token, expires_at FROM leases;
      DROP TABLE leases;
      ALTER TABLE leases_by_key RENAME TO leases;

      -- enqueued_seq is the rowid: a new item takes the largest plus one from the b-tree's end,
      -- where max(enqueued_seq) read every queued row (thousands after a full pass).
      CREATE TABLE work_by_seq (
        enqueued_seq INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        reason TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        generation INTEGER NOT NULL DEFAULT 1,
        not_before TEXT NOT NULL,
        last_error TEXT
      );
      INSERT INTO work_by_seq (enqueued_seq, key, reason, attempts, generation, not_before, last_error)
        SELECT enqueued_seq, key, reason, attempts, generation, not_before, last_error FROM work;
      DROP TABLE work;
      ALTER TABLE work_by_seq RENAME TO work;
      CREATE INDEX work_due ON work (not_before, enqueued_seq);
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export class SchemaTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `the database has schema version ${found}, but this hub-sales-bot knows versions up to ${known}: upgrade the app, or open another file (HUB_SALES_DB)`,
    );
    this.name = "SchemaTooNewError";
  }
}

export function schemaVersion(db: Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/**
 * Brings the database to `target` (default: the latest version). Returns the versions
 * before and after. A database newer than this code is refused rather than guessed at.
 */
export function migrate(db: Database, options: { target?: number } = {}): { from: number; to: number } {
  const target = options.target ?? LATEST_SCHEMA_VERSION;
  const from = schemaVersion(db);
  if (from > LATEST_SCHEMA_VERSION) throw new SchemaTooNewError(from, LATEST_SCHEMA_VERSION);
  for (const migration of MIGRATIONS) {
    if (migration.version <= from || migration.version > target) continue;
    // IMMEDIATE takes the write lock first (waiting out busy_timeout), and the version is read
    // again under it: two processes opening a new file at once apply each step once.
    db.transaction(() => {
      if (schemaVersion(db) >= migration.version) return;
      db.exec(migration.sql);
      // The version is part of the same transaction: a failed step leaves the old version.
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return { from, to: schemaVersion(db) };
}
