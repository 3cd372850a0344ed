import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3, { type Database, type Statement } from "better-sqlite3";
import type { CalendarMonth } from "../domain/calendar-date.js";
import {
  MANIAC_T_KEYS,
  emptyManiacT,
  newLeadFields, type CloudCost, type Hub, type HubFields, type Lead, type LeadFields,
} from "../domain/records.js";
import type { LeadStatus } from "../pipeline/lead-status.js";
import {
  DuplicateRecordError,
  RecordNotFoundError,
  type DeliveryConfirmation,
  type LeadLogEntry,
  type AppStateStore,
  type LeadStore,
  type ListLeadsOptions,
  type RecordStore,
  type ClaimedWork,
  type FailedEffect,
  type UpsertLeadsOptions,
  type UpsertResult,
  type WorkItem,
  type WorkLease,
} from "./lead-store.js";
import { migrate } from "./sqlite-migrations.js";
import { SqliteGroupCommit } from "./sqlite-group-commit.js";
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
} from "./sql-rows.js";
import {
  InvalidRecordError,
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
} from "./record-validation.js";

/** The store's methods without their Promise: what runs inside `SqliteLeadStore.transaction`. */
export type SyncLeadStore = {
  [K in Exclude<keyof LeadStore, "kind" | "stateKind" | "close" | "sendHeldWrites">]: LeadStore[K] extends (...args: infer A) => Promise<infer R>
    ? (...args: A) => R
    : never;
};

/**
 * How long a writer waits for another process's lock (the CLI next to the server) before failing.
 * Every transaction here is IMMEDIATE: a deferred one that reads and then writes fails at once
 * with "database is locked" when another process wrote in between, without waiting at all.
 */
const BUSY_TIMEOUT_MS = 5000;
/**
 * WAL pages written before a commit copies them into the database file (SQLite's default is
 * 1,000). A checkpoint stalls the process on two fsyncs; with the queue's rows and the
 * deliveries' index rewritten by every burst of webhooks, most of a longer stretch is the same
 * few pages, copied once. At most about 40 MB of WAL.
 */
const WAL_CHECKPOINT_PAGES = 10_000;
interface LeaseRowDb {
  key: string;
  owner: string | null;
  token: number;
  expires_at: string;
}

/** Work rows with their live lease (if any) at `@now`. */
const WORK_WITH_LEASE = `
  SELECT w.*, CASE WHEN l.owner IS NOT NULL AND l.expires_at > @now THEN l.owner END AS lease_owner,
         CASE WHEN l.owner IS NOT NULL AND l.expires_at > @now THEN l.expires_at END AS lease_expires_at
  FROM work w LEFT JOIN leases l ON l.key = w.key`;

/**
 * The embedded store (SPEC §7: `HUB_SALES_DB`, default `data/hub-sales.db`) on
 * better-sqlite3: both halves, the records and the app's state, in one file (with the
 * AirTable store, only the state half is used). Calls are synchronous underneath; the
 * methods return Promises only so every backend fits the same interfaces.
 */
export class SqliteLeadStore implements RecordStore, AppStateStore, LeadStore {
  readonly kind = "sqlite" as const;
  readonly stateKind = "sqlite" as const;
  /** The same operations without Promises, for use inside `transaction`. */
  readonly sync: SyncLeadStore;
  private readonly operations: SqliteOperations;
  /**
   * Webhooks answered together, claims and runs finishing together share a commit. (Plain
   * private fields, not `#`: tests wrap the store in a Proxy.)
   */
  private readonly groupCommit: SqliteGroupCommit;

  private constructor(
    readonly db: Database,
    /** The clock new work is stamped with: the caller's, so a pinned or moved date holds everywhere. */
    now: () => Date,
  ) {
    this.operations = new SqliteOperations(db, now);
    this.sync = this.operations;
    this.groupCommit = new SqliteGroupCommit(db);
  }

  /** A write in the next group commit: the group's transaction (or its savepoint) makes one of its own needless. */
  private grouped<T>(write: () => T): Promise<T> {
    return this.groupCommit.run(() => this.operations.withinSavepoint(write));
  }

