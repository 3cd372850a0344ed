import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { newLeadFields, type Lead, type LeadFields } from "../../src/domain/records.js";
import {
  startAirtableStandIn,
  type AirtableStandIn,
  type AirtableStandInOptions,
} from "../../src/sandbox/airtable-stand-in/airtable-stand-in.js";
import { hubSalesBaseSchema } from "../../src/sandbox/airtable-stand-in/hub-sales-base-schema.js";
import { AirtableConfigError } from "../../src/store/airtable/airtable-field-map.js";
import {
  AirtableSchemaError,
  AirtableRecordStore,
  openAirtableLeadStore,
  type AirtableRecordStoreOptions,
} from "../../src/store/airtable/airtable-record-store.js";
import type { ComposedLeadStore } from "../../src/store/lead-store.js";
import { AirtableRateLimitError, AirtableUnavailableError } from "../../src/store/airtable/airtable-request-policy.js";
import {
  AirtableWebhooksClient,
  changedRecordIds,
  verifyAirtableMac,
} from "../../src/store/airtable/airtable-webhooks-client.js";
import { AirtableWriteCoalescer, type RecordPatch } from "../../src/store/airtable/airtable-write-coalescer.js";
import { AirtableApiError } from "../../src/store/airtable/airtable-request-policy.js";
import { DuplicateRecordError, RecordNotFoundError } from "../../src/store/lead-store.js";
import { InvalidRecordError } from "../../src/store/record-validation.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";
import { describeRecordStoreContract } from "./record-store-contract.js";

// Fast limits so the contract runs quickly; the same code paths as 5/s (see the bulk test).
const FAST = { requestsPerSecond: 200, rateLimitWaitMs: 50, backoffBaseMs: 5 };

describeRecordStoreContract("airtable on the stand-in", async () => {
  const standIn = await startAirtableStandIn({ requestsPerSecond: 200, rateLimitPenaltyMs: 50 });
  const store = await AirtableRecordStore.open({
    token: standIn.token,
    baseId: standIn.baseId,
    endpointUrl: standIn.url,
    policy: FAST,
  });
  return { store, cleanup: () => standIn.close() };
});

