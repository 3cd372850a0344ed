import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import {
  evaluateFormula,
  FormulaError,
  formulaFieldNames,
  parseFormula,
  type FormulaNode,
} from "./airtable-formula.js";
import { hubSalesBaseSchema, type SeedBase, type SeedField, type StandInFieldType } from "./hub-sales-base-schema.js";

/**
 * An AirTable stand-in: an HTTP server on 127.0.0.1 that speaks the part of the AirTable
 * REST API the hub-sales store and the `airtable` SDK use (records, metadata, webhooks)
 * and enforces the limits that shape the design (SPEC §9): 10 records per write,
 * pages of at most 100, 5 requests/s per base with a penalty wait after a 429.
 * `AIRTABLE_ENDPOINT_URL=<standIn.url>` points the app at it.
 */

export interface AirtableStandInOptions {
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default: one base holding the hub-sales tables of SPEC §3 (`hubSalesBaseSchema()`). */
  bases?: SeedBase[];
  /** Accepted personal access tokens and the user each acts as. Default: one token. */
  tokens?: { token: string; userId: string }[];
  /** Per-base limit; default 5 (the real API's). */
  requestsPerSecond?: number;
  /** After a 429 every request to the base is refused for this long; default 30 000 (the real API's). */
  rateLimitPenaltyMs?: number;
  /** Clock for createdTime, payload timestamps and webhook expiry; default the real one. */
  now?: () => Date;
}

export interface StandInRecord {
  id: string;
  createdTime: string;
  /** Cell values by field name; empty cells are absent, as in the API. */
  fields: Record<string, unknown>;
}

export interface RequestLogEntry {
  /** Milliseconds (performance clock). */
  at: number;
  method: string;
  path: string;
  status: number;
  baseId: string | null;
}

export interface RequestStats {
  total: number;
  byMethod: Record<string, number>;
  byStatus: Record<string, number>;
  /** Most requests to one base seen within any 1 s window. */
  maxObservedRate: number;
}

export interface NotificationLogEntry {
  webhookId: string;
  url: string;
  body: string;
  mac: string;
  /** HTTP status of the receiver, or null when the request failed. */
  status: number | null;
  error: string | null;
}

export interface AirtableStandIn {
  /** `http://127.0.0.1:<port>`: the value for `AIRTABLE_ENDPOINT_URL`. */
  readonly url: string;
  /** Id of the first base. */
  readonly baseId: string;
  /** The first accepted token, and its user id (what `actionMetadata.sourceMetadata.user.id` shows for API writes). */
  readonly token: string;
  readonly userId: string;
  /** `tbl…` of a table, by name. */
  tableId(tableName: string, baseId?: string): string;
  /** `fld…` of a field, by table and field name. */
  fieldId(tableName: string, fieldName: string, baseId?: string): string;
  /** The records of a table, read without a request (and without counting toward limits). */
  records(tableName: string, baseId?: string): StandInRecord[];
  /**
   * A person edits the table in the AirTable UI: creates a record (no `recordId`) or
   * updates one. Webhook payloads show `source: "client"`.
   */
  editAsPerson(input: {
    table: string;
    recordId?: string;
    fields: Record<string, unknown>;
    userId?: string;
    baseId?: string;
  }): StandInRecord;
  /**
   * The next `count` record/webhook requests (after auth and rate checks) answer `status`.
   * `after: true` does the work first and then answers the error, like a response lost
   * on the way back (a retried create would then duplicate). `methods` limits it to
   * requests of those methods (e.g. `["POST"]` for creates).
   */
  injectErrors(input: { status: 429 | 500 | 502 | 503; count: number; after?: boolean; methods?: string[] }): void;
  readonly requestLog: readonly RequestLogEntry[];
  stats(): RequestStats;
  resetStats(): void;
  readonly notifications: readonly NotificationLogEntry[];
  /** Resolves once every notification already scheduled has been sent (or failed). */
  flushNotifications(): Promise<void>;
  close(): Promise<void>;
}

const MAX_RECORDS_PER_WRITE = 10;
const MAX_PAGE_SIZE = 100;
const MAX_PAYLOADS_PER_CALL = 50;
const MAX_WEBHOOKS_PER_BASE = 10;
const WEBHOOK_LIFETIME_MS = 7 * 24 * 3600 * 1000;
const PERSON_USER_ID = "usrPersonEditor0";

interface FieldDef {
  id: string;
  name: string;
  type: StandInFieldType;
  choices?: string[];
  linkedTableId?: string;
}

interface TableState {
  id: string;
  name: string;
  fields: FieldDef[];
  records: Map<string, { id: string; createdTime: string; cells: Map<string, unknown> }>;
}

interface WebhookPayload {
  timestamp: string;
  baseTransactionNumber: number;
  payloadFormat: "v0";
  actionMetadata: { source: string; sourceMetadata: { user: { id: string; permissionLevel: string } } };
  changedTablesById: Record<string, TableChanges>;
}

