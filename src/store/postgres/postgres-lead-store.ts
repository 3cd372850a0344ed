import pg, { type PoolClient, type QueryResultRow } from "pg";
import type { CalendarMonth } from "../../domain/calendar-date.js";
import { emptyManiacT, newLeadFields, type CloudCost, type Hub, type HubFields, type Lead, type LeadFields } from "../../domain/records.js";
import type { LeadStatus } from "../../pipeline/lead-status.js";
import type { SharedRequestWindow } from "../airtable/airtable-request-policy.js";
import type {
  AppStateStore,
  ClaimedWork,
  DeliveryConfirmation,
  FailedEffect,
  LeadLogEntry,
  WorkItem,
  WorkLease,
} from "../app-state-store.js";
import type { LeadStore } from "../lead-store.js";
import {
  DuplicateRecordError,
  RecordNotFoundError,
  type ListLeadsOptions,
  type RecordStore,
  type UpsertLeadsOptions,
  type UpsertResult,
} from "../record-store.js";
import {
  validateCloudCostBatch,
  validateDeliveryConfirmation,
  validateHubBatch,
  validateHubPatch,
  validateHubRow,
  validateLeadBatch,
  validateLeadPatch,
  validateLeadRow,
  type HubRow,
  type LeadPatch,
  type LeadRow,
} from "../record-validation.js";
import {
  HUB_COLUMNS,
  HUB_ID,
  LEAD_ID,
  hubFromRow,
  leadColumns,
  leadFromRow,
  leadLogFromRow,
  mergeReasons,
  parseId,
  requireKey,
  toJson,
  validateLeadLogEntry,
  workFromRow,
  type FailedEffectRowDb,
  type HubRowDb,
  type LeadLogRowDb,
  type LeadRowDb,
  type SqlValue,
  type WorkRowDb,
} from "../sql-rows.js";
import { migratePostgres } from "./postgres-migrations.js";

/** Ids and amounts are BIGINT; every one of them the app writes is a safe integer. */
const INT8_OID = 20;
const TIMESTAMPTZ_OID = 1184;
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID) return (value: string) => Number(value);
    // Times go back out as ISO strings, the form the interfaces carry them in.
    if (oid === TIMESTAMPTZ_OID) return (value: string) => new Date(value).toISOString();
    return pg.types.getTypeParser(oid, format as "text");
  },
} as pg.CustomTypesConfig;

/** Name checks and the writes they guard are serialised across replicas under this lock (rare: imports, renames). */
const NAME_LOCK = 7_146_832_002;

type Queryable = Pick<PoolClient, "query">;

/** Work rows with their live lease (if any) at `$1`. */
const WORK_WITH_LEASE = `
  SELECT w.key, w.reason, w.attempts, w.generation, w.not_before, w.last_error, w.enqueued_seq,
         CASE WHEN l.owner IS NOT NULL AND l.expires_at > $1 THEN l.owner END AS lease_owner,
         CASE WHEN l.owner IS NOT NULL AND l.expires_at > $1 THEN l.expires_at END AS lease_expires_at
  FROM work w LEFT JOIN leases l ON l.key = w.key`;

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (`HUB_SALES_DATABASE_URL`). */
  connectionString: string;
  /** The clock new work is stamped with: the caller's, so a pinned or moved date holds everywhere. */
  now?: () => Date;
  /** Connections this process keeps; default 10. */
  maxConnections?: number;
}

/**
 * Both halves, the records and the app's state, in PostgreSQL through node-postgres (`pg`),
 * for replicas on several machines (`HUB_SALES_DATABASE_URL`). The same schema and contract
 * as the SQLite file; the queue leases rows with `FOR UPDATE SKIP LOCKED`, so replicas
 * claiming together never block each other or share a key.
 */
export class PostgresLeadStore implements RecordStore, AppStateStore, LeadStore {
  readonly kind = "postgres" as const;
  readonly stateKind = "postgres" as const;
  #closed = false;

  private constructor(
    readonly pool: pg.Pool,
    private readonly now: () => Date,
  ) {}

