import Airtable from "airtable";
import { z } from "zod";
import { emptyManiacT, newLeadFields, type Hub, type HubFields, type Lead, type LeadFields } from "../../domain/records.js";
import { LEAD_STATUSES, type LeadStatus } from "../../pipeline/lead-status.js";
import type { AppStateStore } from "../app-state-store.js";
import { composeLeadStore, type ComposedLeadStore } from "../lead-store.js";
import {
  DuplicateRecordError,
  RecordNotFoundError,
  type ListLeadsOptions,
  type RecordStore,
  type UpsertLeadsOptions,
  type UpsertResult,
} from "../record-store.js";
import {
  validateHubBatch,
  validateHubPatch,
  validateHubRow,
  validateLeadBatch,
  validateLeadPatch,
  validateLeadRow,
  type HubRow,
  type LeadRow,
} from "../record-validation.js";
import {
  AirtableConfigError,
  hubFromCells,
  hubToCells,
  OPTIONAL_HUB_FIELDS,
  leadFromCells,
  leadToCells,
  resolveAirtableFieldNames,
  type AirtableFieldNames,
} from "./airtable-field-map.js";
import {
  AirtableApiError,
  chunk,
  DEFAULT_REQUEST_POLICY,
  runAirtableRequest,
  type AirtableRequestPolicy,
  type SharedRequestWindow,
  type BaseLimiter,
} from "./airtable-request-policy.js";
import { AirtableRestClient } from "./airtable-rest-client.js";
import { AirtableWriteCoalescer } from "./airtable-write-coalescer.js";

export interface AirtableRecordStoreOptions {
  /** `AIRTABLE_TOKEN`: a personal access token with data.records read/write and schema.bases:read. */
  token: string;
  /** `AIRTABLE_BASE_ID` or `airtable.base` of the config. */
  baseId: string;
  /** Default: `AIRTABLE_ENDPOINT_URL`, else `https://api.airtable.com` (the SDK's convention). */
  endpointUrl?: string;
  /** The `airtable` section of the config (table names and field renames); every key defaulted. */
  airtable?: { base?: string; leads_table?: string; hubs_table?: string; fields?: Record<string, string> };
  /** Rate, 429 wait and retry bounds; defaults are AirTable's limits (5/s, 30 s). */
  policy?: Partial<AirtableRequestPolicy>;
  /** Shares the base's rate limit with every process using this window (the embedded store's file). */
  sharedWindow?: SharedRequestWindow;
  /** Per-request timeout; default 60 s. */
  requestTimeoutMs?: number;
  /**
   * Concurrent `updateLead`/`updateHub` calls share PATCH requests of up to 10 records
   * (default true); false sends one request per call (benchmarks compare the two).
   */
  coalesceWrites?: boolean;
  /**
   * While updates keep coming, how long a shared PATCH with room left waits for another
   * before it goes (default 1 s; at most 5 s in all): reconciles of many leads, paced by
   * GitHub, then write in full tens. A lone update goes at once. A patient update
   * (`updateLead(…, { patient: true })`) waits up to the 5 s for a full request, or until
   * `sendHeldWrites()`. 0 turns waiting off.
   */
  writeLingerMs?: number;
  /** Where records `listLeads`/`listHubs` cannot read are reported (they are skipped); default console.warn. */
  onInvalidRecord?: (message: string) => void;
  /**
   * The base's limiter; default the process-wide one. With `REDIS_URL` the store opener
   * passes one shared through Redis; `close()` closes it.
   */
  limiter?: BaseLimiter;
}

/** The Leads and Active Hubs tables as found in the base at open. */
export interface AirtableBaseSchema {
  leadsTableId: string;
  hubsTableId: string;
  /** Field id by field name, per table (webhook payloads name cells by field id). */
  leadFieldIds: Record<string, string>;
  hubFieldIds: Record<string, string>;
}