interface TableChanges {
  createdRecordsById?: Record<string, { createdTime: string; cellValuesByFieldId: Record<string, unknown> }>;
  changedRecordsById?: Record<
    string,
    { current: { cellValuesByFieldId: Record<string, unknown> }; previous: { cellValuesByFieldId: Record<string, unknown> } }
  >;
  destroyedRecordIds?: string[];
}

interface WebhookState {
  id: string;
  notificationUrl: string | null;
  macSecret: Buffer;
  specification: unknown;
  recordChangeScope: string | null;
  expirationTime: Date;
  payloads: WebhookPayload[];
  lastNotificationResult: { success: boolean; completionTimestamp: string; error?: { message: string } } | null;
}

interface BaseState {
  id: string;
  tables: TableState[];
  webhooks: Map<string, WebhookState>;
  transactionNumber: number;
  /** Performance-clock times of requests accepted in the current window. */
  window: number[];
  penaltyUntil: number;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** `rec` + 14 characters, like AirTable ids. */
function makeId(prefix: string): string {
  const bytes = randomBytes(14);
  let id = prefix;
  for (const b of bytes) id += ID_CHARS[b % ID_CHARS.length];
  return id;
}

const writeRecordSchema = z.object({ fields: z.record(z.string(), z.unknown()) });
const updateRecordSchema = z.object({ id: z.string(), fields: z.record(z.string(), z.unknown()) });
const createBodySchema = z.union([
  z.object({ records: z.array(writeRecordSchema), typecast: z.boolean().optional() }),
  z.object({ fields: z.record(z.string(), z.unknown()), typecast: z.boolean().optional() }),
]);
const updateBodySchema = z.object({ records: z.array(updateRecordSchema), typecast: z.boolean().optional() });
const singleUpdateBodySchema = z.object({ fields: z.record(z.string(), z.unknown()), typecast: z.boolean().optional() });
const listBodySchema = z.object({
  pageSize: z.number().int().optional(),
  offset: z.string().optional(),
  maxRecords: z.number().int().optional(),
  filterByFormula: z.string().optional(),
  fields: z.array(z.string()).optional(),
  sort: z.array(z.object({ field: z.string(), direction: z.enum(["asc", "desc"]).optional() })).optional(),
  view: z.string().optional(),
  cellFormat: z.string().optional(),
});
const webhookCreateSchema = z.object({
  notificationUrl: z.url().nullable().optional(),
  specification: z.object({
    options: z.object({
      filters: z.object({
        dataTypes: z.array(z.string()).min(1),
        recordChangeScope: z.string().optional(),
      }),
    }),
  }),
});

export async function startAirtableStandIn(options: AirtableStandInOptions = {}): Promise<AirtableStandIn> {
  const now = options.now ?? (() => new Date());
  const requestsPerSecond = options.requestsPerSecond ?? 5;
  const penaltyMs = options.rateLimitPenaltyMs ?? 30_000;
  const tokens = options.tokens ?? [{ token: "patStandIn.hubsales", userId: "usrStandInApi001" }];
  const bases = (options.bases ?? [{ tables: hubSalesBaseSchema() }]).map(buildBase);
  const requestLog: RequestLogEntry[] = [];
  const notifications: NotificationLogEntry[] = [];
  const pendingNotifications = new Set<Promise<void>>();
  const scheduledNotifications = new Set<string>();
  const iterators = new Map<string, { tableId: string; ids: string[] }>();
  let injected: { status: number; count: number; after: boolean; methods: string[] | null } | null = null;

  function buildBase(seed: SeedBase): BaseState {
    const tables: TableState[] = seed.tables.map((t) => ({
      id: t.id ?? makeId("tbl"),
      name: t.name,
      fields: [],
      records: new Map(),
    }));
    seed.tables.forEach((t, i) => {
      tables[i]!.fields = t.fields.map((f: SeedField) => {
        const def: FieldDef = { id: makeId("fld"), name: f.name, type: f.type };
        if (f.choices) def.choices = [...f.choices];
        if (f.type === "multipleRecordLinks") {
          const linked = tables.find((x) => x.name === f.linkedTable);
          if (!linked) throw new Error(`stand-in seed: ${t.name}.${f.name} links to unknown table ${f.linkedTable}`);
          def.linkedTableId = linked.id;
        }
        return def;
      });
    });
    const base: BaseState = {
      id: seed.id ?? makeId("app"),
      tables,
      webhooks: new Map(),
      transactionNumber: 0,
      window: [],
      penaltyUntil: 0,
    };
    seed.tables.forEach((t, i) => {
      for (const fields of t.records ?? []) createRecords(base, tables[i]!, [fields], true);
    });
    return base;
  }

  function findBase(baseId: string): BaseState {
    const base = bases.find((b) => b.id === baseId);
    if (!base) throw new ApiError(404, "NOT_FOUND", `Could not find base ${baseId}`);
    return base;
  }

  function findTable(base: BaseState, nameOrId: string): TableState {
    const table = base.tables.find((t) => t.id === nameOrId || t.name === nameOrId);
    if (!table) {
      throw new ApiError(404, "TABLE_NOT_FOUND", `Could not find table ${nameOrId} in application ${base.id}`);
    }
    return table;
  }

  function fieldByName(table: TableState, name: string): FieldDef {
    const field = table.fields.find((f) => f.name === name || f.id === name);
    if (!field) throw new ApiError(422, "UNKNOWN_FIELD_NAME", `Unknown field name: "${name}"`);
    return field;
  }

  /** Validates and normalizes one cell value, the way AirTable does for each field type. */
  function normalizeCell(base: BaseState, table: TableState, field: FieldDef, value: unknown, typecast: boolean): unknown {
    const bad = (what: string): never => {
      throw new ApiError(
        422,
        "INVALID_VALUE_FOR_COLUMN",
        `Field "${field.name}" cannot accept the provided value: ${what} (got ${JSON.stringify(value)})`,
      );
    };
    if (value === null || value === undefined) return null;
    switch (field.type) {
      case "singleLineText":
      case "multilineText":
      case "email":
      case "url":
        if (typeof value === "string") return value === "" ? null : value;
        if (typecast && (typeof value === "number" || typeof value === "boolean")) return String(value);
        return bad("expected a string");
      case "singleSelect": {
        if (typeof value !== "string") return bad("expected the name of an option");
        if (value === "") return null;
        if (!field.choices!.includes(value)) {
          if (!typecast) {
            throw new ApiError(
              422,
              "INVALID_MULTIPLE_CHOICE_OPTIONS",
              `Insufficient permissions to create new select option ""${value}"" in field "${field.name}"`,
            );
          }
          field.choices!.push(value);
        }
        return value;
      }
      case "checkbox":
        if (typeof value === "boolean") return value ? true : null;
        if (typecast) return value ? true : null;
        return bad("expected a boolean");
      case "date": {
        if (typeof value !== "string") return bad("expected a date like 2026-03-01");
        const m = /^(\d{4}-\d{2}-\d{2})(T.*)?$/.exec(value);
        if (!m || Number.isNaN(Date.parse(`${m[1]}T00:00:00Z`))) return bad("expected a date like 2026-03-01");
        return m[1];
      }
      case "number":
      case "currency": {
        if (typeof value === "number" && Number.isFinite(value)) return value;
        if (typecast && typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) {
          return Number(value);
        }
        return bad("expected a number");
      }
      case "multipleRecordLinks": {
        if (!Array.isArray(value)) return bad("expected an array of record ids");
        const linked = base.tables.find((t) => t.id === field.linkedTableId)!;
        const ids = value.map((v) => {
          if (typeof v !== "string") return bad("expected an array of record ids");
          if (!linked.records.has(v)) {
            throw new ApiError(422, "ROW_DOES_NOT_EXIST", `Record ID ${v} does not exist in table ${linked.name}`);
          }
          return v;
        });
        return ids.length === 0 ? null : [...new Set(ids)];
      }
    }
  }

  function normalizeFields(
    base: BaseState,
    table: TableState,
    fields: Record<string, unknown>,
    typecast: boolean,
  ): Map<string, unknown> {
    const cells = new Map<string, unknown>();
    for (const [name, value] of Object.entries(fields)) {
      const field = fieldByName(table, name);
      cells.set(field.id, normalizeCell(base, table, field, value, typecast));
    }
    return cells;
  }

  function recordJson(
    table: TableState,
    record: { id: string; createdTime: string; cells: Map<string, unknown> },
    only?: string[],
  ): StandInRecord {
    const fields: Record<string, unknown> = {};
    for (const f of table.fields) {
      if (only && !only.includes(f.name)) continue;
      const v = record.cells.get(f.id);
      if (v !== null && v !== undefined) fields[f.name] = Array.isArray(v) ? [...v] : v;
    }
    return { id: record.id, createdTime: record.createdTime, fields };
  }

  function checkBatchSize(count: number, verb: string): void {
    if (count === 0) throw new ApiError(422, "INVALID_RECORDS", `You must ${verb} at least one record`);
    if (count > MAX_RECORDS_PER_WRITE) {
      throw new ApiError(
        422,
        "INVALID_RECORDS",
        `You can ${verb} at most ${MAX_RECORDS_PER_WRITE} records per request; this request has ${count}`,
      );
    }
  }

  // --- mutations (validated whole before the first change, like the real API) ---

  interface Actor {
    source: string;
    userId: string;
  }

  function createRecords(
    base: BaseState,
    table: TableState,
    rows: Record<string, unknown>[],
    typecast: boolean,
    actor?: Actor,
  ): StandInRecord[] {
    const prepared = rows.map((fields) => normalizeFields(base, table, fields, typecast));
    const created = prepared.map((cells) => {
      const record = { id: makeId("rec"), createdTime: now().toISOString(), cells };
      table.records.set(record.id, record);
      return record;
    });
    if (actor) {
      const changes: TableChanges = { createdRecordsById: {} };
      for (const r of created) {
        changes.createdRecordsById![r.id] = { createdTime: r.createdTime, cellValuesByFieldId: cellsObject(r.cells) };
      }
      recordTransaction(base, table, changes, actor);
    }
    return created.map((r) => recordJson(table, r));
  }

  function updateRecords(
    base: BaseState,
    table: TableState,
    rows: { id: string; fields: Record<string, unknown> }[],
    options: { typecast: boolean; replace: boolean; single: boolean },
    actor: Actor,
  ): StandInRecord[] {
    const prepared = rows.map((row) => {
      const record = table.records.get(row.id);
      if (!record) {
        if (options.single) throw new ApiError(404, "NOT_FOUND", `Could not find record ${row.id}`);
        throw new ApiError(422, "ROW_DOES_NOT_EXIST", `Record ID ${row.id} does not exist in table ${table.name}`);
      }
      return { record, cells: normalizeFields(base, table, row.fields, options.typecast) };
    });
    const changes: TableChanges = { changedRecordsById: {} };
    for (const { record, cells } of prepared) {
      const next = new Map(options.replace ? [] : record.cells);
      for (const [k, v] of cells) next.set(k, v);
      const current: Record<string, unknown> = {};
      const previous: Record<string, unknown> = {};
      for (const f of table.fields) {
        const before = record.cells.get(f.id) ?? null;
        const after = next.get(f.id) ?? null;
        if (JSON.stringify(before) !== JSON.stringify(after)) {
          current[f.id] = after;
          previous[f.id] = before;
        }
      }
      record.cells = next;
      if (Object.keys(current).length > 0) {
        changes.changedRecordsById![record.id] = {
          current: { cellValuesByFieldId: current },
          previous: { cellValuesByFieldId: previous },
        };
      }
    }
    if (Object.keys(changes.changedRecordsById!).length > 0) recordTransaction(base, table, changes, actor);
    return prepared.map(({ record }) => recordJson(table, record));
  }

  function destroyRecords(base: BaseState, table: TableState, ids: string[], single: boolean, actor: Actor): string[] {
    for (const id of ids) {
      if (!table.records.has(id)) {
        if (single) throw new ApiError(404, "NOT_FOUND", `Could not find record ${id}`);
        throw new ApiError(422, "ROW_DOES_NOT_EXIST", `Record ID ${id} does not exist in table ${table.name}`);
      }
    }
    for (const id of ids) table.records.delete(id);
    // Links to a destroyed record disappear from the cells that held them.
    for (const other of base.tables) {
      for (const f of other.fields.filter((x) => x.linkedTableId === table.id)) {
        for (const r of other.records.values()) {
          const v = r.cells.get(f.id);
          if (Array.isArray(v)) {
            const kept = v.filter((x) => !ids.includes(x as string));
            r.cells.set(f.id, kept.length === 0 ? null : kept);
          }
        }
      }
    }
    recordTransaction(base, table, { destroyedRecordIds: [...ids] }, actor);
    return ids;
  }

  function cellsObject(cells: Map<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of cells) if (v !== null && v !== undefined) out[k] = v;
    return out;
  }