  /** Opens (creating it and its folder if needed) and migrates the database; `":memory:"` for a throwaway one. */
  static open(path: string, options: { now?: () => Date } = {}): SqliteLeadStore {
    if (path !== ":memory:" && !path.startsWith("file:")) mkdirSync(dirname(path), { recursive: true });
    const db = new BetterSqlite3(path);
    try {
      // WAL lets the CLI read while the server writes; busy_timeout makes a writer wait for the lock.
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.pragma("foreign_keys = ON");
      db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteLeadStore(db, options.now ?? (() => new Date()));
  }

  /**
   * Runs `fn` in one transaction: everything it writes through `tx` is kept, or nothing is
   * when it throws. Synchronous by design: an `await` inside would let other work interleave.
   * Nested calls (the upserts inside) become savepoints.
   */
  transaction<T>(fn: (tx: SyncLeadStore) => T): T {
    return this.db.transaction(() => {
      const result = fn(this.sync);
      if (result instanceof Promise) {
        throw new TypeError("SqliteLeadStore.transaction takes a synchronous function; use `tx`, not the async methods");
      }
      return result;
    }).immediate();
  }

  async listLeads(options?: ListLeadsOptions): Promise<Lead[]> {
    const leads = this.sync.listLeads(options);
    await options?.onPage?.(leads);
    return leads;
  }
  async getLead(id: string): Promise<Lead | null> {
    return this.sync.getLead(id);
  }
  async findLeadByName(name: string): Promise<Lead | null> {
    return this.sync.findLeadByName(name);
  }
  async createLead(fields: LeadFields): Promise<Lead> {
    return this.sync.createLead(fields);
  }
  async updateLead(id: string, patch: Partial<LeadFields>): Promise<Lead> {
    return this.sync.updateLead(id, patch);
  }
  /** Every write goes at once: nothing is held. */
  sendHeldWrites(): void {}
  /** `reuseListing` is not needed: names are matched inside the transaction. */
  async upsertLeadsByName(rows: readonly LeadFields[], options: UpsertLeadsOptions = {}): Promise<UpsertResult> {
    const result = this.sync.upsertLeadsByName(rows);
    if (options.onWritten) {
      const written = rows.map((row) => this.sync.findLeadByName(row.name)).filter((l): l is Lead => l !== null);
      options.onWritten(written.map((l) => ({ id: l.id, name: l.name })));
    }
    return result;
  }
  async listHubs(): Promise<Hub[]> {
    return this.sync.listHubs();
  }
  async findHubByName(hub: string): Promise<Hub | null> {
    return this.sync.findHubByName(hub);
  }
  async createHub(fields: HubFields): Promise<Hub> {
    return this.sync.createHub(fields);
  }
  async updateHub(id: string, patch: Partial<HubFields>): Promise<Hub> {
    return this.sync.updateHub(id, patch);
  }
  async upsertHubsByName(rows: readonly HubFields[]): Promise<UpsertResult> {
    return this.sync.upsertHubsByName(rows);
  }
  async listCloudCosts(filter?: { month?: CalendarMonth }): Promise<CloudCost[]> {
    return this.sync.listCloudCosts(filter);
  }
  async upsertCloudCosts(rows: readonly CloudCost[]): Promise<UpsertResult> {
    return this.sync.upsertCloudCosts(rows);
  }
  recordDelivery(deliveryId: string, event: string): Promise<boolean> {
    return this.grouped(() => this.sync.recordDelivery(deliveryId, event));
  }
  recordDeliveryWithWork(deliveryId: string, event: string, work: { key: string; reason: string }): Promise<number | null> {
    return this.grouped(() => this.sync.recordDeliveryWithWork(deliveryId, event, work));
  }
  async forgetDelivery(deliveryId: string): Promise<void> {
    this.sync.forgetDelivery(deliveryId);
  }
  pruneDeliveries(receivedBefore: Date): Promise<number> {
    return this.grouped(() => this.sync.pruneDeliveries(receivedBefore));
  }
  async getState<T = unknown>(key: string): Promise<T | null> {
    return this.sync.getState(key) as T | null;
  }
  async setState(key: string, value: unknown): Promise<void> {
    this.sync.setState(key, value);
  }
  async claimState(key: string, value: unknown): Promise<boolean> {
    return this.sync.claimState(key, value);
  }
  async deleteState(key: string): Promise<void> {
    this.sync.deleteState(key);
  }
  async enqueueWork(key: string, reason: string): Promise<void> {
    this.sync.enqueueWork(key, reason);
  }
  async listDueWork(now: Date, limit?: number): Promise<WorkItem[]> {
    return this.sync.listDueWork(now, limit);
  }
  async claimWork(input: { owner: string; now: Date; leaseMs: number; limit: number; prefix?: string }): Promise<ClaimedWork[]> {
    requireKey("lease owner", input.owner);
    // A read needs no lock (WAL): most polls find nothing and so take no write lock at all.
    if (!this.operations.hasClaimableWork(input)) return [];
    return this.grouped(() => this.sync.claimWork(input));
  }
  async acquireLease(input: { key: string; owner: string; now: Date; leaseMs: number }): Promise<WorkLease | null> {
    return this.sync.acquireLease(input);
  }
  async renewLease(lease: WorkLease, now: Date, leaseMs: number): Promise<WorkLease | null> {
    return this.sync.renewLease(lease, now, leaseMs);
  }
  async releaseLease(lease: WorkLease): Promise<void> {
    this.sync.releaseLease(lease);
  }
  completeWork(lease: WorkLease, generation: number, now: Date): Promise<boolean> {
    return this.grouped(() => this.sync.completeWork(lease, generation, now));
  }
  async failWork(lease: WorkLease, error: string, notBefore: Date, now: Date): Promise<boolean> {
    return this.sync.failWork(lease, error, notBefore, now);
  }
  async listWork(): Promise<WorkItem[]> {
    return this.sync.listWork();
  }
  async recordFailedEffect(
    input: Omit<FailedEffect, "firstFailedAt" | "lastFailedAt" | "reported"> & { at: Date },
  ): Promise<boolean> {
    return this.sync.recordFailedEffect(input);
  }
  async markFailedEffectReported(leadId: string, effect: string): Promise<boolean> {
    return this.sync.markFailedEffectReported(leadId, effect);
  }
  async clearFailedEffect(leadId: string, effect: string): Promise<void> {
    this.sync.clearFailedEffect(leadId, effect);
  }
  async listFailedEffects(leadId?: string): Promise<FailedEffect[]> {
    return this.sync.listFailedEffects(leadId);
  }
  async appendLeadLog(entries: readonly LeadLogEntry[]): Promise<void> {
    this.sync.appendLeadLog(entries);
  }
  async listLeadLog(leadId: string, options?: { kind?: LeadLogEntry["kind"]; limit?: number }): Promise<LeadLogEntry[]> {
    return this.sync.listLeadLog(leadId, options);
  }
  async listLatestStatusEntries(): Promise<LeadLogEntry[]> {
    return this.sync.listLatestStatusEntries();
  }
  async recordDeliveryConfirmation(confirmation: DeliveryConfirmation): Promise<void> {
    this.sync.recordDeliveryConfirmation(confirmation);
  }
  async listDeliveryConfirmations(month: CalendarMonth): Promise<DeliveryConfirmation[]> {
    return this.sync.listDeliveryConfirmations(month);
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.groupCommit.flush();
    this.db.close();
  }
}

/** The synchronous implementation behind `SqliteLeadStore`. */
class SqliteOperations implements SyncLeadStore {
  /** Prepared once per SQL text: preparing on every call was a large share of a webhook's cost. */
  readonly #statements = new Map<string, Statement>();
  /**
   * One IMMEDIATE transaction function for every body: creating one with `db.transaction`
   * costs about as much as the small write it wraps. Nested, it is a savepoint.
   */
  readonly #immediate: (body: () => unknown) => unknown;
  /** Set while a caller's savepoint already makes the write all-or-nothing (a group commit's). */
  #inSavepoint = false;