/** A table or field named in the configuration is missing from the base. */
export class AirtableSchemaError extends AirtableConfigError {
  constructor(baseId: string, problems: readonly string[]) {
    super(problems.map((p) => `base ${baseId}: ${p}`));
    this.name = "AirtableSchemaError";
  }
}

const metadataSchema = z.object({
  tables: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      fields: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          type: z.string(),
          options: z
            .object({
              choices: z.array(z.object({ name: z.string() })).optional(),
              linkedTableId: z.string().optional(),
            })
            .loose()
            .optional()
            .nullable(),
        }),
      ),
    }),
  ),
});

const recordSchema = z.object({ id: z.string(), fields: z.record(z.string(), z.unknown()) });
const listPageSchema = z.object({ records: z.array(recordSchema), offset: z.string().optional() });
const whoamiSchema = z.object({ id: z.string() });

const RECORD_ID = /^rec[A-Za-z0-9]{14}$/;
const MAX_WRITE = 10;
const PAGE_SIZE = 100;

type RawRecord = z.infer<typeof recordSchema>;

/**
 * The Leads and Active Hubs tables in AirTable, through the official `airtable` SDK,
 * with what the SDK leaves out (SPEC §9): writes split into tens, one 5 requests/s limiter
 * per base for the whole process, bounded 429 waits, backoff on 5xx and network errors.
 * The app's own state lives elsewhere (SQLite or PostgreSQL): `openAirtableLeadStore` joins them.
 */
export class AirtableRecordStore implements RecordStore {
  readonly kind = "airtable" as const;
  /** Per table: single-record updates made at the same time share requests. */
  private readonly coalescers = new Map<string, AirtableWriteCoalescer>();
  /**
   * Lower-cased name → id of every lead (readable or not) as the last unfiltered `listLeads`
   * found them, for an upsert that follows it (`reuseListing`); dropped by every write that
   * creates leads or renames one.
   */
  private lastLeadNames: Map<string, string> | null = null;
  /** Per table and lower-cased name: writes that give a record a name, one after another. */
  private readonly nameLocks = new Map<string, Promise<unknown>>();

  private constructor(
    private readonly base: Airtable.Base,
    private readonly rest: AirtableRestClient,
    private readonly policy: AirtableRequestPolicy,
    private readonly names: AirtableFieldNames,
    private readonly fieldTypes: Map<string, string>,
    private readonly leadsTable: string,
    private readonly hubsTable: string,
    private readonly onInvalidRecord: (message: string) => void,
    /** The token's user: `actionMetadata.sourceMetadata.user.id` of the app's own writes. */
    readonly apiUserId: string,
    readonly schema: AirtableBaseSchema,
    private readonly coalesceWrites: boolean,
    private readonly writeLingerMs: number,
  ) {}