  // --- webhooks ---

  function recordTransaction(base: BaseState, table: TableState, changes: TableChanges, actor: Actor): void {
    base.transactionNumber += 1;
    const at = now();
    for (const hook of base.webhooks.values()) {
      if (hook.expirationTime.getTime() <= at.getTime()) continue;
      if (hook.recordChangeScope && hook.recordChangeScope !== table.id) continue;
      hook.payloads.push({
        timestamp: at.toISOString(),
        baseTransactionNumber: base.transactionNumber,
        payloadFormat: "v0",
        actionMetadata: {
          source: actor.source,
          sourceMetadata: { user: { id: actor.userId, permissionLevel: "create" } },
        },
        changedTablesById: { [table.id]: structuredClone(changes) },
      });
      scheduleNotification(base, hook);
    }
  }

  /** One ping per webhook per burst of changes, like AirTable's coalesced notifications. */
  function scheduleNotification(base: BaseState, hook: WebhookState): void {
    if (!hook.notificationUrl || scheduledNotifications.has(hook.id)) return;
    scheduledNotifications.add(hook.id);
    const sending = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      scheduledNotifications.delete(hook.id);
      const url = hook.notificationUrl!;
      const body = JSON.stringify({ base: { id: base.id }, webhook: { id: hook.id }, timestamp: now().toISOString() });
      const mac = `hmac-sha256=${createHmac("sha256", hook.macSecret).update(body, "utf8").digest("hex")}`;
      const entry: NotificationLogEntry = { webhookId: hook.id, url, body, mac, status: null, error: null };
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", "x-airtable-content-mac": mac },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        entry.status = res.status;
        hook.lastNotificationResult = { success: res.ok, completionTimestamp: now().toISOString() };
      } catch (error) {
        entry.error = (error as Error).message;
        hook.lastNotificationResult = {
          success: false,
          completionTimestamp: now().toISOString(),
          error: { message: entry.error },
        };
      }
      notifications.push(entry);
    });
    pendingNotifications.add(sending);
    void sending.finally(() => pendingNotifications.delete(sending));
  }

  function webhookJson(hook: WebhookState): Record<string, unknown> {
    return {
      id: hook.id,
      type: "client",
      isHookEnabled: hook.expirationTime.getTime() > now().getTime(),
      notificationUrl: hook.notificationUrl,
      cursorForNextPayload: hook.payloads.length + 1,
      areNotificationsEnabled: hook.notificationUrl !== null,
      lastSuccessfulNotificationTime: null,
      lastNotificationResult: hook.lastNotificationResult,
      expirationTime: hook.expirationTime.toISOString(),
      specification: hook.specification,
    };
  }

  function findWebhook(base: BaseState, id: string): WebhookState {
    const hook = base.webhooks.get(id);
    if (!hook) throw new ApiError(404, "NOT_FOUND", `Could not find webhook ${id}`);
    return hook;
  }

  function handleWebhooks(method: string, base: BaseState, rest: string[], url: URL, body: unknown): unknown {
    const [hookId, action] = rest;
    if (hookId === undefined) {
      if (method === "GET") return { webhooks: [...base.webhooks.values()].map(webhookJson) };
      if (method === "POST") {
        const parsed = webhookCreateSchema.safeParse(body);
        if (!parsed.success) throw new ApiError(422, "INVALID_REQUEST_UNKNOWN", `Invalid webhook: ${parsed.error.message}`);
        const filters = parsed.data.specification.options.filters;
        if (!filters.dataTypes.includes("tableData")) {
          throw new ApiError(422, "INVALID_WEBHOOK_SPECIFICATION", 'specification.options.filters.dataTypes must include "tableData"');
        }
        const scope = filters.recordChangeScope ?? null;
        if (scope !== null) findTable(base, scope);
        if (base.webhooks.size >= MAX_WEBHOOKS_PER_BASE) {
          throw new ApiError(422, "TOO_MANY_WEBHOOKS_BY_OAUTH_INTEGRATION_IN_BASE", `A base has at most ${MAX_WEBHOOKS_PER_BASE} webhooks`);
        }
        const hook: WebhookState = {
          id: makeId("ach"),
          notificationUrl: parsed.data.notificationUrl ?? null,
          macSecret: randomBytes(32),
          specification: parsed.data.specification,
          recordChangeScope: scope === null ? null : findTable(base, scope).id,
          expirationTime: new Date(now().getTime() + WEBHOOK_LIFETIME_MS),
          payloads: [],
          lastNotificationResult: null,
        };
        base.webhooks.set(hook.id, hook);
        return {
          id: hook.id,
          macSecretBase64: hook.macSecret.toString("base64"),
          expirationTime: hook.expirationTime.toISOString(),
        };
      }
    } else {
      const hook = findWebhook(base, hookId);
      if (action === undefined && method === "DELETE") {
        base.webhooks.delete(hook.id);
        return {};
      }
      if (action === "refresh" && method === "POST") {
        if (hook.expirationTime.getTime() <= now().getTime()) {
          throw new ApiError(404, "NOT_FOUND", `Webhook ${hook.id} has expired; create a new one`);
        }
        hook.expirationTime = new Date(now().getTime() + WEBHOOK_LIFETIME_MS);
        return { expirationTime: hook.expirationTime.toISOString() };
      }
      if (action === "payloads" && method === "GET") {
        const cursor = intParam(url, "cursor", 1);
        const limit = intParam(url, "limit", MAX_PAYLOADS_PER_CALL);
        if (cursor < 1) throw new ApiError(422, "INVALID_REQUEST_UNKNOWN", "cursor must be at least 1");
        if (limit < 1 || limit > MAX_PAYLOADS_PER_CALL) {
          throw new ApiError(422, "INVALID_REQUEST_UNKNOWN", `limit must be between 1 and ${MAX_PAYLOADS_PER_CALL}`);
        }
        const start = Math.min(cursor - 1, hook.payloads.length);
        const payloads = hook.payloads.slice(start, start + limit);
        return {
          payloads,
          cursor: start + payloads.length + 1,
          mightHaveMore: start + payloads.length < hook.payloads.length,
          payloadFormat: "v0",
        };
      }
    }
    throw new ApiError(404, "NOT_FOUND", `No route ${method} ${url.pathname}`);
  }

  // --- records ---

  interface ListParams {
    pageSize?: number;
    offset?: string;
    maxRecords?: number;
    filterByFormula?: string;
    fields?: string[];
    sort?: { field: string; direction?: "asc" | "desc" }[];
    view?: string;
    cellFormat?: string;
  }

  function listParamsFromQuery(url: URL): ListParams {
    const q = url.searchParams;
    const params: ListParams = {};
    const num = (name: string): number | undefined => {
      const v = q.get(name);
      if (v === null) return undefined;
      const n = Number(v);
      if (!Number.isInteger(n)) throw new ApiError(422, "INVALID_REQUEST_UNKNOWN", `${name} must be an integer`);
      return n;
    };
    params.pageSize = num("pageSize");
    params.maxRecords = num("maxRecords");
    if (q.has("offset")) params.offset = q.get("offset")!;
    if (q.has("filterByFormula")) params.filterByFormula = q.get("filterByFormula")!;
    if (q.has("view")) params.view = q.get("view")!;
    if (q.has("cellFormat")) params.cellFormat = q.get("cellFormat")!;
    const fields = q.getAll("fields[]");
    if (fields.length > 0) params.fields = fields;
    const sort: { field: string; direction?: "asc" | "desc" }[] = [];
    for (let i = 0; q.has(`sort[${i}][field]`); i++) {
      const direction = q.get(`sort[${i}][direction]`) ?? "asc";
      if (direction !== "asc" && direction !== "desc") {
        throw new ApiError(422, "INVALID_SORT_DIRECTION", `sort direction must be asc or desc, got ${direction}`);
      }
      sort.push({ field: q.get(`sort[${i}][field]`)!, direction });
    }
    if (sort.length > 0) params.sort = sort;
    return params;
  }

  function listRecords(table: TableState, params: ListParams): { records: StandInRecord[]; offset?: string } {
    const pageSize = params.pageSize ?? MAX_PAGE_SIZE;
    if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new ApiError(422, "INVALID_PAGE_SIZE", `pageSize must be between 1 and ${MAX_PAGE_SIZE}; got ${pageSize}`);
    }
    if (params.view !== undefined) {
      throw new ApiError(422, "VIEW_NAME_NOT_FOUND", `The stand-in has no views (asked for "${params.view}")`);
    }
    if (params.cellFormat !== undefined && params.cellFormat !== "json") {
      throw new ApiError(422, "INVALID_REQUEST_UNKNOWN", `The stand-in supports only cellFormat=json`);
    }
    for (const name of params.fields ?? []) fieldByName(table, name);
    let ids: string[];
    if (params.offset !== undefined) {
      const iterator = iterators.get(params.offset.split("/")[0]!);
      if (!iterator || iterator.tableId !== table.id) {
        throw new ApiError(422, "LIST_RECORDS_ITERATOR_NOT_AVAILABLE", `Offset ${params.offset} is not valid (or expired)`);
      }
      ids = iterator.ids;
    } else {
      ids = matchingIds(table, params);
    }
    const pageIds: string[] = [];
    let rest = ids;
    while (rest.length > 0 && pageIds.length < pageSize) {
      const [id, ...tail] = rest;
      rest = tail;
      if (table.records.has(id!)) pageIds.push(id!);
    }
    const records = pageIds.map((id) => recordJson(table, table.records.get(id)!, params.fields));
    if (rest.length === 0) return { records };
    const iteratorId = makeId("itr");
    iterators.set(iteratorId, { tableId: table.id, ids: rest });
    if (iterators.size > 1000) iterators.delete(iterators.keys().next().value!);
    return { records, offset: `${iteratorId}/${rest[0]}` };
  }

  function matchingIds(table: TableState, params: ListParams): string[] {
    let formula: FormulaNode | null = null;
    if (params.filterByFormula !== undefined && params.filterByFormula.trim() !== "") {
      try {
        formula = parseFormula(params.filterByFormula);
      } catch (error) {
        const reason = error instanceof FormulaError ? error.message : String(error);
        throw new ApiError(422, "INVALID_FILTER_BY_FORMULA", `The formula for filtering records is invalid: ${reason}`);
      }
      const unknown = formulaFieldNames(formula).filter((n) => !table.fields.some((f) => f.name === n));
      if (unknown.length > 0) {
        throw new ApiError(422, "INVALID_FILTER_BY_FORMULA", `Unknown field names: ${unknown.join(", ")}`);
      }
    }
    let rows = [...table.records.values()].map((r) => ({ r, json: recordJson(table, r) }));
    if (formula) rows = rows.filter(({ r, json }) => evaluateFormula(formula, { id: r.id, fields: json.fields }));
    for (const s of [...(params.sort ?? [])].reverse()) {
      fieldByName(table, s.field);
      const sign = s.direction === "desc" ? -1 : 1;
      rows.sort((a, b) => sign * compareCells(a.json.fields[s.field], b.json.fields[s.field]));
    }
    const ids = rows.map(({ r }) => r.id);
    return params.maxRecords !== undefined ? ids.slice(0, params.maxRecords) : ids;
  }

  function handleRecords(
    method: string,
    base: BaseState,
    rest: string[],
    url: URL,
    body: unknown,
    actor: Actor,
  ): unknown {
    const [tableName, recordPart, extra] = rest;
    if (tableName === undefined || extra !== undefined) throw new ApiError(404, "NOT_FOUND", `No route ${method} ${url.pathname}`);
    const table = findTable(base, decodeURIComponent(tableName));
    if (recordPart === "listRecords" && method === "POST") {
      const parsed = listBodySchema.safeParse(body ?? {});
      if (!parsed.success) throw new ApiError(422, "INVALID_REQUEST_UNKNOWN", `Invalid listRecords body: ${parsed.error.message}`);
      return listRecords(table, parsed.data);
    }
    if (recordPart === undefined || recordPart === "") {
      switch (method) {
        case "GET":
          return listRecords(table, listParamsFromQuery(url));
        case "POST": {
          const parsed = parseBody(createBodySchema, body);
          const typecast = parsed.typecast ?? false;
          if ("records" in parsed) {
            checkBatchSize(parsed.records.length, "create");
            return { records: createRecords(base, table, parsed.records.map((r) => r.fields), typecast, actor) };
          }
          return createRecords(base, table, [parsed.fields], typecast, actor)[0];
        }
        case "PATCH":
        case "PUT": {
          const parsed = parseBody(updateBodySchema, body);
          checkBatchSize(parsed.records.length, "update");
          const options = { typecast: parsed.typecast ?? false, replace: method === "PUT", single: false };
          return { records: updateRecords(base, table, parsed.records, options, actor) };
        }
        case "DELETE": {
          const ids = url.searchParams.getAll("records[]");
          checkBatchSize(ids.length, "delete");
          return { records: destroyRecords(base, table, ids, false, actor).map((id) => ({ id, deleted: true })) };
        }
      }
    } else {
      const id = decodeURIComponent(recordPart);
      switch (method) {
        case "GET": {
          const record = table.records.get(id);
          if (!record) throw new ApiError(404, "NOT_FOUND", `Could not find record ${id}`);
          return recordJson(table, record);
        }
        case "PATCH":
        case "PUT": {
          const parsed = parseBody(singleUpdateBodySchema, body);
          const options = { typecast: parsed.typecast ?? false, replace: method === "PUT", single: true };
          return updateRecords(base, table, [{ id, fields: parsed.fields }], options, actor)[0];
        }
        case "DELETE":
          destroyRecords(base, table, [id], true, actor);
          return { id, deleted: true };
      }
    }
    throw new ApiError(404, "NOT_FOUND", `No route ${method} ${url.pathname}`);
  }

  function metadataJson(base: BaseState): unknown {
    return {
      tables: base.tables.map((t) => ({
        id: t.id,
        name: t.name,
        primaryFieldId: t.fields[0]?.id,
        fields: t.fields.map((f) => ({
          id: f.id,
          name: f.name,
          type: f.type,
          ...(f.choices ? { options: { choices: f.choices.map((name, i) => ({ id: `sel${i}`, name })) } } : {}),
          ...(f.linkedTableId ? { options: { linkedTableId: f.linkedTableId } } : {}),
        })),
        views: [],
      })),
    };
  }

  // --- HTTP ---

  /** Counts the request toward the base's window; throws 429 when over the limit or in the penalty wait. */
  function admit(base: BaseState): void {
    const t = performance.now();
    if (t < base.penaltyUntil) {
      throw new ApiError(429, "TOO_MANY_REQUESTS", "Rate limit exceeded; wait before retrying");
    }
    while (base.window.length > 0 && base.window[0]! <= t - 1000) base.window.shift();
    if (base.window.length >= requestsPerSecond) {
      base.penaltyUntil = t + penaltyMs;
      throw new ApiError(429, "TOO_MANY_REQUESTS", `More than ${requestsPerSecond} requests per second to base ${base.id}`);
    }
    base.window.push(t);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://stand-in");
    const entry: RequestLogEntry = { at: performance.now(), method, path: url.pathname, status: 0, baseId: null };
    let status = 200;
    let payload: unknown;
    try {
      const raw = await readBody(req);
      const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
      const user = auth ? tokens.find((t) => t.token === auth[1]) : undefined;
      if (!user) throw new ApiError(401, "AUTHENTICATION_REQUIRED", "Authentication required");
      let body: unknown = undefined;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw);
        } catch {
          throw new ApiError(422, "INVALID_REQUEST_BODY", "The request body is not valid JSON");
        }
      }
      const parts = url.pathname.split("/").slice(1);
      if (parts[0] !== "v0") throw new ApiError(404, "NOT_FOUND", `No route ${method} ${url.pathname}`);
      if (parts[1] === "meta" && parts[2] === "whoami" && method === "GET") {
        payload = { id: user.userId, scopes: ["data.records:read", "data.records:write", "schema.bases:read", "webhook:manage"] };
      } else if (parts[1] === "meta" && parts[2] === "bases" && parts[4] === "tables" && method === "GET") {
        const base = findBase(parts[3]!);
        entry.baseId = base.id;
        admit(base);
        takeInjected(method);
        payload = metadataJson(base);
      } else if (parts[1] === "bases" && parts[3] === "webhooks") {
        const base = findBase(parts[2]!);
        entry.baseId = base.id;
        admit(base);
        takeInjected(method);
        payload = handleWebhooks(method, base, parts.slice(4), url, body);
      } else if (parts[1] !== undefined && parts[1].startsWith("app")) {
        const base = findBase(parts[1]);
        entry.baseId = base.id;
        admit(base);
        const after = injected?.after === true;
        if (!after) takeInjected(method);
        payload = handleRecords(method, base, parts.slice(2), url, body, { source: "publicApi", userId: user.userId });
        if (after) takeInjected(method);
      } else {
        throw new ApiError(404, "NOT_FOUND", `No route ${method} ${url.pathname}`);
      }
    } catch (error) {
      if (error instanceof ApiError) {
        status = error.status;
        payload = { error: { type: error.type, message: error.message } };
      } else {
        status = 500;
        payload = { error: { type: "SERVER_ERROR", message: (error as Error).message } };
      }
    }
    entry.status = status;
    requestLog.push(entry);
    const text = JSON.stringify(payload ?? {});
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  function takeInjected(method: string): void {
    if (injected && injected.count > 0 && (injected.methods === null || injected.methods.includes(method))) {
      injected.count -= 1;
      const status = injected.status;
      if (injected.count === 0) injected = null;
      throw new ApiError(status, status === 429 ? "TOO_MANY_REQUESTS" : "SERVICE_UNAVAILABLE", `Injected error ${status}`);
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const firstBase = bases[0]!;
  const baseById = (baseId?: string): BaseState => (baseId ? findBase(baseId) : firstBase);

  return {
    url: `http://127.0.0.1:${address.port}`,
    baseId: firstBase.id,
    token: tokens[0]!.token,
    userId: tokens[0]!.userId,
    tableId: (tableName, baseId) => findTable(baseById(baseId), tableName).id,
    fieldId: (tableName, fieldName, baseId) => fieldByName(findTable(baseById(baseId), tableName), fieldName).id,
    records: (tableName, baseId) => {
      const table = findTable(baseById(baseId), tableName);
      return [...table.records.values()].map((r) => recordJson(table, r));
    },
    editAsPerson: ({ table: tableName, recordId, fields, userId, baseId }) => {
      const base = baseById(baseId);
      const table = findTable(base, tableName);
      const actor = { source: "client", userId: userId ?? PERSON_USER_ID };
      try {
        if (recordId === undefined) return createRecords(base, table, [fields], false, actor)[0]!;
        return updateRecords(base, table, [{ id: recordId, fields }], { typecast: false, replace: false, single: true }, actor)[0]!;
      } catch (error) {
        if (error instanceof ApiError) throw new Error(`editAsPerson: ${error.type}: ${error.message}`);
        throw error;
      }
    },
    injectErrors: ({ status, count, after, methods }) => {
      injected = count > 0 ? { status, count, after: after ?? false, methods: methods?.map((m) => m.toUpperCase()) ?? null } : null;
    },
    requestLog,
    stats: () => computeStats(requestLog),
    resetStats: () => {
      requestLog.length = 0;
    },
    notifications,
    flushNotifications: async () => {
      while (pendingNotifications.size > 0) await Promise.all([...pendingNotifications]);
    },
    close: async () => {
      await Promise.all([...pendingNotifications]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError(422, "INVALID_REQUEST_BODY", `Invalid request body: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  return parsed.data;
}

function intParam(url: URL, name: string, fallback: number): number {
  const v = url.searchParams.get(name);
  if (v === null) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new ApiError(422, "INVALID_REQUEST_UNKNOWN", `${name} must be an integer, got "${v}"`);
  return n;
}

function compareCells(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function computeStats(log: readonly RequestLogEntry[]): RequestStats {
  const byMethod: Record<string, number> = {};
  const byStatus: Record<string, number> = {};
  const perBase = new Map<string, number[]>();
  for (const e of log) {
    byMethod[e.method] = (byMethod[e.method] ?? 0) + 1;
    byStatus[String(e.status)] = (byStatus[String(e.status)] ?? 0) + 1;
    if (e.baseId) {
      const times = perBase.get(e.baseId) ?? [];
      times.push(e.at);
      perBase.set(e.baseId, times);
    }
  }
  let maxObservedRate = 0;
  for (const times of perBase.values()) {
    times.sort((x, y) => x - y);
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      while (times[start]! <= times[end]! - 1000) start++;
      maxObservedRate = Math.max(maxObservedRate, end - start + 1);
    }
  }
  return { total: log.length, byMethod, byStatus, maxObservedRate };
}