  constructor(
    private readonly db: Database,
    private readonly now: () => Date,
  ) {
    this.#immediate = db.transaction((body: () => unknown) => body()).immediate;
  }

  private immediate<T>(body: () => T): T {
    return this.#inSavepoint ? body() : (this.#immediate(body) as T);
  }

  /** Runs `body`, which its caller has wrapped in a savepoint, without savepoints of its own. */
  withinSavepoint<T>(body: () => T): T {
    const outer = this.#inSavepoint;
    this.#inSavepoint = true;
    try {
      return body();
    } finally {
      this.#inSavepoint = outer;
    }
  }

  private prepare<P extends unknown[] | object = unknown[], R = unknown>(sql: string): Statement<P extends unknown[] ? P : [P], R> {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement as unknown as Statement<P extends unknown[] ? P : [P], R>;
  }

  // ---- Leads

  listLeads(filter?: { statuses?: readonly LeadStatus[] }): Lead[] {
    const statuses = filter?.statuses;
    if (statuses === undefined) {
      return this.prepare<[], LeadRowDb>("SELECT * FROM leads ORDER BY name, id").all().map(leadFromRow);
    }
    if (statuses.length === 0) return [];
    const rows = this.prepare<[string], LeadRowDb>(
      "SELECT * FROM leads WHERE status IN (SELECT value FROM json_each(?)) ORDER BY name, id",
    ).all(JSON.stringify([...new Set(statuses)]));
    return rows.map(leadFromRow);
  }