  /**
   * Connects, learns the token's user id and checks the base's schema: a clear
   * `AirtableSchemaError` when a configured table or field does not exist.
   */
  static async open(options: AirtableRecordStoreOptions): Promise<AirtableRecordStore> {
    const endpointUrl = (options.endpointUrl ?? process.env.AIRTABLE_ENDPOINT_URL ?? "https://api.airtable.com").replace(
      /\/+$/,
      "",
    );
    if (!/^app[A-Za-z0-9]{14}$/.test(options.baseId)) {
      throw new AirtableConfigError([`the base id must look like "appXXXXXXXXXXXXXX" (got "${options.baseId}")`]);
    }
    if (options.token.trim() === "") throw new AirtableConfigError(["AIRTABLE_TOKEN is empty"]);
    const policy = { ...DEFAULT_REQUEST_POLICY, ...options.policy };
    const names = resolveAirtableFieldNames(options.airtable?.fields ?? {});
    const leadsTableName = options.airtable?.leads_table ?? "Leads";
    const hubsTableName = options.airtable?.hubs_table ?? "Active Hubs";
    const rest = new AirtableRestClient({
      endpointUrl,
      token: options.token,
      baseId: options.baseId,
      policy,
      requestTimeoutMs: options.requestTimeoutMs,
      ...(options.sharedWindow ? { sharedWindow: options.sharedWindow } : {}),
      limiter: options.limiter,
    });

    const whoami = whoamiSchema.parse(await rest.request({ method: "GET", path: "/v0/meta/whoami", label: "whoami" }));
    let metadataRaw: unknown;
    try {
      metadataRaw = await rest.request({
        method: "GET",
        path: `/v0/meta/bases/${options.baseId}/tables`,
        label: "read the base schema",
      });
    } catch (error) {
      if (error instanceof AirtableApiError && (error.status === 403 || error.status === 404)) {
        throw new AirtableSchemaError(options.baseId, [
          `cannot read the base's tables (${error.status} ${error.type}): check the base id and that the token has the schema.bases:read scope and access to the base`,
        ]);
      }
      throw error;
    }
    const metadata = metadataSchema.parse(metadataRaw);
    const problems: string[] = [];
    const findTable = (name: string, key: string) => {
      const table = metadata.tables.find((t) => t.name === name || t.id === name);
      if (!table) {
        problems.push(
          `no table "${name}" (airtable.${key}); the base has ${metadata.tables.map((t) => `"${t.name}"`).join(", ") || "no tables"}`,
        );
      }
      return table;
    };
    const leads = findTable(leadsTableName, "leads_table");
    const hubs = findTable(hubsTableName, "hubs_table");
    const renames = options.airtable?.fields ?? {};
    const optional = new Set(OPTIONAL_HUB_FIELDS.map((key) => names.hubs[key]));
    const absent = new Set<string>();
    const checkFields = (table: typeof leads, wanted: Record<string, string>): void => {
      if (!table) return;
      for (const name of Object.values(wanted)) {
        if (!table.fields.some((f) => f.name === name)) {
          if (table === hubs && optional.has(name)) {
            absent.add(name);
            continue;
          }
          const renamedFrom = Object.entries(renames).find(([, to]) => to === name)?.[0];
          problems.push(
            `table "${table.name}" has no field "${name}"${renamedFrom ? ` (renamed from "${renamedFrom}" by airtable.fields)` : ""}; ` +
              `its fields are ${table.fields.map((f) => `"${f.name}"`).join(", ")}`,
          );
        }
      }
    };
    checkFields(leads, names.leads);
    checkFields(hubs, names.hubs);
    if (leads && hubs) {
      const community = hubs.fields.find((f) => f.name === names.hubs.communityLeadId);
      if (community && (community.type !== "multipleRecordLinks" || community.options?.linkedTableId !== leads.id)) {
        problems.push(`field "${community.name}" of "${hubs.name}" must link to the "${leads.name}" table (it is ${community.type})`);
      }
      const status = leads.fields.find((f) => f.name === names.leads.status);
      if (status?.type === "singleSelect") {
        const choices = (status.options?.choices ?? []).map((c) => c.name);
        const missing = LEAD_STATUSES.filter((s) => !choices.includes(s));
        if (missing.length > 0) {
          problems.push(`field "${status.name}" of "${leads.name}" lacks the option${missing.length > 1 ? "s" : ""} ${missing.map((s) => `"${s}"`).join(", ")}`);
        }
      }
    }
    if (problems.length > 0) throw new AirtableSchemaError(options.baseId, problems);
    names.absent = absent;

    const fieldTypes = new Map(leads!.fields.map((f) => [f.name, f.type]));
    const base = new Airtable({
      apiKey: options.token,
      endpointUrl,
      // The SDK would retry 429 without end; the store bounds the retries itself.
      noRetryIfRateLimited: true,
      requestTimeout: options.requestTimeoutMs ?? 60_000,
    }).base(options.baseId);
    return new AirtableRecordStore(
      base,
      rest,
      policy,
      names,
      fieldTypes,
      leads!.name,
      hubs!.name,
      options.onInvalidRecord ?? ((message) => console.warn(message)),
      whoami.id,
      {
        leadsTableId: leads!.id,
        hubsTableId: hubs!.id,
        leadFieldIds: Object.fromEntries(leads!.fields.map((f) => [f.name, f.id])),
        hubFieldIds: Object.fromEntries(hubs!.fields.map((f) => [f.name, f.id])),
      },
      options.coalesceWrites ?? true,
      options.writeLingerMs ?? 1000,
    );
  }