  /** Connects and applies the migrations this version knows (safe when replicas start together). */
  static async open(options: PostgresStoreOptions): Promise<PostgresLeadStore> {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      types,
      application_name: "hub-sales-bot",
    });
    // An idle connection the server drops must not crash the process; the next query reconnects.
    pool.on("error", () => undefined);
    try {
      const client = await pool.connect();
      try {
        await migratePostgres(client);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
    return new PostgresLeadStore(pool, options.now ?? (() => new Date()));
  }

  /** The AirTable request window, shared by every replica on this database. */
  requestWindow(): SharedRequestWindow {
    return new PostgresRequestWindow(this.pool);
  }

  private async rows<R extends QueryResultRow>(sql: string, params: unknown[] = [], on: Queryable = this.pool): Promise<R[]> {
    return (await on.query<R>(sql, params)).rows;
  }

  /** Runs `fn` in one transaction on one connection: all of it is kept, or none when it throws. */
  private async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const result = await fn(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  // ---- Leads

  async listLeads(options?: ListLeadsOptions): Promise<Lead[]> {
    const leads = await this.#listLeads(options?.statuses);
    await options?.onPage?.(leads);
    return leads;
  }

  async #listLeads(statuses: readonly LeadStatus[] | undefined): Promise<Lead[]> {
    if (statuses === undefined) return (await this.rows<LeadRowDb>("SELECT * FROM leads ORDER BY lower(name), id")).map(leadFromRow);
    if (statuses.length === 0) return [];
    const rows = await this.rows<LeadRowDb>("SELECT * FROM leads WHERE status = ANY($1) ORDER BY lower(name), id", [[...new Set(statuses)]]);
    return rows.map(leadFromRow);
  }

  async getLead(id: string, on: Queryable = this.pool): Promise<Lead | null> {
    const rowId = parseId(LEAD_ID, id);
    if (rowId === null) return null;
    const [row] = await this.rows<LeadRowDb>("SELECT * FROM leads WHERE id = $1", [rowId], on);
    return row ? leadFromRow(row) : null;
  }

  async findLeadByName(name: string, on: Queryable = this.pool): Promise<Lead | null> {
    const [row] = await this.rows<LeadRowDb>("SELECT * FROM leads WHERE lower(name) = lower($1)", [name.trim()], on);
    return row ? leadFromRow(row) : null;
  }

  async createLead(fields: LeadFields): Promise<Lead> {
    const row = validateLeadRow(fields);
    return this.transaction(async (client) => {
      await lockNames(client);
      return this.insertLead(client, row);
    });
  }

  async updateLead(id: string, patch: Partial<LeadFields>): Promise<Lead> {
    const valid = validateLeadPatch(patch);
    return this.transaction(async (client) => {
      if (valid.name !== undefined) await lockNames(client);
      const current = await this.getLead(id, client);
      if (!current) throw new RecordNotFoundError("Leads", id);
      return this.writeLeadPatch(client, current, valid);
    });
  }

  /** Every write goes at once: nothing is held. */
  sendHeldWrites(): void {}

  /** `reuseListing` is not needed: names are matched inside the transaction. */
  async upsertLeadsByName(rows: readonly LeadFields[], options: UpsertLeadsOptions = {}): Promise<UpsertResult> {
    const valid = validateLeadBatch(rows);
    const written: { id: string; name: string }[] = [];
    const result = await this.transaction(async (client) => {
      await lockNames(client);
      const counts: UpsertResult = { created: 0, updated: 0 };
      for (const row of valid) {
        const current = await this.findLeadByName(row.name, client);
        const lead = current ? await this.writeLeadPatch(client, current, row) : await this.insertLead(client, row);
        written.push({ id: lead.id, name: lead.name });
        if (current) counts.updated += 1;
        else counts.created += 1;
      }
      return counts;
    });
    options.onWritten?.(written);
    return result;
  }

  private async insertLead(client: PoolClient, row: LeadRow): Promise<Lead> {
    const fields = newLeadFields(row.name, row.status, { ...row, maniacT: { ...emptyManiacT(), ...row.maniacT } });
    if (await this.findLeadByName(fields.name, client)) throw new DuplicateRecordError("Leads", fields.name);
    const [inserted] = await uniqueOr(new DuplicateRecordError("Leads", fields.name), () =>
      this.rows<LeadRowDb>(...insertSql("leads", leadColumns(fields)), client),
    );
    return leadFromRow(inserted!);
  }

  /** Writes only the keys the patch gives; `maniacT` merges key by key. */
  private async writeLeadPatch(client: PoolClient, current: Lead, patch: LeadPatch): Promise<Lead> {
    if (patch.name !== undefined && patch.name.toLowerCase() !== current.name.toLowerCase()) {
      const other = await this.findLeadByName(patch.name, client);
      if (other && other.id !== current.id) throw new DuplicateRecordError("Leads", patch.name);
    }
    const values = leadColumns(patch);
    if (Object.keys(values).length === 0) return current;
    const [row] = await uniqueOr(new DuplicateRecordError("Leads", patch.name ?? ""), () =>
      this.rows<LeadRowDb>(...updateSql("leads", values, parseId(LEAD_ID, current.id)!), client),
    );
    return leadFromRow(row!);
  }

  // ---- Active Hubs

  async listHubs(): Promise<Hub[]> {
    return (await this.rows<HubRowDb>("SELECT * FROM hubs ORDER BY lower(hub), id")).map(hubFromRow);
  }

  async findHubByName(hub: string, on: Queryable = this.pool): Promise<Hub | null> {
    const [row] = await this.rows<HubRowDb>("SELECT * FROM hubs WHERE lower(hub) = lower($1)", [hub.trim()], on);
    return row ? hubFromRow(row) : null;
  }

  private async getHub(client: Queryable, id: string): Promise<Hub | null> {
    const rowId = parseId(HUB_ID, id);
    if (rowId === null) return null;
    const [row] = await this.rows<HubRowDb>("SELECT * FROM hubs WHERE id = $1", [rowId], client);
    return row ? hubFromRow(row) : null;
  }

  async createHub(fields: HubFields): Promise<Hub> {
    const row = validateHubRow(fields);
    return this.transaction(async (client) => {
      await lockNames(client);
      return this.insertHub(client, row);
    });
  }

  async updateHub(id: string, patch: Partial<HubFields>): Promise<Hub> {
    const valid = validateHubPatch(patch);
    return this.transaction(async (client) => {
      if (valid.hub !== undefined) await lockNames(client);
      const current = await this.getHub(client, id);
      if (!current) throw new RecordNotFoundError("Active Hubs", id);
      return this.writeHubPatch(client, current, valid);
    });
  }

  async upsertHubsByName(rows: readonly HubFields[]): Promise<UpsertResult> {
    const valid = validateHubBatch(rows);
    return this.transaction(async (client) => {
      await lockNames(client);
      const result: UpsertResult = { created: 0, updated: 0 };
      for (const row of valid) {
        const current = await this.findHubByName(row.hub, client);
        if (current) {
          await this.writeHubPatch(client, current, row);
          result.updated += 1;
        } else {
          await this.insertHub(client, row);
          result.created += 1;
        }
      }
      return result;
    });
  }

  private async insertHub(client: PoolClient, row: HubRow): Promise<Hub> {
    if (await this.findHubByName(row.hub, client)) throw new DuplicateRecordError("Active Hubs", row.hub);
    const values = await this.hubColumns(client, {
      communityLeadId: null, url: null, deploymentIssue: null, liveSince: null, cloudProject: null, ...row,
    });
    const [inserted] = await uniqueOr(new DuplicateRecordError("Active Hubs", row.hub), () =>
      this.rows<HubRowDb>(...insertSql("hubs", values), client),
    );
    return hubFromRow(inserted!);
  }

  private async writeHubPatch(client: PoolClient, current: Hub, patch: Partial<HubFields>): Promise<Hub> {
    if (patch.hub !== undefined && patch.hub.toLowerCase() !== current.hub.toLowerCase()) {
      const other = await this.findHubByName(patch.hub, client);
      if (other && other.id !== current.id) throw new DuplicateRecordError("Active Hubs", patch.hub);
    }
    const values = await this.hubColumns(client, patch);
    if (Object.keys(values).length === 0) return current;
    const [row] = await uniqueOr(new DuplicateRecordError("Active Hubs", patch.hub ?? ""), () =>
      this.rows<HubRowDb>(...updateSql("hubs", values, parseId(HUB_ID, current.id)!), client),
    );
    return hubFromRow(row!);
  }

  /** Hub fields → columns; a community link must name an existing lead. */
  private async hubColumns(client: PoolClient, fields: Partial<HubFields>): Promise<Record<string, SqlValue>> {
    const values: Record<string, SqlValue> = {};
    for (const [key, column] of Object.entries(HUB_COLUMNS) as [keyof HubFields, string][]) {
      const value = fields[key];
      if (value === undefined) continue;
      if (key === "communityLeadId" && value !== null) {
        const leadId = parseId(LEAD_ID, value);
        // FOR SHARE: the lead cannot be deleted before this write commits.
        const exists = leadId !== null && (await this.rows("SELECT 1 FROM leads WHERE id = $1 FOR SHARE", [leadId], client)).length > 0;
        if (!exists) throw new RecordNotFoundError("Leads", value);
        values[column] = leadId;
      } else {
        values[column] = value;
      }
    }
    return values;
  }

  // ---- Cloud costs

  async listCloudCosts(filter?: { month?: CalendarMonth }): Promise<CloudCost[]> {
    type Row = { month: string; hub: string; amount_cents: number; currency: string; label: string | null };
    const rows =
      filter?.month === undefined
        ? await this.rows<Row>("SELECT * FROM cloud_costs ORDER BY month, lower(hub)")
        : await this.rows<Row>("SELECT * FROM cloud_costs WHERE month = $1 ORDER BY lower(hub)", [filter.month]);
    return rows.map((r) => ({ month: r.month, hub: r.hub, amount: r.amount_cents, currency: r.currency, ...(r.label === null ? {} : { label: r.label }) }));
  }

  async upsertCloudCosts(rows: readonly CloudCost[]): Promise<UpsertResult> {
    const valid = validateCloudCostBatch(rows);
    return this.transaction(async (client) => {
      const result: UpsertResult = { created: 0, updated: 0 };
      for (const row of valid) {
        // xmax = 0 only on a row this statement inserted.
        const [written] = await this.rows<{ inserted: boolean }>(
          `INSERT INTO cloud_costs (month, hub, amount_cents, currency, label) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (month, lower(hub)) DO UPDATE SET hub = excluded.hub, amount_cents = excluded.amount_cents,
             currency = excluded.currency, label = excluded.label, imported_at = now()
           RETURNING (xmax = 0) AS inserted`,
          [row.month, row.hub, row.amount, row.currency, row.label ?? null],
          client,
        );
        if (written!.inserted) result.created += 1;
        else result.updated += 1;
      }
      return result;
    });
  }

  // ---- Deliveries and keyed state

  async recordDelivery(deliveryId: string, event: string): Promise<boolean> {
    requireKey("delivery id", deliveryId);
    const result = await this.pool.query("INSERT INTO deliveries (id, event, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [
      deliveryId,
      event,
      this.now(),
    ]);
    return result.rowCount === 1;
  }

  async forgetDelivery(deliveryId: string): Promise<void> {
    await this.pool.query("DELETE FROM deliveries WHERE id = $1", [deliveryId]);
  }

  async pruneDeliveries(receivedBefore: Date): Promise<number> {
    const result = await this.pool.query("DELETE FROM deliveries WHERE received_at < $1", [receivedBefore]);
    return result.rowCount ?? 0;
  }

  async getState<T = unknown>(key: string): Promise<T | null> {
    const [row] = await this.rows<{ value: T }>("SELECT value FROM state WHERE key = $1", [key]);
    return row ? row.value : null;
  }

  async setState(key: string, value: unknown): Promise<void> {
    requireKey("state key", key);
    await this.pool.query(
      `INSERT INTO state (key, value) VALUES ($1, $2::jsonb)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`,
      [key, toJson(key, value)],
    );
  }

  async claimState(key: string, value: unknown): Promise<boolean> {
    requireKey("state key", key);
    const result = await this.pool.query("INSERT INTO state (key, value) VALUES ($1, $2::jsonb) ON CONFLICT DO NOTHING", [
      key,
      toJson(key, value),
    ]);
    return result.rowCount === 1;
  }

  async deleteState(key: string): Promise<void> {
    await this.pool.query("DELETE FROM state WHERE key = $1", [key]);
  }

  // ---- Work queue

  /**
   * New work is due now, even on a key that is backing off: like a Kubernetes work queue,
   * a fresh trigger may carry what fixes the failure. Attempts are kept for the dashboard.
   */
  async enqueueWork(key: string, reason: string): Promise<void> {
    requireKey("work key", key);
    const now = this.now().toISOString();
    await this.transaction((client) => this.enqueueOn(client, key, reason, now));
  }

  /** One transaction: the delivery, and when it is new, its work; the item's generation, or null for a redelivery. */
  async recordDeliveryWithWork(deliveryId: string, event: string, work: { key: string; reason: string }): Promise<number | null> {
    requireKey("delivery id", deliveryId);
    requireKey("work key", work.key);
    const now = this.now().toISOString();
    return this.transaction(async (client) => {
      const recorded = await client.query("INSERT INTO deliveries (id, event, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [deliveryId, event, now]);
      return recorded.rowCount === 1 ? this.enqueueOn(client, work.key, work.reason, now) : null;
    });
  }

  /** Enqueues inside the caller's transaction; answers the item's generation after the write. */
  private async enqueueOn(client: PoolClient, key: string, reason: string, now: string): Promise<number> {
    const inserted = await client.query(
      "INSERT INTO work (key, reason, attempts, generation, not_before) VALUES ($1, $2, 0, 1, $3) ON CONFLICT DO NOTHING",
      [key, reason, now],
    );
    if (inserted.rowCount === 1) return 1;
    // The row exists (or a concurrent enqueue just made it): merge under its row lock.
    const [current] = await this.rows<{ reason: string }>("SELECT reason FROM work WHERE key = $1 FOR UPDATE", [key], client);
    if (!current) {
      // Completed between the two statements: enqueue afresh.
      await client.query("INSERT INTO work (key, reason, attempts, generation, not_before) VALUES ($1, $2, 0, 1, $3)", [key, reason, now]);
      return 1;
    }
    const [updated] = await this.rows<{ generation: number }>(
      "UPDATE work SET reason = $2, generation = generation + 1, not_before = least(not_before, $3) WHERE key = $1 RETURNING generation",
      [key, mergeReasons(current.reason, reason), now],
      client,
    );
    return Number(updated!.generation);
  }

  async listDueWork(now: Date, limit = 100): Promise<WorkItem[]> {
    const rows = await this.rows<WorkRowDb>(
      `${WORK_WITH_LEASE} WHERE w.not_before <= $1 AND (l.owner IS NULL OR l.expires_at <= $1)
       ORDER BY w.not_before, w.enqueued_seq LIMIT $2`,
      [now.toISOString(), limit],
    );
    return rows.map(workFromRow);
  }

  /**
   * Due rows are locked with SKIP LOCKED, so replicas claiming at once each take other keys
   * without waiting; the lease is granted by a conditional upsert, so a command's lease
   * taken in between wins and the item is skipped.
   */
  async claimWork(input: { owner: string; now: Date; leaseMs: number; limit: number; prefix?: string }): Promise<ClaimedWork[]> {
    requireKey("lease owner", input.owner);
    const now = input.now.toISOString();
    return this.transaction(async (client) => {
      const rows = await this.rows<WorkRowDb>(
        `SELECT w.* FROM work w LEFT JOIN leases l ON l.key = w.key
         WHERE w.not_before <= $1 AND (l.owner IS NULL OR l.expires_at <= $1) AND starts_with(w.key, $2)
         ORDER BY w.not_before, w.enqueued_seq LIMIT $3
         FOR UPDATE OF w SKIP LOCKED`,
        [now, input.prefix ?? "", input.limit],
        client,
      );
      const claimed: ClaimedWork[] = [];
      for (const row of rows) {
        const [previous] = await this.rows<{ owner: string | null }>("SELECT owner FROM leases WHERE key = $1 FOR UPDATE", [row.key], client);
        const lease = await grantLease(client, row.key, input.owner, input.now, input.leaseMs);
        if (!lease) continue;
        const item = { ...workFromRow(row), leaseOwner: lease.owner, leaseExpiresAt: lease.expiresAt };
        // Only free or expired leases reach here: an owner still recorded is one whose lease lapsed.
        claimed.push(previous?.owner ? { item, lease, takenOverFrom: previous.owner } : { item, lease });
      }
      return claimed;
    });
  }

  async acquireLease(input: { key: string; owner: string; now: Date; leaseMs: number }): Promise<WorkLease | null> {
    requireKey("work key", input.key);
    requireKey("lease owner", input.owner);
    return grantLease(this.pool, input.key, input.owner, input.now, input.leaseMs);
  }

  async renewLease(lease: WorkLease, now: Date, leaseMs: number): Promise<WorkLease | null> {
    const expiresAt = new Date(now.getTime() + leaseMs).toISOString();
    const result = await this.pool.query(
      "UPDATE leases SET expires_at = $1 WHERE key = $2 AND owner = $3 AND token = $4 AND expires_at > $5",
      [expiresAt, lease.key, lease.owner, lease.token, now.toISOString()],
    );
    return result.rowCount === 1 ? { ...lease, expiresAt } : null;
  }

  async releaseLease(lease: WorkLease, on: Queryable = this.pool): Promise<void> {
    await on.query("UPDATE leases SET owner = NULL WHERE key = $1 AND owner = $2 AND token = $3", [lease.key, lease.owner, lease.token]);
  }

  /** A run that read an older generation leaves the item (new work came in) but clears its failure. */
  async completeWork(lease: WorkLease, generation: number, now: Date): Promise<boolean> {
    return this.transaction(async (client) => {
      if (!(await holds(client, lease, now))) return false;
      const deleted = await client.query("DELETE FROM work WHERE key = $1 AND generation = $2", [lease.key, generation]);
      if (deleted.rowCount === 0) await client.query("UPDATE work SET attempts = 0, last_error = NULL WHERE key = $1", [lease.key]);
      await this.releaseLease(lease, client);
      return true;
    });
  }

  /** An item completed meanwhile (or never queued) is left alone. */
  async failWork(lease: WorkLease, error: string, notBefore: Date, now: Date): Promise<boolean> {
    return this.transaction(async (client) => {
      if (!(await holds(client, lease, now))) return false;
      await client.query("UPDATE work SET attempts = attempts + 1, last_error = $2, not_before = $3 WHERE key = $1", [
        lease.key,
        error,
        notBefore.toISOString(),
      ]);
      await this.releaseLease(lease, client);
      return true;
    });
  }

  async listWork(): Promise<WorkItem[]> {
    const rows = await this.rows<WorkRowDb>(`${WORK_WITH_LEASE} ORDER BY w.not_before, w.enqueued_seq`, [this.now().toISOString()]);
    return rows.map(workFromRow);
  }

  // ---- Effects refused for good

  async recordFailedEffect(input: Omit<FailedEffect, "firstFailedAt" | "lastFailedAt" | "reported"> & { at: Date }): Promise<boolean> {
    requireKey("lead id", input.leadId);
    requireKey("effect", input.effect);
    const [row] = await this.rows<{ inserted: boolean }>(
      `INSERT INTO failed_effects (lead_id, effect, what, why, fix, status, first_failed_at, last_failed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
       ON CONFLICT (lead_id, effect) DO UPDATE SET what = excluded.what, why = excluded.why, fix = excluded.fix,
         status = excluded.status, last_failed_at = excluded.last_failed_at
       RETURNING (xmax = 0) AS inserted`,
      [input.leadId, input.effect, input.what, input.why, input.fix, input.status, input.at.toISOString()],
    );
    return row!.inserted;
  }

  async markFailedEffectReported(leadId: string, effect: string): Promise<boolean> {
    const result = await this.pool.query(
      "UPDATE failed_effects SET reported = true WHERE lead_id = $1 AND effect = $2 AND NOT reported",
      [leadId, effect],
    );
    return result.rowCount === 1;
  }

  async clearFailedEffect(leadId: string, effect: string): Promise<void> {
    await this.pool.query("DELETE FROM failed_effects WHERE lead_id = $1 AND effect = $2", [leadId, effect]);
  }

  async listFailedEffects(leadId?: string): Promise<FailedEffect[]> {
    const rows =
      leadId === undefined
        ? await this.rows<FailedEffectRowDb>("SELECT * FROM failed_effects ORDER BY first_failed_at, lead_id, effect")
        : await this.rows<FailedEffectRowDb>("SELECT * FROM failed_effects WHERE lead_id = $1 ORDER BY first_failed_at, effect", [leadId]);
    return rows.map((r) => ({
      leadId: r.lead_id,
      effect: r.effect,
      what: r.what,
      why: r.why,
      fix: r.fix,
      status: r.status,
      firstFailedAt: r.first_failed_at,
      lastFailedAt: r.last_failed_at,
      reported: r.reported === true,
    }));
  }

  // ---- Action log

  async appendLeadLog(entries: readonly LeadLogEntry[]): Promise<void> {
    const valid = entries.map(validateLeadLogEntry);
    if (valid.length === 0) return;
    // One statement: all lines or none.
    const params: unknown[] = [];
    const tuples = valid.map((e) => {
      params.push(e.leadId, e.at, e.kind, e.what, e.trigger, e.status);
      const n = params.length;
      return `($${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
    });
    await this.pool.query(`INSERT INTO lead_actions (lead_id, at, kind, what, trigger, status) VALUES ${tuples.join(", ")}`, params);
  }

  async listLeadLog(leadId: string, options: { kind?: LeadLogEntry["kind"]; limit?: number } = {}): Promise<LeadLogEntry[]> {
    const limit = Math.max(1, Math.min(options.limit ?? 200, 10_000));
    const rows =
      options.kind === undefined
        ? await this.rows<LeadLogRowDb>("SELECT * FROM lead_actions WHERE lead_id = $1 ORDER BY seq DESC LIMIT $2", [leadId, limit])
        : await this.rows<LeadLogRowDb>("SELECT * FROM lead_actions WHERE lead_id = $1 AND kind = $2 ORDER BY seq DESC LIMIT $3", [
            leadId,
            options.kind,
            limit,
          ]);
    return rows.map(leadLogFromRow);
  }

  async listLatestStatusEntries(): Promise<LeadLogEntry[]> {
    const rows = await this.rows<LeadLogRowDb>(
      "SELECT DISTINCT ON (lead_id) * FROM lead_actions WHERE kind = 'status' ORDER BY lead_id, seq DESC",
    );
    return rows.map(leadLogFromRow);
  }

  // ---- Delivery confirmations

  /** A second confirmation of the same lead and month replaces the first. */
  async recordDeliveryConfirmation(confirmation: DeliveryConfirmation): Promise<void> {
    const valid = validateDeliveryConfirmation(confirmation);
    await this.pool.query(
      `INSERT INTO delivery_confirmations (lead_id, month, confirmed_by, confirmed_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (lead_id, month) DO UPDATE SET confirmed_by = excluded.confirmed_by, confirmed_at = excluded.confirmed_at`,
      [valid.leadId, valid.month, valid.confirmedBy, valid.confirmedAt],
    );
  }

  async listDeliveryConfirmations(month: CalendarMonth): Promise<DeliveryConfirmation[]> {
    type Row = { lead_id: string; month: string; confirmed_by: string; confirmed_at: string };
    const rows = await this.rows<Row>("SELECT * FROM delivery_confirmations WHERE month = $1 ORDER BY lead_id", [month]);
    return rows.map((r) => ({ leadId: r.lead_id, month: r.month, confirmedBy: r.confirmed_by, confirmedAt: r.confirmed_at }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end();
  }
}

/**
 * Grants `key`'s lease to `owner` unless another holds it live: one statement, so two
 * replicas granting at once cannot both win. The token grows with every grant.
 */
async function grantLease(on: Queryable, key: string, owner: string, now: Date, leaseMs: number): Promise<WorkLease | null> {
  const expiresAt = new Date(now.getTime() + leaseMs).toISOString();
  const { rows } = await on.query<{ token: number }>(
    `INSERT INTO leases (key, owner, token, expires_at) VALUES ($1, $2, 1, $3)
     ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, token = leases.token + 1, expires_at = excluded.expires_at
       WHERE leases.owner IS NULL OR leases.expires_at <= $4
     RETURNING token`,
    [key, owner, expiresAt, now.toISOString()],
  );
  return rows[0] ? { key, owner, token: rows[0].token, expiresAt } : null;
}

/** Locks the lease row for the rest of the transaction and says whether `lease` is live and current. */
async function holds(client: PoolClient, lease: WorkLease, now: Date): Promise<boolean> {
  const { rows } = await client.query<{ owner: string | null; token: number; expires_at: string }>(
    "SELECT owner, token, expires_at FROM leases WHERE key = $1 FOR UPDATE",
    [lease.key],
  );
  const row = rows[0];
  return !!row && row.owner === lease.owner && row.token === lease.token && Date.parse(row.expires_at) > now.getTime();
}

async function lockNames(client: PoolClient): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock($1)", [NAME_LOCK]);
}

function insertSql(table: "leads" | "hubs", values: Record<string, SqlValue>): [string, unknown[]] {
  const columns = Object.keys(values);
  const placeholders = columns.map((c, i) => (c === "github_handles" ? `$${i + 1}::jsonb` : `$${i + 1}`));
  return [`INSERT INTO ${table} (${columns.join(", ")}) VALUES (${placeholders.join(", ")}) RETURNING *`, Object.values(values)];
}

function updateSql(table: "leads" | "hubs", values: Record<string, SqlValue>, id: number): [string, unknown[]] {
  const columns = Object.keys(values);
  const sets = columns.map((c, i) => `${c} = $${i + 1}${c === "github_handles" ? "::jsonb" : ""}`);
  return [
    `UPDATE ${table} SET ${sets.join(", ")}, updated_at = now() WHERE id = $${columns.length + 1} RETURNING *`,
    [...Object.values(values), id],
  ];
}

/** The name checks run before each write; this covers a write by another replica racing past them. */
async function uniqueOr<T>(duplicate: DuplicateRecordError, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if ((error as { code?: string }).code === "23505") throw duplicate;
    throw error;
  }
}

/** A request in flight longer than this belonged to a process that died: its slot is freed. */
const STALE_IN_FLIGHT_MS = 120_000;

/**
 * The AirTable rate window in PostgreSQL, so every replica shares one 5 requests/s per base
 * when Redis is not used. An acquire is one transaction under the bucket's advisory lock.
 * The clock is epoch milliseconds on purpose: it must run, and be the same on every replica.
 */
export class PostgresRequestWindow implements SharedRequestWindow {
  constructor(
    private readonly pool: pg.Pool,
    readonly nowMs: () => number = Date.now,
  ) {}

  async tryAcquire(bucket: string, limit: number, windowMs: number): Promise<{ slot: number } | { waitMs: number }> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`hub-sales request window ${bucket}`]);
      const now = this.nowMs();
      await client.query(
        "DELETE FROM request_slots WHERE bucket = $1 AND (finished_ms <= $2 OR (finished_ms IS NULL AND started_ms <= $3))",
        [bucket, now - windowMs, now - STALE_IN_FLIGHT_MS],
      );
      const { rows } = await client.query<{ n: number; oldest: number | null }>(
        "SELECT count(*)::int AS n, min(finished_ms) AS oldest FROM request_slots WHERE bucket = $1",
        [bucket],
      );
      const held = rows[0]!;
      let outcome: { slot: number } | { waitMs: number };
      if (held.n < limit) {
        const inserted = await client.query<{ id: number }>("INSERT INTO request_slots (bucket, started_ms) VALUES ($1, $2) RETURNING id", [
          bucket,
          now,
        ]);
        outcome = { slot: inserted.rows[0]!.id };
      } else {
        // All in flight: poll soon; else when the oldest answered one leaves the window.
        outcome = { waitMs: held.oldest === null ? 10 : Math.max(1, held.oldest + windowMs - now + 1) };
      }
      await client.query("COMMIT");
      return outcome;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async release(slot: number): Promise<void> {
    await this.pool.query("UPDATE request_slots SET finished_ms = $1 WHERE id = $2", [this.nowMs(), slot]);
  }

  async pauseUntil(bucket: string, untilMs: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO request_pauses (bucket, until_ms) VALUES ($1, $2)
       ON CONFLICT (bucket) DO UPDATE SET until_ms = greatest(request_pauses.until_ms, excluded.until_ms)`,
      [bucket, untilMs],
    );
  }

  async pausedUntil(bucket: string): Promise<number> {
    const { rows } = await this.pool.query<{ until_ms: number }>("SELECT until_ms FROM request_pauses WHERE bucket = $1", [bucket]);
    return rows[0]?.until_ms ?? 0;
  }
}