  getLead(id: string): Lead | null {
    const rowId = parseId(LEAD_ID, id);
    if (rowId === null) return null;
    const row = this.prepare<[number], LeadRowDb>("SELECT * FROM leads WHERE id = ?").get(rowId);
    return row ? leadFromRow(row) : null;
  }

  findLeadByName(name: string): Lead | null {
    const row = this.prepare<[string], LeadRowDb>("SELECT * FROM leads WHERE name = ?").get(name.trim());
    return row ? leadFromRow(row) : null;
  }

  createLead(fields: LeadFields): Lead {
    return this.insertLead(validateLeadRow(fields));
  }

  updateLead(id: string, patch: Partial<LeadFields>): Lead {
    const valid = validateLeadPatch(patch);
    return this.immediate(() => {
      const current = this.getLead(id);
      if (!current) throw new RecordNotFoundError("Leads", id);
      return this.writeLeadPatch(current, valid);
    });
  }

  upsertLeadsByName(rows: readonly LeadFields[]): UpsertResult {
    const valid = validateLeadBatch(rows);
    return this.immediate(() => {
      const result: UpsertResult = { created: 0, updated: 0 };
      for (const row of valid) {
        const current = this.findLeadByName(row.name);
        if (current) {
          this.writeLeadPatch(current, row);
          result.updated += 1;
        } else {
          this.insertLead(row);
          result.created += 1;
        }
      }
      return result;
    });
  }

  private insertLead(row: LeadRow): Lead {
    const fields = newLeadFields(row.name, row.status, { ...row, maniacT: { ...emptyManiacT(), ...row.maniacT } });
    if (this.findLeadByName(fields.name)) throw new DuplicateRecordError("Leads", fields.name);
    const values = leadColumns(fields);
    const columns = Object.keys(values);
    const info = uniqueOr(new DuplicateRecordError("Leads", fields.name), () =>
      this.db
        .prepare(`INSERT INTO leads (${columns.join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")})`)
        .run(values),
    );
    return this.getLead(`lead-${info.lastInsertRowid}`)!;
  }

  /** Writes only the keys the patch gives; `maniacT` merges key by key. */
  private writeLeadPatch(current: Lead, patch: LeadPatch): Lead {
    if (patch.name !== undefined && patch.name.toLowerCase() !== current.name.toLowerCase()) {
      const other = this.findLeadByName(patch.name);
      if (other && other.id !== current.id) throw new DuplicateRecordError("Leads", patch.name);
    }
    const values = leadColumns(patch);
    const columns = Object.keys(values);
    if (columns.length > 0) {
      uniqueOr(new DuplicateRecordError("Leads", patch.name ?? ""), () =>
        this.db
          .prepare(
            `UPDATE leads SET ${columns.map((c) => `${c} = @${c}`).join(", ")}, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = @id`,
          )
          .run({ ...values, id: parseId(LEAD_ID, current.id) }),
      );
    }
    return this.getLead(current.id)!;
  }

  // ---- Active Hubs

  listHubs(): Hub[] {
    return this.prepare<[], HubRowDb>("SELECT * FROM hubs ORDER BY hub, id").all().map(hubFromRow);
  }

  findHubByName(hub: string): Hub | null {
    const row = this.prepare<[string], HubRowDb>("SELECT * FROM hubs WHERE hub = ?").get(hub.trim());
    return row ? hubFromRow(row) : null;
  }

  private getHub(id: string): Hub | null {
    const rowId = parseId(HUB_ID, id);
    if (rowId === null) return null;
    const row = this.prepare<[number], HubRowDb>("SELECT * FROM hubs WHERE id = ?").get(rowId);
    return row ? hubFromRow(row) : null;
  }

  createHub(fields: HubFields): Hub {
    const row = validateHubRow(fields);
    return this.immediate(() => this.insertHub(row));
  }

  updateHub(id: string, patch: Partial<HubFields>): Hub {
    const valid = validateHubPatch(patch);
    return this.immediate(() => {
      const current = this.getHub(id);
      if (!current) throw new RecordNotFoundError("Active Hubs", id);
      return this.writeHubPatch(current, valid);
    });
  }

  upsertHubsByName(rows: readonly HubFields[]): UpsertResult {
    const valid = validateHubBatch(rows);
    return this.immediate(() => {
      const result: UpsertResult = { created: 0, updated: 0 };
      for (const row of valid) {
        const current = this.findHubByName(row.hub);
        if (current) {
          this.writeHubPatch(current, row);
          result.updated += 1;
        } else {
          this.insertHub(row);
          result.created += 1;
        }
      }
      return result;
    });
  }