  /** The REST client (same limiter), for the webhook endpoints. */
  get restClient(): AirtableRestClient {
    return this.rest;
  }

  /** Requests started on the base's limiter (every store of the base in the process), and its rate: for progress. */
  get requestMeter(): { requests: () => number; requestsPerSecond: number } {
    return { requests: () => this.rest.limiter.started, requestsPerSecond: this.policy.requestsPerSecond };
  }

  /** True for a webhook payload's `actionMetadata` that comes from this app's own writes. */
  isOwnChange(actionMetadata: unknown): boolean {
    return isOwnAirtableChange(actionMetadata, this.apiUserId);
  }

  // ---------------------------------------------------------------- requests

  private call<T>(label: string, attempt: () => Promise<T>, beforeRetry?: () => Promise<void>): Promise<T> {
    return runAirtableRequest({ limiter: this.rest.limiter, policy: this.policy, label, attempt, ...(beforeRetry ? { beforeRetry } : {}) });
  }

  /** Every page of a table (at most 100 records per request), each page limited and retried on its own. */
  private async listAll(
    table: string,
    params: { filterByFormula?: string; fields?: string[] } = {},
    onPage?: (records: RawRecord[]) => Promise<void> | void,
  ): Promise<RawRecord[]> {
    const out: RawRecord[] = [];
    let offset: string | undefined;
    do {
      const qs: Record<string, unknown> = { pageSize: PAGE_SIZE, ...params };
      if (offset !== undefined) qs.offset = offset;
      const response = await this.call(`list ${table}`, () =>
        this.base.makeRequest({ method: "GET", path: `/${encodeURIComponent(table)}`, qs }),
      );
      const page = listPageSchema.parse(response.body);
      out.push(...page.records);
      await onPage?.(page.records);
      offset = page.offset;
    } while (offset !== undefined);
    return out;
  }

  private async findRecord(table: string, id: string): Promise<RawRecord | null> {
    if (!RECORD_ID.test(id)) return null;
    try {
      const record = await this.call(`read ${table} ${id}`, () => this.base(table).find(id));
      return recordSchema.parse({ id: record.id, fields: record.fields });
    } catch (error) {
      if (error instanceof AirtableApiError && error.status === 404) return null;
      throw error;
    }
  }

  /** Creates in tens; after an ambiguous failure, rows that did get created are not sent again. */
  private async createRecords(
    table: string,
    primaryField: string,
    rows: Record<string, unknown>[],
    onBatch?: (records: RawRecord[]) => void,
  ): Promise<RawRecord[]> {
    const batches = chunk(rows, MAX_WRITE);
    const results = await Promise.all(
      batches.map(async (batch) => {
        let pending = batch;
        const found: RawRecord[] = [];
        const created = await this.call(
          `create ${batch.length} ${table} record(s)`,
          async () => {
            if (pending.length === 0) return [];
            // Cells are checked by the field map; the SDK's FieldSet type cannot express them.
            const data = pending.map((fields) => ({ fields: fields as Partial<Airtable.FieldSet> }));
            const records: Airtable.Records<Airtable.FieldSet> = await this.base(table).create(data);
            return records.map((r) => recordSchema.parse({ id: r.id, fields: r.fields }));
          },
          async () => {
            const names = pending.map((f) => String(f[primaryField] ?? ""));
            const existing = await this.listAll(table, { filterByFormula: nameFormula(primaryField, names) });
            const byName = new Map(existing.map((r) => [String(r.fields[primaryField] ?? "").trim().toLowerCase(), r]));
            const stillPending: Record<string, unknown>[] = [];
            for (const fields of pending) {
              const hit = byName.get(String(fields[primaryField] ?? "").trim().toLowerCase());
              if (hit) found.push(hit);
              else stillPending.push(fields);
            }
            pending = stillPending;
          },
        );
        onBatch?.([...found, ...created]);
        return [...found, ...created];
      }),
    );
    return results.flat();
  }