describe("AirtableLeadStore on the stand-in", () => {
  const toClose: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    for (const c of toClose.splice(0).reverse()) await c.close();
  });

  async function setUp(
    standInOptions: AirtableStandInOptions = { requestsPerSecond: 200, rateLimitPenaltyMs: 50 },
    storeOptions: Partial<AirtableRecordStoreOptions> = {},
  ): Promise<{ standIn: AirtableStandIn; store: ComposedLeadStore<AirtableRecordStore> }> {
    const standIn = await startAirtableStandIn(standInOptions);
    toClose.push(standIn);
    const store = await openAirtableLeadStore({
      token: standIn.token,
      baseId: standIn.baseId,
      endpointUrl: standIn.url,
      appState: SqliteLeadStore.open(":memory:"),
      policy: FAST,
      ...storeOptions,
    });
    toClose.push(store);
    return { standIn, store };
  }

  const rows = (count: number, prefix = "Lead"): LeadFields[] =>
    Array.from({ length: count }, (_, i) =>
      newLeadFields(`${prefix} ${String(i).padStart(4, "0")}`, "Active Lead", { githubHandles: [`user${i}`] }),
    );

  function postBodies(standIn: AirtableStandIn): number {
    return standIn.requestLog.filter((e) => e.method === "POST" && e.status === 200 && !e.path.includes("webhooks")).length;
  }

  it("splits writes into tens: the stand-in refuses 11, the store writes 23 in three requests", async () => {
    const { standIn, store } = await setUp();
    const raw = await fetch(`${standIn.url}/v0/${standIn.baseId}/Leads`, {
      method: "POST",
      headers: { authorization: `Bearer ${standIn.token}`, "content-type": "application/json" },
      body: JSON.stringify({ records: Array.from({ length: 11 }, (_, i) => ({ fields: { Name: `R${i}` } })) }),
    });
    expect(raw.status).toBe(422);
    standIn.resetStats();
    expect(await store.upsertLeadsByName(rows(23))).toEqual({ created: 23, updated: 0 });
    expect(postBodies(standIn)).toBe(3);
    expect(standIn.stats().byStatus["422"]).toBeUndefined();
    const again = rows(23).map((r) => ({ ...r, status: "Waiting" as const }));
    expect(await store.upsertLeadsByName(again)).toEqual({ created: 0, updated: 23 });
    expect(standIn.stats().byMethod.PATCH).toBe(3);
    expect(standIn.records("Leads").filter((r) => r.fields.Status === "Waiting")).toHaveLength(23);
  });

  it("matches an upsert against the listing just read (reuseListing), unreadable records included, and reports the ids written", async () => {
    const { standIn, store } = await setUp();
    await store.upsertLeadsByName(rows(15));
    // A record the store cannot read (no status) still holds its name: the import must update it, not duplicate it.
    const broken = standIn.editAsPerson({ table: "Leads", fields: { Name: "Broken Row" } });
    const listed = await store.listLeads();
    expect(listed).toHaveLength(15);
    standIn.resetStats();
    const written: { id: string; name: string }[] = [];
    const batch = [...rows(20), newLeadFields("Broken Row", "Inactive Lead")];
    expect(await store.upsertLeadsByName(batch, { reuseListing: true, onWritten: (r) => written.push(...r) })).toEqual({ created: 5, updated: 16 });
    expect(standIn.stats().byMethod.GET).toBeUndefined();
    expect(standIn.stats().total).toBe(1 + 2); // one create of 5, two updates of 10 and 6
    expect(written.map((w) => w.name).sort()).toEqual(batch.map((r) => r.name).sort());
    expect(written.find((w) => w.name === "Broken Row")?.id).toBe(broken.id);
    expect(new Set(standIn.records("Leads").map((r) => r.fields.Name)).size).toBe(21);
    // Without a listing just before (the upsert used it up), the store lists the names itself.
    standIn.resetStats();
    await store.upsertLeadsByName(rows(1), { reuseListing: true });
    expect(standIn.stats().byMethod.GET).toBe(1);
  });

  it("never gets a 429 in a bulk run at the real 5 requests/s, with two stores sharing the base", { timeout: 60_000 }, async () => {
    const standIn = await startAirtableStandIn({ requestsPerSecond: 5, rateLimitPenaltyMs: 30_000 });
    toClose.push(standIn);
    const open = async () => {
      const store = await openAirtableLeadStore({
        token: standIn.token,
        baseId: standIn.baseId,
        endpointUrl: standIn.url,
        appState: SqliteLeadStore.open(":memory:"),
        policy: { requestsPerSecond: 5, rateLimitWaitMs: 30_000 },
      });
      toClose.push(store);
      return store;
    };
    const [a, b] = await Promise.all([open(), open()]);
    const started = Date.now();
    const [ra, rb] = await Promise.all([a.upsertLeadsByName(rows(150, "A")), b.upsertLeadsByName(rows(150, "B"))]);
    expect(ra.created + rb.created).toBe(300);
    expect(await a.listLeads()).toHaveLength(300);
    const stats = standIn.stats();
    expect(stats.byStatus["429"]).toBeUndefined();
    expect(stats.maxObservedRate).toBeLessThanOrEqual(5);
    // 4 opening calls + 2 name listings + 30 writes + 3 pages: at 5/s that is about 8 s.
    expect(stats.total).toBe(39);
    expect(Date.now() - started).toBeGreaterThan(6_000);
  });

  it("holds the limit on the server's clock even when the event loop stalls", { timeout: 60_000 }, async () => {
    const standIn = await startAirtableStandIn({ requestsPerSecond: 5, rateLimitPenaltyMs: 30_000 });
    toClose.push(standIn);
    const store = await openAirtableLeadStore({
      token: standIn.token,
      baseId: standIn.baseId,
      endpointUrl: standIn.url,
      appState: SqliteLeadStore.open(":memory:"),
      policy: { requestsPerSecond: 5, rateLimitWaitMs: 30_000 },
    });
    toClose.push(store);
    // Busy stretches delay requests between leaving the client and reaching the server;
    // spacing sends 1/rate apart alone then lets six land in one second.
    const hog = setInterval(() => {
      const end = performance.now() + 60 + Math.random() * 60;
      while (performance.now() < end);
    }, 170);
    try {
      expect(await store.upsertLeadsByName(rows(200))).toEqual({ created: 200, updated: 0 });
    } finally {
      clearInterval(hog);
    }
    expect(standIn.stats().byStatus["429"]).toBeUndefined();
    expect(standIn.stats().maxObservedRate).toBeLessThanOrEqual(5);
  });

  it("completes through injected 429s, 503s and lost replies with nothing lost or duplicated", async () => {
    const { standIn, store } = await setUp();
    standIn.injectErrors({ status: 503, count: 3 });
    expect(await store.upsertLeadsByName(rows(35))).toEqual({ created: 35, updated: 0 });
    standIn.injectErrors({ status: 429, count: 2 });
    expect(await store.upsertLeadsByName(rows(45))).toEqual({ created: 10, updated: 35 });
    // The reply to a create is lost after the records were written: the retry must not write them twice.
    standIn.injectErrors({ status: 500, count: 1, after: true, methods: ["POST"] });
    const lead = await store.createLead(newLeadFields("Lost reply", "Active Lead"));
    expect(lead.name).toBe("Lost reply");
    standIn.injectErrors({ status: 502, count: 2, after: true, methods: ["POST"] });
    expect(await store.upsertLeadsByName(rows(20, "More"))).toEqual({ created: 20, updated: 0 });

    const names = standIn.records("Leads").map((r) => r.fields.Name as string);
    expect(names).toHaveLength(45 + 1 + 20);
    expect(new Set(names).size).toBe(names.length);
    expect(standIn.stats().byStatus).toMatchObject({ "429": 2, "500": 1, "502": 2, "503": 3 });
  });

  it("gives up with a clear error after the allowed 429s and 5xx retries", async () => {
    const { standIn, store } = await setUp(undefined, { policy: { ...FAST, maxRateLimitRetries: 2, maxServerErrorRetries: 2 } });
    standIn.injectErrors({ status: 429, count: 10 });
    await expect(store.listLeads()).rejects.toThrow(AirtableRateLimitError);
    standIn.injectErrors({ status: 429, count: 10 });
    await expect(store.listLeads()).rejects.toThrow(/refused with 429 3 times/);
    standIn.injectErrors({ status: 503, count: 10 });
    await expect(store.getLead("recAAAAAAAAAAAAAA")).rejects.toThrow(AirtableUnavailableError);
    standIn.injectErrors({ status: 503, count: 0 });
    expect(await store.listLeads()).toEqual([]);
  });

  it.each([
    ["a base with the field", [] as string[], "shared-project"],
    ["a base made before the field existed (it opens, and the field is neither written nor read)", ["Cloud project"], null],
  ])("keeps the optional Cloud project of Active Hubs: %s", async (_name, omitFields, expected) => {
    const { store } = await setUp({ requestsPerSecond: 200, bases: [{ tables: hubSalesBaseSchema({ omitFields }) }] });
    const lead = await store.createLead(newLeadFields("Uni", "Active Service"));
    const base = { communityLeadId: lead.id, url: null, deploymentIssue: null, liveSince: null, cloudProject: "shared-project" };
    expect((await store.createHub({ hub: "uni", ...base })).cloudProject).toBe(expected);
    await store.upsertHubsByName([{ hub: "uni-staging", ...base }]);
    expect((await store.listHubs()).map((h) => [h.hub, h.cloudProject])).toEqual([
      ["uni", expected],
      ["uni-staging", expected],
    ]);
  });

  it("refuses a configured table or field the base does not have, naming it", async () => {
    const standIn = await startAirtableStandIn({
      requestsPerSecond: 200,
      bases: [{ tables: hubSalesBaseSchema({ omitFields: ["Timeline"] }) }],
    });
    toClose.push(standIn);
    const open = (airtable: AirtableRecordStoreOptions["airtable"]) =>
      openAirtableLeadStore({
        token: standIn.token,
        baseId: standIn.baseId,
        endpointUrl: standIn.url,
        appState: SqliteLeadStore.open(":memory:"),
        policy: FAST,
        airtable,
      });
    await expect(open({})).rejects.toThrow(/table "Leads" has no field "Timeline"/);
    await expect(open({ leads_table: "Prospects" })).rejects.toThrow(AirtableSchemaError);
    await expect(open({ leads_table: "Prospects" })).rejects.toThrow(/no table "Prospects" \(airtable.leads_table\)/);
    await expect(open({ fields: { Timeline: "When", Status: "Stage" } })).rejects.toThrow(
      /no field "Stage" \(renamed from "Status" by airtable.fields\)/,
    );
    await expect(open({ fields: { Statsu: "Stage" } })).rejects.toThrow(AirtableConfigError);
    await expect(open({ fields: { Timeline: "Status" } })).resolves.toBeDefined();
  });

  it("refuses a wrong token with a clear error", async () => {
    const standIn = await startAirtableStandIn({ requestsPerSecond: 200 });
    toClose.push(standIn);
    await expect(
      openAirtableLeadStore({
        token: "wrong",
        baseId: standIn.baseId,
        endpointUrl: standIn.url,
        appState: SqliteLeadStore.open(":memory:"),
        policy: FAST,
      }),
    ).rejects.toThrow(/401 AUTHENTICATION_REQUIRED/);
  });

  it("works with renamed fields and tables", async () => {
    const renames = { Status: "Stage", Name: "Community name", Community: "Lead" };
    const { standIn, store } = await setUp(
      {
        requestsPerSecond: 200,
        bases: [{ tables: hubSalesBaseSchema({ leadsTable: "Prospects", hubsTable: "Hubs", renames }) }],
      },
      { airtable: { leads_table: "Prospects", hubs_table: "Hubs", fields: renames } },
    );
    const lead = await store.createLead(newLeadFields("Acme", "Needs Admin", { monthlyFee: 150050 }));
    await store.createHub({ hub: "acme", communityLeadId: lead.id, url: null, deploymentIssue: null, liveSince: null });
    expect(standIn.records("Prospects")[0]!.fields).toMatchObject({ "Community name": "Acme", Stage: "Needs Admin", "Monthly fee": 1500.5 });
    expect(standIn.records("Hubs")[0]!.fields).toMatchObject({ Hub: "acme", Lead: [lead.id] });
    expect(await store.listLeads({ statuses: ["Needs Admin"] })).toEqual([lead]);
    expect(await store.findLeadByName("ACME")).toEqual(lead);
  });

  it("skips and reports a record it cannot read, instead of failing the whole list", async () => {
    const problems: string[] = [];
    const { standIn, store } = await setUp(undefined, { onInvalidRecord: (m) => problems.push(m) });
    await store.createLead(newLeadFields("Good", "Active Lead"));
    const bad = standIn.editAsPerson({ table: "Leads", fields: { Name: "No status yet" } });
    expect((await store.listLeads()).map((l) => l.name)).toEqual(["Good"]);
    expect(problems).toEqual([expect.stringContaining(`Leads record ${bad.id} cannot be read: field "Status"`)]);
    await expect(store.getLead(bad.id)).rejects.toThrow(/cannot be read/);
  });

  it("validates a batch whole before its first write", async () => {
    const { standIn, store } = await setUp();
    const batch = [...rows(12), { ...newLeadFields("Bad", "Active Lead"), serviceStartDate: "1 March" }];
    await expect(store.upsertLeadsByName(batch)).rejects.toThrow(InvalidRecordError);
    expect(standIn.records("Leads")).toHaveLength(0);
  });

  it("lists webhook payloads by cursor and tells the app's own writes from a person's", async () => {
    const { standIn, store } = await setUp();
    const webhooks = new AirtableWebhooksClient(store.records.restClient);
    const hook = await webhooks.create({ notificationUrl: null, tableId: store.records.schema.leadsTableId });
    const lead = await store.createLead(newLeadFields("Acme", "Active Lead"));
    await store.updateLead(lead.id, { status: "Waiting", followUpDate: "2026-05-01" });
    for (let i = 0; i < 60; i++) standIn.editAsPerson({ table: "Leads", recordId: lead.id, fields: { Need: `v${i}` } });

    const seen: boolean[] = [];
    let cursor = 1;
    let calls = 0;
    for (;;) {
      const page = await webhooks.listPayloads({ webhookId: hook.id, cursor });
      calls += 1;
      expect(page.payloads.length).toBeLessThanOrEqual(50);
      for (const p of page.payloads) {
        seen.push(store.records.isOwnChange(p.actionMetadata));
        expect(changedRecordIds(p, store.records.schema.leadsTableId)).toEqual([lead.id]);
      }
      cursor = page.cursor;
      if (!page.mightHaveMore) break;
    }
    expect(calls).toBe(2);
    expect(cursor).toBe(63);
    expect(seen.slice(0, 2)).toEqual([true, true]);
    expect(seen.slice(2).every((own) => !own)).toBe(true);
    expect(await store.getState("airtable:api-user-id")).toBe(standIn.userId);
    // Nothing new: same cursor back.
    expect(await webhooks.listPayloads({ webhookId: hook.id, cursor })).toMatchObject({ payloads: [], cursor: 63 });
    expect((await webhooks.list()).map((w) => w.id)).toEqual([hook.id]);
    expect(await webhooks.refresh(hook.id)).toEqual(expect.any(String));
    await webhooks.delete(hook.id);
    expect(await webhooks.list()).toEqual([]);
  });

  describe("write coalescing", () => {
    const patches = (standIn: AirtableStandIn) => standIn.requestLog.filter((e) => e.method === "PATCH");

    async function seeded(count: number, storeOptions: Partial<AirtableRecordStoreOptions> = {}) {
      const world = await setUp(undefined, storeOptions);
      await world.store.upsertLeadsByName(rows(count));
      const leads = await world.store.listLeads();
      world.standIn.resetStats();
      return { ...world, leads };
    }

    it("shares PATCH requests between 25 concurrent updateLead calls; each caller gets its own record", async () => {
      const { standIn, store, leads } = await seeded(25);
      const url = (i: number) => `https://github.com/example-org/sales/issues/${i + 1}`;
      const results = await Promise.all(leads.map((lead, i) => store.updateLead(lead.id, { leadIssue: url(i) })));
      expect(patches(standIn).length).toBeLessThanOrEqual(3);
      expect(patches(standIn).every((e) => e.status === 200)).toBe(true);
      results.forEach((result, i) => {
        expect(result.id).toBe(leads[i]!.id);
        expect(result.name).toBe(leads[i]!.name);
        expect(result.leadIssue).toBe(url(i));
      });
      const stored = new Map(standIn.records("Leads").map((r) => [r.id, r.fields["Lead issue"]]));
      leads.forEach((lead, i) => expect(stored.get(lead.id)).toBe(url(i)));
    });

    it("sends one request per call when coalescing is off", async () => {
      const { standIn, store, leads } = await seeded(12, { coalesceWrites: false });
      await Promise.all(leads.map((lead) => store.updateLead(lead.id, { contactEmail: `x@${lead.id}.org` })));
      expect(patches(standIn)).toHaveLength(12);
    });

    it("fails only the caller whose record is missing; the others are written", async () => {
      const { standIn, store, leads } = await seeded(6);
      const missing = "recMissing0000000";
      const calls = [
        ...leads.slice(0, 3).map((l) => store.updateLead(l.id, { contactEmail: `a@${l.id}.org` })),
        store.updateLead(missing, { contactEmail: "nobody@example.org" }),
        ...leads.slice(3).map((l) => store.updateLead(l.id, { contactEmail: `a@${l.id}.org` })),
      ];
      const outcomes = await Promise.allSettled(calls);
      const failed = outcomes[3]!;
      expect(failed.status).toBe("rejected");
      expect((failed as PromiseRejectedResult).reason).toBeInstanceOf(RecordNotFoundError);
      expect((failed as PromiseRejectedResult).reason.id).toBe(missing);
      const ok = outcomes.filter((o, i) => i !== 3);
      expect(ok.every((o) => o.status === "fulfilled")).toBe(true);
      for (const lead of leads) {
        expect(standIn.records("Leads").find((r) => r.id === lead.id)!.fields["Contact email"]).toBe(`a@${lead.id}.org`);
      }
      // The shared request was refused once (422 naming the id); the six others went again together.
      expect(patches(standIn).map((e) => e.status)).toEqual([422, 200]);
    });

    it("merges two updates of one record in a batch (later fields win); both callers get the merged record", async () => {
      const { standIn, store, leads } = await seeded(2);
      const [a, b] = leads as [Lead, Lead];
      const [first, second, other] = await Promise.all([
        store.updateLead(a.id, { contactEmail: "first@example.org", serviceTier: "Research" }),
        store.updateLead(a.id, { contactEmail: "second@example.org", agreement: "signed" }),
        store.updateLead(b.id, { serviceTier: "Education" }),
      ]);
      expect(patches(standIn)).toHaveLength(1);
      for (const seen of [first, second]) {
        expect(seen).toMatchObject({ id: a.id, contactEmail: "second@example.org", serviceTier: "Research", agreement: "signed" });
      }
      expect(other).toMatchObject({ id: b.id, serviceTier: "Education", contactEmail: null });
      expect(await store.getLead(a.id)).toEqual(first);
    });

    it("keeps the duplicate-name check: two leads renamed to one name at once, only one succeeds", async () => {
      const { standIn, store, leads } = await seeded(3);
      const [a, b, c] = leads as [Lead, Lead, Lead];
      const outcomes = await Promise.allSettled([
        store.updateLead(a.id, { name: "Same Name" }),
        store.updateLead(b.id, { name: "same name " }),
        store.updateLead(c.id, { contactEmail: "c@example.org" }),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateRecordError);
      expect(standIn.records("Leads").filter((r) => String(r.fields.Name).trim().toLowerCase() === "same name")).toHaveLength(1);
      // Renaming a record to its own name is no conflict.
      expect((await store.updateLead(a.id, { name: "SAME NAME" })).name).toBe("SAME NAME");
    });

    it("coalesces updateHub calls too, and a missing hub fails alone", async () => {
      const { standIn, store, leads } = await seeded(1);
      const hubs = await Promise.all(
        ["h1", "h2", "h3"].map((hub) => store.createHub({ hub, communityLeadId: leads[0]!.id, url: null, deploymentIssue: null, liveSince: null })),
      );
      standIn.resetStats();
      const outcomes = await Promise.allSettled([
        ...hubs.map((h) => store.updateHub(h.id, { url: `https://${h.hub}.example.org` })),
        store.updateHub("recMissingHub0000", { url: "https://nowhere.example.org" }),
      ]);
      expect(outcomes.slice(0, 3).map((o) => (o.status === "fulfilled" ? o.value.url : o.reason))).toEqual([
        "https://h1.example.org",
        "https://h2.example.org",
        "https://h3.example.org",
      ]);
      expect((outcomes[3] as PromiseRejectedResult).reason).toBeInstanceOf(RecordNotFoundError);
      // One request per call would be four; shared, the refused one is sent again without the missing hub.
      expect(patches(standIn).length).toBeLessThanOrEqual(3);
    });
  });

  it("verifies notification MACs", () => {
    const secret = Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");
    const body = '{"base":{"id":"appX"},"webhook":{"id":"achX"},"timestamp":"2026-03-01T00:00:00.000Z"}';
    const mac = `hmac-sha256=${createHmac("sha256", Buffer.from(secret, "base64")).update(body).digest("hex")}`;
    expect(verifyAirtableMac({ rawBody: body, header: mac, macSecretBase64: secret })).toBe(true);
    expect(verifyAirtableMac({ rawBody: `${body} `, header: mac, macSecretBase64: secret })).toBe(false);
    expect(verifyAirtableMac({ rawBody: body, header: undefined, macSecretBase64: secret })).toBe(false);
    expect(verifyAirtableMac({ rawBody: body, header: "hmac-sha256=00", macSecretBase64: secret })).toBe(false);
  });
});