  private insertHub(row: HubRow): Hub {
    if (this.findHubByName(row.hub)) throw new DuplicateRecordError("Active Hubs", row.hub);
    const values = this.hubColumns({ communityLeadId: null, url: null, deploymentIssue: null, liveSince: null, cloudProject: null, ...row });
    const columns = Object.keys(values);
    const info = uniqueOr(new DuplicateRecordError("Active Hubs", row.hub), () =>
      this.db
        .prepare(`INSERT INTO hubs (${columns.join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")})`)
        .run(values),
    );
    return this.getHub(`hub-${info.lastInsertRowid}`)!;
  }

  private writeHubPatch(current: Hub, patch: Partial<HubFields>): Hub {
    if (patch.hub !== undefined && patch.hub.toLowerCase() !== current.hub.toLowerCase()) {
      const other = this.findHubByName(patch.hub);
      if (other && other.id !== current.id) throw new DuplicateRecordError("Active Hubs", patch.hub);
    }
    const values = this.hubColumns(patch);
    const columns = Object.keys(values);
    if (columns.length > 0) {
      uniqueOr(new DuplicateRecordError("Active Hubs", patch.hub ?? ""), () =>
        this.db
          .prepare(
            `UPDATE hubs SET ${columns.map((c) => `${c} = @${c}`).join(", ")}, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = @id`,
          )
          .run({ ...values, id: parseId(HUB_ID, current.id) }),
      );
    }
    return this.getHub(current.id)!;
  }

  /** Hub fields → columns; a community link must name an existing lead. */
  private hubColumns(fields: Partial<HubFields>): Record<string, SqlValue> {
    const values: Record<string, SqlValue> = {};
    for (const [key, column] of Object.entries(HUB_COLUMNS) as [keyof HubFields, string][]) {
      const value = fields[key];
      if (value === undefined) continue;
      if (key === "communityLeadId" && value !== null) {
        const leadId = parseId(LEAD_ID, value);
        const exists = leadId !== null && this.prepare("SELECT 1 FROM leads WHERE id = ?").get(leadId) !== undefined;
        if (!exists) throw new RecordNotFoundError("Leads", value);
        values[column] = leadId;
      } else {
        values[column] = value;
      }
    }
    return values;
  }

  // ---- Cloud costs

  listCloudCosts(filter?: { month?: CalendarMonth }): CloudCost[] {
    type Row = { month: string; hub: string; amount_cents: number; currency: string; label: string | null };
    const rows =
      filter?.month === undefined
        ? this.prepare<[], Row>("SELECT * FROM cloud_costs ORDER BY month, hub").all()
        : this.prepare<[string], Row>("SELECT * FROM cloud_costs WHERE month = ? ORDER BY hub").all(filter.month);
    // `label` only when the export gave one, so records of the long and wide forms keep their shape.
    return rows.map((r) => ({ month: r.month, hub: r.hub, amount: r.amount_cents, currency: r.currency, ...(r.label === null ? {} : { label: r.label }) }));
  }

  upsertCloudCosts(rows: readonly CloudCost[]): UpsertResult {
    const valid = validateCloudCostBatch(rows);
    const exists = this.prepare<[string, string]>("SELECT 1 FROM cloud_costs WHERE month = ? AND hub = ?");
    const write = this.prepare(
      `INSERT INTO cloud_costs (month, hub, amount_cents, currency, label) VALUES (@month, @hub, @amount, @currency, @label)
       ON CONFLICT (month, hub) DO UPDATE SET hub = excluded.hub, amount_cents = excluded.amount_cents,
         currency = excluded.currency, label = excluded.label, imported_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
    );
    return this.immediate(() => {
      const result: UpsertResult = { created: 0, updated: 0 };
      for (const row of valid) {
        if (exists.get(row.month, row.hub) !== undefined) result.updated += 1;
        else result.created += 1;
        write.run({ ...row, label: row.label ?? null });
      }
      return result;
    });
  }

  // ---- Bookkeeping

  recordDelivery(deliveryId: string, event: string): boolean {
    requireKey("delivery id", deliveryId);
    // Stamped by the injected clock (not the database's), which `pruneDeliveries` compares with.
    const info = this.prepare("INSERT OR IGNORE INTO deliveries (id, event, received_at) VALUES (?, ?, ?)").run(deliveryId, event, this.now().toISOString());
    return info.changes === 1;
  }

  recordDeliveryWithWork(deliveryId: string, event: string, work: { key: string; reason: string }): number | null {
    requireKey("work key", work.key);
    return this.immediate(() => (this.recordDelivery(deliveryId, event) ? this.enqueueWorkGeneration(work.key, work.reason) : null));
  }

  forgetDelivery(deliveryId: string): void {
    this.prepare("DELETE FROM deliveries WHERE id = ?").run(deliveryId);
  }

  pruneDeliveries(receivedBefore: Date): number {
    return this.prepare("DELETE FROM deliveries WHERE received_at < ?").run(receivedBefore.toISOString()).changes;
  }

  getState(key: string): unknown {
    const row = this.prepare<[string], { value: string }>("SELECT value FROM state WHERE key = ?").get(key);
    return row ? (JSON.parse(row.value) as unknown) : null;
  }

  setState(key: string, value: unknown): void {
    requireKey("state key", key);
    this.prepare(
      `INSERT INTO state (key, value) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
    ).run(key, toJson(key, value));
  }