  private async updateRecords(
    table: string,
    rows: { id: string; fields: Record<string, unknown> }[],
    onBatch?: (records: RawRecord[]) => void,
  ): Promise<RawRecord[]> {
    const results = await Promise.all(
      chunk(rows, MAX_WRITE).map(async (batch) => {
        const updated = await this.call(`update ${batch.length} ${table} record(s)`, () => this.patchRecords(table, batch));
        onBatch?.(updated);
        return updated;
      }),
    );
    return results.flat();
  }

  /** The SDK's PATCH of up to 10 records, without limiter or retries. */
  private async patchRecords(table: string, rows: { id: string; fields: Record<string, unknown> }[]): Promise<RawRecord[]> {
    const data = rows as Airtable.RecordData<Partial<Airtable.FieldSet>>[];
    const records: Airtable.Records<Airtable.FieldSet> = await this.base(table).update(data);
    return records.map((r) => recordSchema.parse({ id: r.id, fields: r.fields }));
  }

  /** One record's update: shared with concurrent updates of the table unless coalescing is off. */
  private async updateRecord(table: string, id: string, fields: Record<string, unknown>, patient = false): Promise<RawRecord> {
    if (!this.coalesceWrites) {
      const [updated] = await this.updateRecords(table, [{ id, fields }]);
      return updated!;
    }
    let coalescer = this.coalescers.get(table);
    if (!coalescer) {
      coalescer = new AirtableWriteCoalescer({
        table,
        maxRecords: MAX_WRITE,
        lingerMs: this.writeLingerMs,
        call: (label, attempt) => this.call(label, attempt),
        patch: (rows) => this.patchRecords(table, rows),
        isMissingRecord,
      });
      this.coalescers.set(table, coalescer);
    }
    return recordSchema.parse(await coalescer.write(id, fields, { patient }));
  }

  sendHeldWrites(): void {
    for (const coalescer of this.coalescers.values()) coalescer.sendHeld();
  }