describe("AirtableWriteCoalescer", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Requests of up to ten, each answered at once; `requests` records what each carried. */
  function answeringCoalescer(linger: { lingerMs: number; maxLingerMs: number }) {
    const requests: RecordPatch[][] = [];
    const coalescer = new AirtableWriteCoalescer({
      table: "Leads",
      maxRecords: 10,
      ...linger,
      isMissingRecord: () => false,
      call: (_label, attempt) => attempt(),
      patch: async (rows) => {
        requests.push(rows);
        return rows.map((r) => ({ id: r.id, fields: r.fields }));
      },
    });
    return { coalescer, requests };
  }

  it("sends a lone write at once; while writes keep coming, waits for company up to the cap", async () => {
    const { coalescer, requests } = answeringCoalescer({ lingerMs: 200, maxLingerMs: 1000 });
    await coalescer.write("rec0", { n: 0 });
    expect(requests).toHaveLength(1);
    // Writes 5 ms apart keep the wait going; ten, or the cap, send what has gathered.
    const trickle: Promise<unknown>[] = [];
    for (let i = 1; i <= 30; i++) {
      trickle.push(coalescer.write(`rec${i}`, { n: i }));
      await sleep(5);
    }
    await Promise.all(trickle);
    expect(requests.length).toBeLessThan(1 + 30);
    expect(requests.slice(1).every((r) => r.length > 1)).toBe(true);
    expect(requests.flat()).toHaveLength(31);
    // Ten at once fill a request without waiting.
    await sleep(250);
    const before = requests.length;
    const started = performance.now();
    await Promise.all(Array.from({ length: 10 }, (_, i) => coalescer.write(`recFull${i}`, {})));
    expect(requests.length - before).toBeLessThanOrEqual(2);
    expect(performance.now() - started).toBeLessThan(400);
  });

  it("holds patient writes for a full request however slowly they come; sendHeld, an urgent write or the cap send the rest", async () => {
    const { coalescer, requests } = answeringCoalescer({ lingerMs: 20, maxLingerMs: 400 });
    // Links written 25 ms apart, slower than the linger: urgent writes would each go alone.
    const links: Promise<unknown>[] = [];
    for (let i = 0; i < 12; i++) {
      links.push(coalescer.write(`rec${i}`, { n: i }, { patient: true }));
      await sleep(25);
    }
    expect(requests.map((r) => r.length)).toEqual([10]);
    coalescer.sendHeld();
    await Promise.all(links);
    expect(requests.map((r) => r.length)).toEqual([10, 2]);

    // An urgent write goes at once and takes the held ones along.
    const held = [coalescer.write("recH1", {}, { patient: true }), coalescer.write("recH2", {}, { patient: true })];
    await sleep(50);
    expect(requests).toHaveLength(2);
    await sleep(50);
    await coalescer.write("recUrgent", {});
    await Promise.all(held);
    expect(requests[2]!.map((r) => r.id)).toEqual(["recH1", "recH2", "recUrgent"]);

    // Left alone, a patient write goes once it has waited the cap.
    const started = performance.now();
    await coalescer.write("recAlone", {}, { patient: true });
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(380);
    expect(waited).toBeLessThan(1500);
    expect(requests.map((r) => r.length)).toEqual([10, 2, 3, 1]);
  });

  /** A fake base: each request waits for the test to answer it; `call` retries like runAirtableRequest. */
  function fakeBase(options: { existing?: string[] } = {}) {
    const existing = new Set(options.existing ?? ["recA", "recB", "recC", "recD"]);
    const requests: RecordPatch[][] = [];
    const gates: (() => void)[] = [];
    let failNext: unknown[] = [];
    const coalescer = new AirtableWriteCoalescer({
      table: "Leads",
      maxRecords: 2,
      isMissingRecord: (e) => e instanceof AirtableApiError && e.type === "ROW_DOES_NOT_EXIST",
      call: async (_label, attempt) => {
        for (;;) {
          // The limiter grants a slot asynchronously, never in the caller's own tick.
          await new Promise((resolve) => setTimeout(resolve, 0));
          try {
            return await attempt();
          } catch (error) {
            if (error instanceof AirtableApiError) throw error;
          }
        }
      },
      patch: async (rows) => {
        requests.push(rows);
        await new Promise<void>((resolve) => gates.push(resolve));
        const failure = failNext.shift();
        if (failure) throw failure;
        const missing = rows.find((r) => !existing.has(r.id));
        if (missing) throw new AirtableApiError(422, "ROW_DOES_NOT_EXIST", `Record ID ${missing.id} does not exist`);
        return rows.map((r) => ({ id: r.id, fields: r.fields }));
      },
    });
    const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
    const ticks = async () => {
      for (let i = 0; i < 5; i++) await tick();
    };
    /** Answers the oldest request still out, then lets what follows from it happen. */
    const open = async () => {
      await ticks();
      gates.shift()!();
      await ticks();
    };
    return { coalescer, requests, open, tick: ticks, failWith: (errors: unknown[]) => (failNext = errors) };
  }

  it("keeps a batch fixed across its retries; writes arriving meanwhile go in the next request", async () => {
    const base = fakeBase();
    base.failWith([new Error("socket hang up")]);
    const a = base.coalescer.write("recA", { x: 1 });
    await base.tick();
    expect(base.requests).toEqual([[{ id: "recA", fields: { x: 1 } }]]);
    const b = base.coalescer.write("recB", { x: 2 });
    await base.tick();
    // recB waits for a slot of its own while recA's request is out.
    expect(base.requests).toHaveLength(2);
    await base.open(); // recA's first attempt fails and is retried with the same batch
    expect(base.requests[2]).toEqual([{ id: "recA", fields: { x: 1 } }]);
    await base.open();
    await base.open();
    expect(await a).toEqual({ id: "recA", fields: { x: 1 } });
    expect(await b).toEqual({ id: "recB", fields: { x: 2 } });
  });

  it("sends a record's later write only after its earlier request is answered", async () => {
    const base = fakeBase();
    const first = base.coalescer.write("recA", { x: 1 });
    await base.tick();
    const second = base.coalescer.write("recA", { x: 2 });
    const other = base.coalescer.write("recB", { y: 1 });
    await base.tick();
    expect(base.requests).toEqual([[{ id: "recA", fields: { x: 1 } }], [{ id: "recB", fields: { y: 1 } }]]);
    await base.open();
    expect(await first).toEqual({ id: "recA", fields: { x: 1 } });
    expect(base.requests[2]).toEqual([{ id: "recA", fields: { x: 2 } }]);
    await base.open();
    await base.open();
    expect(await second).toEqual({ id: "recA", fields: { x: 2 } });
    expect(await other).toEqual({ id: "recB", fields: { y: 1 } });
  });

  it("retries a refused shared request record by record when the error names none of them", async () => {
    const base = fakeBase();
    base.failWith([
      new AirtableApiError(422, "INVALID_VALUE_FOR_COLUMN", 'Field "v" cannot accept the provided value'),
      new AirtableApiError(422, "INVALID_VALUE_FOR_COLUMN", "bad value"),
    ]);
    const c = base.coalescer.write("recC", { v: "bad" });
    const cFailed = expect(c).rejects.toThrow(/bad value/);
    const a = base.coalescer.write("recA", { v: "ok" });
    await base.open();
    await base.open();
    await base.open();
    expect(base.requests).toEqual([
      [{ id: "recC", fields: { v: "bad" } }, { id: "recA", fields: { v: "ok" } }],
      [{ id: "recC", fields: { v: "bad" } }],
      [{ id: "recA", fields: { v: "ok" } }],
    ]);
    await cFailed;
    expect(await a).toEqual({ id: "recA", fields: { v: "ok" } });
  });
});