  claimState(key: string, value: unknown): boolean {
    requireKey("state key", key);
    const info = this.prepare("INSERT OR IGNORE INTO state (key, value) VALUES (?, ?)").run(key, toJson(key, value));
    return info.changes === 1;
  }

  deleteState(key: string): void {
    this.prepare("DELETE FROM state WHERE key = ?").run(key);
  }

  // ---- Work queue

  /**
   * New work is due now, even on a key that is backing off: like a Kubernetes work queue,
   * a fresh trigger may carry what fixes the failure. Attempts are kept for the dashboard.
   */
  enqueueWork(key: string, reason: string): void {
    this.enqueueWorkGeneration(key, reason);
  }

  /** `enqueueWork`, answering the item's generation after the write. */
  private enqueueWorkGeneration(key: string, reason: string): number {
    requireKey("work key", key);
    const now = this.now().toISOString();
    return this.immediate(() => {
      const current = this.prepare<[string], Pick<WorkRowDb, "reason" | "generation">>(
        "SELECT reason, generation FROM work WHERE key = ?",
      ).get(key);
      if (!current) {
        this.prepare(
          // enqueued_seq is the rowid: SQLite numbers the row after the largest.
          "INSERT INTO work (key, reason, attempts, generation, not_before) VALUES (?, ?, 0, 1, ?)",
        ).run(key, reason, now);
        return 1;
      }
      this.prepare("UPDATE work SET reason = ?, generation = generation + 1, not_before = min(not_before, ?) WHERE key = ?").run(
        mergeReasons(current.reason, reason),
        now,
        key,
      );
      return current.generation + 1;
    });
  }

  listDueWork(now: Date, limit = 100): WorkItem[] {
    return this.prepare<{ now: string; limit: number }, WorkRowDb>(
      `${WORK_WITH_LEASE} WHERE w.not_before <= @now AND (l.owner IS NULL OR l.expires_at <= @now)
       ORDER BY w.not_before, w.enqueued_seq LIMIT @limit`,
    ).all({ now: now.toISOString(), limit })
      .map(workFromRow);
  }

  /**
   * One IMMEDIATE transaction takes the write lock before reading, so two processes
   * claiming at once are serialised by SQLite and never both get a key.
   */
  claimWork(input: { owner: string; now: Date; leaseMs: number; limit: number; prefix?: string }): ClaimedWork[] {
    requireKey("lease owner", input.owner);
    return this.immediate(() => {
      // Only free or expired leases are taken: an owner still recorded is one whose lease lapsed.
      const rows = this.prepare<{ now: string; limit: number; prefix: string }, WorkRowDb & { lapsed_owner: string | null }>(
        `SELECT w.*, l.owner AS lapsed_owner FROM work w LEFT JOIN leases l ON l.key = w.key
         WHERE w.not_before <= @now AND (l.owner IS NULL OR l.expires_at <= @now) AND substr(w.key, 1, length(@prefix)) = @prefix
         ORDER BY w.not_before, w.enqueued_seq LIMIT @limit`,
      ).all({ now: input.now.toISOString(), limit: input.limit, prefix: input.prefix ?? "" });
      return rows.map((row) => {
        const expiredOwner = row.lapsed_owner;
        const lease = this.grantLease(row.key, input.owner, input.now, input.leaseMs);
        const item = { ...workFromRow(row), leaseOwner: lease.owner, leaseExpiresAt: lease.expiresAt };
        return expiredOwner ? { item, lease, takenOverFrom: expiredOwner } : { item, lease };
      });
    });
  }

  /**
   * Whether `claimWork` would find anything now: a read only (stale by the time of a claim,
   * which looks again under the lock), without the claim's ordering, so it stops at the first.
   */
  hasClaimableWork(input: { now: Date; prefix?: string }): boolean {
    return (
      this.prepare<{ now: string; prefix: string }>(
        `SELECT 1 FROM work w LEFT JOIN leases l ON l.key = w.key
         WHERE w.not_before <= @now AND (l.owner IS NULL OR l.expires_at <= @now) AND substr(w.key, 1, length(@prefix)) = @prefix
         LIMIT 1`,
      ).get({ now: input.now.toISOString(), prefix: input.prefix ?? "" }) !== undefined
    );
  }