  /**
   * Runs a write that gives a record `name` after every earlier such write of the same name
   * has finished, so its duplicate check sees theirs (AirTable has no unique constraint; this
   * closes the race inside the process, where coalesced writes make it likely).
   */
  private withNameLock<T>(table: string, name: string, work: () => Promise<T>): Promise<T> {
    const key = `${table}\u0000${name.trim().toLowerCase()}`;
    const previous = this.nameLocks.get(key) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => undefined);
    this.nameLocks.set(key, tail);
    void tail.then(() => {
      if (this.nameLocks.get(key) === tail) this.nameLocks.delete(key);
    });
    return run;
  }

  // ---------------------------------------------------------------- leads

  private toLead(record: RawRecord): Lead {
    const read = leadFromCells(record.fields, this.names);
    if (!read.ok) throw new AirtableRecordError(this.leadsTable, record.id, read.problems);
    return { id: record.id, ...read.value };
  }

  private toHub(record: RawRecord): Hub {
    const read = hubFromCells(record.fields, this.names);
    if (!read.ok) throw new AirtableRecordError(this.hubsTable, record.id, read.problems);
    return { id: record.id, ...read.value };
  }

  /** Unreadable records are reported and skipped, so one bad row does not stop every lead. */
  private readMany<T extends { id: string }>(records: RawRecord[], read: (r: RawRecord) => T): T[] {
    const out: T[] = [];
    for (const record of records) {
      try {
        out.push(read(record));
      } catch (error) {
        if (!(error instanceof AirtableRecordError)) throw error;
        this.onInvalidRecord(error.message);
      }
    }
    return out;
  }

  private leadCells(patch: Partial<LeadRow>): Record<string, unknown> {
    return leadToCells(patch, this.names, this.fieldTypes);
  }

  async listLeads(options?: ListLeadsOptions): Promise<Lead[]> {
    const statuses = options?.statuses;
    if (statuses !== undefined && statuses.length === 0) return [];
    const params: { filterByFormula?: string } = {};
    if (statuses !== undefined) {
      const field = this.names.leads.status;
      params.filterByFormula = orFormula([...new Set(statuses)].map((s) => `{${field}} = ${formulaString(s)}`));
    }
    // Each page read once (an unreadable record reported once), and handed on as it comes.
    const leads: Lead[] = [];
    const records = await this.listAll(this.leadsTable, params, async (page) => {
      const read = this.readMany(page, (r) => this.toLead(r));
      leads.push(...read);
      await options?.onPage?.(read);
    });
    if (statuses === undefined) this.lastLeadNames = namesToIds(records, this.names.leads.name);
    return sortByName(leads, (l) => l.name);
  }

  async getLead(id: string): Promise<Lead | null> {
    const record = await this.findRecord(this.leadsTable, id);
    return record ? this.toLead(record) : null;
  }

  async findLeadByName(name: string): Promise<Lead | null> {
    const field = this.names.leads.name;
    const records = await this.listAll(this.leadsTable, { filterByFormula: nameFormula(field, [name]) });
    const leads = this.readMany(records, (r) => this.toLead(r));
    return leads[0] ?? null;
  }

  async createLead(fields: LeadFields): Promise<Lead> {
    const row = validateLeadRow(fields);
    this.lastLeadNames = null;
    return this.withNameLock(this.leadsTable, row.name, async () => {
      if (await this.findLeadByName(row.name)) throw new DuplicateRecordError("Leads", row.name);
      const [created] = await this.createRecords(this.leadsTable, this.names.leads.name, [withoutEmpty(this.leadCells(fullLead(row)))]);
      return this.toLead(created!);
    });
  }

  async updateLead(id: string, patch: Partial<LeadFields>, options: { patient?: boolean } = {}): Promise<Lead> {
    const valid = validateLeadPatch(patch);
    if (!RECORD_ID.test(id)) throw new RecordNotFoundError("Leads", id);
    if (valid.name !== undefined) this.lastLeadNames = null;
    const write = async (): Promise<Lead> => {
      if (valid.name !== undefined) {
        const other = await this.findLeadByName(valid.name);
        if (other && other.id !== id) throw new DuplicateRecordError("Leads", valid.name);
      }
      const cells = this.leadCells(valid);
      if (Object.keys(cells).length === 0) {
        const current = await this.getLead(id);
        if (!current) throw new RecordNotFoundError("Leads", id);
        return current;
      }
      try {
        return this.toLead(await this.updateRecord(this.leadsTable, id, cells, options.patient));
      } catch (error) {
        if (isMissingRecord(error)) throw new RecordNotFoundError("Leads", id);
        throw error;
      }
    };
    return valid.name === undefined ? write() : this.withNameLock(this.leadsTable, valid.name, write);
  }

  async upsertLeadsByName(rows: readonly LeadFields[], options: UpsertLeadsOptions = {}): Promise<UpsertResult> {
    const valid = validateLeadBatch(rows);
    if (valid.length === 0) return { created: 0, updated: 0 };
    const nameField = this.names.leads.name;
    const existing = (options.reuseListing ? this.lastLeadNames : null) ?? (await this.idsByPrimary(this.leadsTable, nameField));
    this.lastLeadNames = null;
    const creates: Record<string, unknown>[] = [];
    const updates: { id: string; fields: Record<string, unknown> }[] = [];
    for (const row of valid) {
      const id = existing.get(row.name.trim().toLowerCase());
      if (id) updates.push({ id, fields: this.leadCells(row) });
      else creates.push(withoutEmpty(this.leadCells(fullLead(row))));
    }
    const onBatch = options.onWritten
      ? (records: RawRecord[]) => options.onWritten!(records.map((r) => ({ id: r.id, name: String(r.fields[nameField] ?? "") })))
      : undefined;
    await Promise.all([
      this.createRecords(this.leadsTable, nameField, creates, onBatch),
      this.updateRecords(this.leadsTable, updates, onBatch),
    ]);
    return { created: creates.length, updated: updates.length };
  }

  /** Lower-cased primary value → record id, reading only the primary field. */
  private async idsByPrimary(table: string, field: string): Promise<Map<string, string>> {
    return namesToIds(await this.listAll(table, { fields: [field] }), field);
  }

  // ---------------------------------------------------------------- hubs

  async listHubs(): Promise<Hub[]> {
    return sortByName(this.readMany(await this.listAll(this.hubsTable), (r) => this.toHub(r)), (h) => h.hub);
  }

  async findHubByName(hub: string): Promise<Hub | null> {
    const records = await this.listAll(this.hubsTable, { filterByFormula: nameFormula(this.names.hubs.hub, [hub]) });
    return this.readMany(records, (r) => this.toHub(r))[0] ?? null;
  }

  /** Every community link of the rows must name an existing lead, checked before the first write. */
  private async checkCommunityLinks(rows: readonly Partial<HubFields>[]): Promise<void> {
    const ids = [...new Set(rows.map((r) => r.communityLeadId).filter((id): id is string => typeof id === "string"))];
    const badShape = ids.find((id) => !RECORD_ID.test(id));
    if (badShape) throw new RecordNotFoundError("Leads", badShape);
    if (ids.length === 0) return;
    let known: Set<string>;
    if (ids.length <= 3) {
      known = new Set();
      for (const id of ids) if (await this.findRecord(this.leadsTable, id)) known.add(id);
    } else {
      known = new Set((await this.listAll(this.leadsTable, { fields: [this.names.leads.name] })).map((r) => r.id));
    }
    const missing = ids.find((id) => !known.has(id));
    if (missing) throw new RecordNotFoundError("Leads", missing);
  }

  async createHub(fields: HubFields): Promise<Hub> {
    const row = validateHubRow(fields);
    return this.withNameLock(this.hubsTable, row.hub, async () => {
      if (await this.findHubByName(row.hub)) throw new DuplicateRecordError("Active Hubs", row.hub);
      await this.checkCommunityLinks([row]);
      const full: HubFields = { communityLeadId: null, url: null, deploymentIssue: null, liveSince: null, cloudProject: null, ...row };
      const [created] = await this.createRecords(this.hubsTable, this.names.hubs.hub, [withoutEmpty(hubToCells(full, this.names))]);
      return this.toHub(created!);
    });
  }

  async updateHub(id: string, patch: Partial<HubFields>): Promise<Hub> {
    const valid = validateHubPatch(patch);
    if (!RECORD_ID.test(id)) throw new RecordNotFoundError("Active Hubs", id);
    const write = async (): Promise<Hub> => {
      if (valid.hub !== undefined) {
        const other = await this.findHubByName(valid.hub);
        if (other && other.id !== id) throw new DuplicateRecordError("Active Hubs", valid.hub);
      }
      await this.checkCommunityLinks([valid]);
      const cells = hubToCells(valid, this.names);
      if (Object.keys(cells).length === 0) {
        const record = await this.findRecord(this.hubsTable, id);
        if (!record) throw new RecordNotFoundError("Active Hubs", id);
        return this.toHub(record);
      }
      try {
        return this.toHub(await this.updateRecord(this.hubsTable, id, cells));
      } catch (error) {
        if (isMissingRecord(error)) throw new RecordNotFoundError("Active Hubs", id);
        throw error;
      }
    };
    return valid.hub === undefined ? write() : this.withNameLock(this.hubsTable, valid.hub, write);
  }

  async upsertHubsByName(rows: readonly HubFields[]): Promise<UpsertResult> {
    const valid: HubRow[] = validateHubBatch(rows);
    if (valid.length === 0) return { created: 0, updated: 0 };
    await this.checkCommunityLinks(valid);
    const hubField = this.names.hubs.hub;
    const existing = await this.idsByPrimary(this.hubsTable, hubField);
    const creates: Record<string, unknown>[] = [];
    const updates: { id: string; fields: Record<string, unknown> }[] = [];
    for (const row of valid) {
      const id = existing.get(row.hub.trim().toLowerCase());
      if (id) updates.push({ id, fields: hubToCells(row, this.names) });
      else creates.push(withoutEmpty(hubToCells(row, this.names)));
    }
    await Promise.all([this.createRecords(this.hubsTable, hubField, creates), this.updateRecords(this.hubsTable, updates)]);
    return { created: creates.length, updated: updates.length };
  }

  async close(): Promise<void> {
    await this.rest.limiter.close?.();
  }
}

