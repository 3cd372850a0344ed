import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { newLeadFields, type LeadFields } from "../../src/domain/records.js";
import {
  startAirtableStandIn,
  type AirtableStandIn,
  type AirtableStandInOptions,
} from "../../src/sandbox/airtable-stand-in/airtable-stand-in.js";
import { hubSalesBaseSchema } from "../../src/sandbox/airtable-stand-in/hub-sales-base-schema.js";
import { AirtableConfigError } from "../../src/store/airtable/airtable-field-map.js";
import {
  AirtableLeadStore,
  AirtableSchemaError,
  type AirtableLeadStoreOptions,
} from "../../src/store/airtable/airtable-lead-store.js";
import { AirtableRateLimitError, AirtableUnavailableError } from "../../src/store/airtable/airtable-request-policy.js";
import {
  AirtableWebhooksClient,
  changedRecordIds,
  verifyAirtableMac,
} from "../../src/store/airtable/airtable-webhooks-client.js";
import { InvalidRecordError } from "../../src/store/record-validation.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";
import { describeLeadStoreContract } from "./lead-store-contract.js";

// Fast limits so the contract runs quickly; the same code paths as 5/s (see the bulk test).
const FAST = { requestsPerSecond: 200, rateLimitWaitMs: 50, backoffBaseMs: 5 };

describeLeadStoreContract("airtable on the stand-in", async () => {
  const standIn = await startAirtableStandIn({ requestsPerSecond: 200, rateLimitPenaltyMs: 50 });
  const store = await AirtableLeadStore.open({
    token: standIn.token,
    baseId: standIn.baseId,
    endpointUrl: standIn.url,
    bookkeeping: SqliteLeadStore.open(":memory:"),
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
    storeOptions: Partial<AirtableLeadStoreOptions> = {},
  ): Promise<{ standIn: AirtableStandIn; store: AirtableLeadStore }> {
    const standIn = await startAirtableStandIn(standInOptions);
    toClose.push(standIn);
    const store = await AirtableLeadStore.open({
      token: standIn.token,
      baseId: standIn.baseId,
      endpointUrl: standIn.url,
      bookkeeping: SqliteLeadStore.open(":memory:"),
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

  it("never gets a 429 in a bulk run at the real 5 requests/s, with two stores sharing the base", { timeout: 60_000 }, async () => {
    const standIn = await startAirtableStandIn({ requestsPerSecond: 5, rateLimitPenaltyMs: 30_000 });
    toClose.push(standIn);
    const open = async () => {
      const store = await AirtableLeadStore.open({
        token: standIn.token,
        baseId: standIn.baseId,
        endpointUrl: standIn.url,
        bookkeeping: SqliteLeadStore.open(":memory:"),
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
    const store = await AirtableLeadStore.open({
      token: standIn.token,
      baseId: standIn.baseId,
      endpointUrl: standIn.url,
      bookkeeping: SqliteLeadStore.open(":memory:"),
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

  it("refuses a configured table or field the base does not have, naming it", async () => {
    const standIn = await startAirtableStandIn({
      requestsPerSecond: 200,
      bases: [{ tables: hubSalesBaseSchema({ omitFields: ["Timeline"] }) }],
    });
    toClose.push(standIn);
    const open = (airtable: AirtableLeadStoreOptions["airtable"]) =>
      AirtableLeadStore.open({
        token: standIn.token,
        baseId: standIn.baseId,
        endpointUrl: standIn.url,
        bookkeeping: SqliteLeadStore.open(":memory:"),
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
      AirtableLeadStore.open({
        token: "wrong",
        baseId: standIn.baseId,
        endpointUrl: standIn.url,
        bookkeeping: SqliteLeadStore.open(":memory:"),
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
    const webhooks = new AirtableWebhooksClient(store.restClient);
    const hook = await webhooks.create({ notificationUrl: null, tableId: store.schema.leadsTableId });
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
        seen.push(store.isOwnChange(p.actionMetadata));
        expect(changedRecordIds(p, store.schema.leadsTableId)).toEqual([lead.id]);
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