  acquireLease(input: { key: string; owner: string; now: Date; leaseMs: number }): WorkLease | null {
    requireKey("work key", input.key);
    requireKey("lease owner", input.owner);
    return this.immediate(() => {
      const current = this.leaseRow(input.key);
      if (current && current.owner !== null && current.expires_at > input.now.toISOString()) return null;
      return this.grantLease(input.key, input.owner, input.now, input.leaseMs);
    });
  }

  renewLease(lease: WorkLease, now: Date, leaseMs: number): WorkLease | null {
    const expiresAt = new Date(now.getTime() + leaseMs).toISOString();
    const info = this.prepare("UPDATE leases SET expires_at = ? WHERE key = ? AND owner = ? AND token = ? AND expires_at > ?")
      .run(expiresAt, lease.key, lease.owner, lease.token, now.toISOString());
    return info.changes === 1 ? { ...lease, expiresAt } : null;
  }

  releaseLease(lease: WorkLease): void {
    this.prepare("UPDATE leases SET owner = NULL WHERE key = ? AND owner = ? AND token = ?").run(lease.key, lease.owner, lease.token);
  }

  /** A run that read an older generation leaves the item (new work came in) but clears its failure. */
  completeWork(lease: WorkLease, generation: number, now: Date): boolean {
    return this.immediate(() => {
      if (!this.releaseHeld(lease, now)) return false;
      const info = this.prepare("DELETE FROM work WHERE key = ? AND generation = ?").run(lease.key, generation);
      if (info.changes === 0) {
        this.prepare("UPDATE work SET attempts = 0, last_error = NULL WHERE key = ? AND (attempts <> 0 OR last_error IS NOT NULL)").run(
          lease.key,
        );
      }
      return true;
    });
  }

  /** An item completed meanwhile (or never queued) is left alone. */
  failWork(lease: WorkLease, error: string, notBefore: Date, now: Date): boolean {
    return this.immediate(() => {
      if (!this.releaseHeld(lease, now)) return false;
      this.prepare("UPDATE work SET attempts = attempts + 1, last_error = ?, not_before = ? WHERE key = ?").run(
        error,
        notBefore.toISOString(),
        lease.key,
      );
      return true;
    });
  }

  listWork(): WorkItem[] {
    return this.prepare<{ now: string }, WorkRowDb>(`${WORK_WITH_LEASE} ORDER BY w.not_before, w.enqueued_seq`)
      .all({ now: this.now().toISOString() })
      .map(workFromRow);
  }

  private leaseRow(key: string): LeaseRowDb | undefined {
    return this.prepare<[string], LeaseRowDb>("SELECT * FROM leases WHERE key = ?").get(key);
  }

  private grantLease(key: string, owner: string, now: Date, leaseMs: number): WorkLease {
    const expiresAt = new Date(now.getTime() + leaseMs).toISOString();
    const { token } = this.prepare<[string, string, string], { token: number }>(
      `INSERT INTO leases (key, owner, token, expires_at) VALUES (?, ?, 1, ?)
       ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, token = leases.token + 1, expires_at = excluded.expires_at
       RETURNING token`,
    ).get(key, owner, expiresAt)!;
    return { key, owner, token, expiresAt };
  }

  /** Releases the lease if it is still live and this holder's (the fence); false, changing nothing, if not. */
  private releaseHeld(lease: WorkLease, now: Date): boolean {
    return (
      this.prepare("UPDATE leases SET owner = NULL WHERE key = ? AND owner = ? AND token = ? AND expires_at > ?").run(
        lease.key,
        lease.owner,
        lease.token,
        now.toISOString(),
      ).changes === 1
    );
  }


  // ---- Effects refused for good

  recordFailedEffect(input: Omit<FailedEffect, "firstFailedAt" | "lastFailedAt" | "reported"> & { at: Date }): boolean {
    requireKey("lead id", input.leadId);
    requireKey("effect", input.effect);
    const at = input.at.toISOString();
    return this.immediate(() => {
      const known = this.prepare("SELECT 1 FROM failed_effects WHERE lead_id = ? AND effect = ?").get(input.leadId, input.effect);
      this.prepare(
        `INSERT INTO failed_effects (lead_id, effect, what, why, fix, status, first_failed_at, last_failed_at)
         VALUES (@leadId, @effect, @what, @why, @fix, @status, @at, @at)
         ON CONFLICT (lead_id, effect) DO UPDATE SET what = excluded.what, why = excluded.why, fix = excluded.fix,
           status = excluded.status, last_failed_at = excluded.last_failed_at`,
      ).run({ leadId: input.leadId, effect: input.effect, what: input.what, why: input.why, fix: input.fix, status: input.status, at });
      return known === undefined;
    });
  }