/** Where the app's state of an AirTable deployment is kept: the token's user id, for the change feed's readers. */
const STATE_API_USER = "airtable:api-user-id";

/** The leads in AirTable and the app's state in `appState` (SQLite or PostgreSQL), as one `LeadStore`. */
export async function openAirtableLeadStore(
  options: AirtableRecordStoreOptions & { appState: AppStateStore; closeAppState?: boolean },
): Promise<ComposedLeadStore<AirtableRecordStore>> {
  const { appState, closeAppState, ...recordOptions } = options;
  const records = await AirtableRecordStore.open(recordOptions);
  try {
    await appState.setState(STATE_API_USER, records.apiUserId);
  } catch (error) {
    await records.close();
    throw error;
  }
  return composeLeadStore(records, appState, { closeAppState });
}

/** An AirTable record the store cannot read as a domain record (a blank name, an unknown status…). */
export class AirtableRecordError extends Error {
  constructor(
    readonly table: string,
    readonly recordId: string,
    readonly problems: readonly string[],
  ) {
    super(`${table} record ${recordId} cannot be read: ${problems.join("; ")}`);
    this.name = "AirtableRecordError";
  }
}

/** `actionMetadata` of a webhook payload: the app's own writes come through the public API as its token's user. */
export function isOwnAirtableChange(actionMetadata: unknown, apiUserId: string): boolean {
  const parsed = z
    .object({
      source: z.string(),
      sourceMetadata: z.object({ user: z.object({ id: z.string() }).optional() }).optional(),
    })
    .safeParse(actionMetadata);
  return parsed.success && parsed.data.source === "publicApi" && parsed.data.sourceMetadata?.user?.id === apiUserId;
}

function isMissingRecord(error: unknown): boolean {
  return error instanceof AirtableApiError && (error.status === 404 || error.type === "ROW_DOES_NOT_EXIST");
}

/** A formula string literal: AirTable escapes with backslashes. */
export function formulaString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function orFormula(parts: string[]): string {
  return parts.length === 1 ? parts[0]! : `OR(${parts.join(", ")})`;
}

/** Case-insensitive match on the primary field, the one formula the name look-ups send. */
export function nameFormula(field: string, names: readonly string[]): string {
  return orFormula(names.map((n) => `LOWER({${field}}) = ${formulaString(n.trim().toLowerCase())}`));
}

/** Lower-cased primary value → record id (the first record of a name wins). */
function namesToIds(records: readonly RawRecord[], field: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const r of records) {
    const key = String(r.fields[field] ?? "").trim().toLowerCase();
    if (key !== "" && !map.has(key)) map.set(key, r.id);
  }
  return map;
}

/** A new lead: every field the row does not give starts empty. */
function fullLead(row: LeadRow): LeadFields {
  return newLeadFields(row.name, row.status, { ...row, maniacT: { ...emptyManiacT(), ...row.maniacT } });
}

function withoutEmpty(cells: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(cells).filter(([, v]) => v !== null && !(Array.isArray(v) && v.length === 0)));
}

/** The order the SQLite store lists in: name without case, then id. */
function sortByName<T extends { id: string }>(items: T[], nameOf: (item: T) => string): T[] {
  return items.sort((a, b) => {
    const x = nameOf(a).toLowerCase();
    const y = nameOf(b).toLowerCase();
    if (x !== y) return x < y ? -1 : 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}