  markFailedEffectReported(leadId: string, effect: string): boolean {
    const info = this.prepare("UPDATE failed_effects SET reported = 1 WHERE lead_id = ? AND effect = ? AND reported = 0")
      .run(leadId, effect);
    return info.changes === 1;
  }

  clearFailedEffect(leadId: string, effect: string): void {
    this.prepare("DELETE FROM failed_effects WHERE lead_id = ? AND effect = ?").run(leadId, effect);
  }

  listFailedEffects(leadId?: string): FailedEffect[] {
    const rows =
      leadId === undefined
        ? this.prepare<[], FailedEffectRowDb>("SELECT * FROM failed_effects ORDER BY first_failed_at, lead_id, effect").all()
        : this.prepare<[string], FailedEffectRowDb>("SELECT * FROM failed_effects WHERE lead_id = ? ORDER BY first_failed_at, effect")
          .all(leadId);
    return rows.map((r) => ({
      leadId: r.lead_id,
      effect: r.effect,
      what: r.what,
      why: r.why,
      fix: r.fix,
      status: r.status,
      firstFailedAt: r.first_failed_at,
      lastFailedAt: r.last_failed_at,
      reported: r.reported === 1,
    }));
  }

  // ---- Action log

  appendLeadLog(entries: readonly LeadLogEntry[]): void {
    const valid = entries.map(validateLeadLogEntry);
    const insert = this.prepare(
      "INSERT INTO lead_actions (lead_id, at, kind, what, trigger, status) VALUES (@leadId, @at, @kind, @what, @trigger, @status)",
    );
    this.immediate(() => {
      for (const entry of valid) insert.run(entry);
    });
  }

  listLeadLog(leadId: string, options: { kind?: LeadLogEntry["kind"]; limit?: number } = {}): LeadLogEntry[] {
    const limit = Math.max(1, Math.min(options.limit ?? 200, 10_000));
    const rows =
      options.kind === undefined
        ? this.prepare<[string, number], LeadLogRowDb>("SELECT * FROM lead_actions WHERE lead_id = ? ORDER BY seq DESC LIMIT ?")
          .all(leadId, limit)
        : this.prepare<[string, string, number], LeadLogRowDb>(
            "SELECT * FROM lead_actions WHERE lead_id = ? AND kind = ? ORDER BY seq DESC LIMIT ?",
          ).all(leadId, options.kind, limit);
    return rows.map(leadLogFromRow);
  }

  listLatestStatusEntries(): LeadLogEntry[] {
    return this.prepare<[], LeadLogRowDb>(
      `SELECT * FROM lead_actions WHERE seq IN (SELECT max(seq) FROM lead_actions WHERE kind = 'status' GROUP BY lead_id)
       ORDER BY lead_id`,
    ).all()
      .map(leadLogFromRow);
  }

  // ---- Delivery confirmations

  /** A second confirmation of the same lead and month replaces the first. */
  recordDeliveryConfirmation(confirmation: DeliveryConfirmation): void {
    const valid = validateDeliveryConfirmation(confirmation);
    this.prepare(
      `INSERT INTO delivery_confirmations (lead_id, month, confirmed_by, confirmed_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (lead_id, month) DO UPDATE SET confirmed_by = excluded.confirmed_by, confirmed_at = excluded.confirmed_at`,
    ).run(valid.leadId, valid.month, valid.confirmedBy, valid.confirmedAt);
  }

  listDeliveryConfirmations(month: CalendarMonth): DeliveryConfirmation[] {
    type Row = { lead_id: string; month: string; confirmed_by: string; confirmed_at: string };
    return this.prepare<[string], Row>("SELECT * FROM delivery_confirmations WHERE month = ? ORDER BY lead_id")
      .all(month)
      .map((r) => ({ leadId: r.lead_id, month: r.month, confirmedBy: r.confirmed_by, confirmedAt: r.confirmed_at }));
  }
}

/**
 * The name checks run before each write; this covers another process (the CLI beside the
 * server) writing the same name in between.
 */
function uniqueOr<T>(duplicate: DuplicateRecordError, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if ((error as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") throw duplicate;
    throw error;
  }
}

