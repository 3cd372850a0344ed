import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Airtable from "airtable";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startAirtableStandIn, type AirtableStandIn } from "../../src/sandbox/airtable-stand-in/airtable-stand-in.js";
import { parseFormula, evaluateFormula, FormulaError } from "../../src/sandbox/airtable-stand-in/airtable-formula.js";

let standIn: AirtableStandIn;

async function api(
  method: string,
  path: string,
  body?: unknown,
  token = standIn.token,
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${standIn.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

const leads = () => `/v0/${standIn.baseId}/Leads`;

async function createLeads(count: number, prefix = "Lead"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 10) {
    const records = Array.from({ length: Math.min(10, count - i) }, (_, j) => ({
      fields: { Name: `${prefix} ${String(i + j).padStart(3, "0")}`, Status: "Active Lead" },
    }));
    const res = await api("POST", leads(), { records });
    expect(res.status).toBe(200);
    ids.push(...res.json.records.map((r: { id: string }) => r.id));
  }
  return ids;
}

describe("AirTable stand-in: records", () => {
  beforeEach(async () => {
    standIn = await startAirtableStandIn({ requestsPerSecond: 1000, rateLimitPenaltyMs: 20 });
  });
  afterEach(async () => {
    await standIn.close();
  });

  it("refuses a missing or wrong token with 401", async () => {
    expect((await api("GET", leads(), undefined, "wrong")).status).toBe(401);
    const res = await fetch(`${standIn.url}${leads()}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe("AUTHENTICATION_REQUIRED");
  });

  it("answers 404 TABLE_NOT_FOUND for an unknown table, and serves a table by id too", async () => {
    const missing = await api("GET", `/v0/${standIn.baseId}/Leadz`);
    expect(missing.status).toBe(404);
    expect(missing.json.error.type).toBe("TABLE_NOT_FOUND");
    await createLeads(1);
    const byId = await api("GET", `/v0/${standIn.baseId}/${standIn.tableId("Leads")}`);
    expect(byId.status).toBe(200);
    expect(byId.json.records).toHaveLength(1);
  });

  it("creates records with rec ids and createdTime, and omits empty cells", async () => {
    const res = await api("POST", leads(), {
      records: [{ fields: { Name: "Acme", Status: "Waiting", "Managed cloud billing": false, Agreement: "" } }],
    });
    expect(res.status).toBe(200);
    const [record] = res.json.records;
    expect(record.id).toMatch(/^rec[A-Za-z0-9]{14}$/);
    expect(Date.parse(record.createdTime)).not.toBeNaN();
    expect(record.fields).toEqual({ Name: "Acme", Status: "Waiting" });
  });

  it("refuses an 11-record write (create, update, delete) with 422 and writes nothing", async () => {
    const records = Array.from({ length: 11 }, (_, i) => ({ fields: { Name: `X${i}` } }));
    const create = await api("POST", leads(), { records });
    expect(create.status).toBe(422);
    expect(create.json.error.type).toBe("INVALID_RECORDS");
    expect(standIn.records("Leads")).toHaveLength(0);

    const ids = await createLeads(11);
    const update = await api("PATCH", leads(), { records: ids.map((id) => ({ id, fields: { Status: "Waiting" } })) });
    expect(update.status).toBe(422);
    const del = await api("DELETE", `${leads()}?${ids.map((id) => `records[]=${id}`).join("&")}`);
    expect(del.status).toBe(422);
    expect(standIn.records("Leads").every((r) => r.fields.Status === "Active Lead")).toBe(true);
    expect(standIn.records("Leads")).toHaveLength(11);
  });

  it("pages at most 100 records, continued by offset, and refuses pageSize over 100", async () => {
    await createLeads(250);
    expect((await api("GET", `${leads()}?pageSize=101`)).status).toBe(422);
    const seen: string[] = [];
    let offset: string | undefined;
    const sizes: number[] = [];
    do {
      const res = await api("GET", `${leads()}${offset ? `?offset=${encodeURIComponent(offset)}` : ""}`);
      expect(res.status).toBe(200);
      sizes.push(res.json.records.length);
      seen.push(...res.json.records.map((r: { id: string }) => r.id));
      offset = res.json.offset;
    } while (offset);
    expect(sizes).toEqual([100, 100, 50]);
    expect(new Set(seen).size).toBe(250);
    expect((await api("GET", `${leads()}?offset=itrBogus/rec1`)).json.error.type).toBe("LIST_RECORDS_ITERATOR_NOT_AVAILABLE");
  });

  it("serves the SDK: select with formula, sort, fields and pages; find; update; destroy; POST listRecords", async () => {
    await createLeads(12);
    const base = new Airtable({ apiKey: standIn.token, endpointUrl: standIn.url, noRetryIfRateLimited: true }).base(standIn.baseId);
    const picked = await base("Leads")
      .select({
        filterByFormula: "OR(LOWER({Name}) = 'lead 003', {Name} = 'Lead 007')",
        sort: [{ field: "Name", direction: "desc" }],
        fields: ["Name"],
      })
      .all();
    expect(picked.map((r) => r.fields)).toEqual([{ Name: "Lead 007" }, { Name: "Lead 003" }]);

    const pages: number[] = [];
    await base("Leads")
      .select({ pageSize: 5 })
      .eachPage((records, next) => {
        pages.push(records.length);
        next();
      });
    expect(pages).toEqual([5, 5, 2]);

    const viaPost = await base("Leads").select({ method: "post", filterByFormula: "{Name} = 'Lead 001'" }).all();
    expect(viaPost).toHaveLength(1);
    expect(standIn.requestLog.some((e) => e.method === "POST" && e.path.endsWith("/listRecords"))).toBe(true);

    const id = picked[0]!.id;
    expect((await base("Leads").find(id)).get("Name")).toBe("Lead 007");
    await base("Leads").update(id, { Status: "Needs Admin" });
    expect(standIn.records("Leads").find((r) => r.id === id)!.fields.Status).toBe("Needs Admin");
    await base("Leads").destroy([id]);
    expect(standIn.records("Leads")).toHaveLength(11);
    await expect(base("Leads").find(id)).rejects.toMatchObject({ statusCode: 404 });
  });

  it("checks fields against the schema: unknown names, select options, types, links", async () => {
    const unknown = await api("POST", leads(), { records: [{ fields: { Name: "A", Stage: "x" } }] });
    expect(unknown.status).toBe(422);
    expect(unknown.json.error.type).toBe("UNKNOWN_FIELD_NAME");
    expect(unknown.json.error.message).toContain("Stage");

    const option = await api("POST", leads(), { records: [{ fields: { Name: "A", Status: "Hot" } }] });
    expect(option.json.error.type).toBe("INVALID_MULTIPLE_CHOICE_OPTIONS");
    const typecast = await api("POST", leads(), { records: [{ fields: { Name: "A", Status: "Hot" } }], typecast: true });
    expect(typecast.status).toBe(200);

    const date = await api("POST", leads(), { records: [{ fields: { Name: "B", "Service start date": "March 1" } }] });
    expect(date.json.error.type).toBe("INVALID_VALUE_FOR_COLUMN");
    const fee = await api("POST", leads(), { records: [{ fields: { Name: "B", "Monthly fee": "1500" } }] });
    expect(fee.json.error.type).toBe("INVALID_VALUE_FOR_COLUMN");

    const link = await api("POST", `/v0/${standIn.baseId}/Active%20Hubs`, {
      records: [{ fields: { Hub: "h", Community: ["recAAAAAAAAAAAAAA"] } }],
    });
    expect(link.json.error.type).toBe("ROW_DOES_NOT_EXIST");
    // One bad record refuses the whole request.
    expect(standIn.records("Leads").map((r) => r.fields.Name)).toEqual(["A"]);
  });

  it("refuses formulas it does not understand with INVALID_FILTER_BY_FORMULA", async () => {
    for (const formula of ["SEARCH('a', {Name})", "{Name} = ", "{Nope} = 'x'", "{Name} > 'a'"]) {
      const res = await api("GET", `${leads()}?filterByFormula=${encodeURIComponent(formula)}`);
      expect(res.status, formula).toBe(422);
      expect(res.json.error.type).toBe("INVALID_FILTER_BY_FORMULA");
    }
  });

  it("serves the metadata and whoami endpoints", async () => {
    const meta = await api("GET", `/v0/meta/bases/${standIn.baseId}/tables`);
    expect(meta.json.tables.map((t: { name: string }) => t.name)).toEqual(["Leads", "Active Hubs"]);
    const hubs = meta.json.tables[1];
    const community = hubs.fields.find((f: { name: string }) => f.name === "Community");
    expect(community).toMatchObject({ type: "multipleRecordLinks", options: { linkedTableId: standIn.tableId("Leads") } });
    expect((await api("GET", "/v0/meta/whoami")).json.id).toBe(standIn.userId);
  });

  it("injects errors for the next requests only", async () => {
    standIn.injectErrors({ status: 503, count: 2 });
    expect((await api("GET", leads())).status).toBe(503);
    expect((await api("GET", leads())).status).toBe(503);
    expect((await api("GET", leads())).status).toBe(200);
    standIn.injectErrors({ status: 500, count: 1, after: true });
    expect((await api("POST", leads(), { records: [{ fields: { Name: "Lost reply" } }] })).status).toBe(500);
    // The write happened even though the reply was an error.
    expect(standIn.records("Leads").map((r) => r.fields.Name)).toEqual(["Lost reply"]);
    expect(standIn.stats().byStatus).toMatchObject({ "200": 1, "500": 1, "503": 2 });
  });
});

describe("AirTable stand-in: rate limit", () => {
  afterEach(async () => {
    await standIn.close();
  });

  it("answers 429 above 5 requests/s per base, then holds the base for the penalty", async () => {
    standIn = await startAirtableStandIn({ rateLimitPenaltyMs: 300 });
    const statuses = await Promise.all(Array.from({ length: 7 }, () => api("GET", leads()).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 1100));
    // The penalty (300 ms) and the window (1 s) are over.
    expect((await api("GET", leads())).status).toBe(200);
    const stats = standIn.stats();
    expect(stats.maxObservedRate).toBe(7);
    expect(stats.byMethod).toEqual({ GET: 8 });
  });

  it("keeps answering 429 during the penalty even under the rate", async () => {
    standIn = await startAirtableStandIn({ requestsPerSecond: 2, rateLimitPenaltyMs: 1500 });
    await Promise.all([api("GET", leads()), api("GET", leads()), api("GET", leads())]);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await api("GET", leads())).status).toBe(429);
  });
});

describe("AirTable stand-in: webhooks", () => {
  let receiver: Server;
  let received: { body: string; mac: string | undefined }[];
  let receiverUrl: string;
  let clock: Date;

  beforeEach(async () => {
    clock = new Date("2026-03-01T12:00:00Z");
    standIn = await startAirtableStandIn({ requestsPerSecond: 1000, now: () => clock });
    received = [];
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ body: Buffer.concat(chunks).toString("utf8"), mac: req.headers["x-airtable-content-mac"] as string });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hub-sales/airtable/webhook`;
  });
  afterEach(async () => {
    await standIn.close();
    await new Promise((r) => receiver.close(r));
  });

  const hooks = () => `/v0/bases/${standIn.baseId}/webhooks`;

  async function createHook(tableId?: string): Promise<{ id: string; macSecretBase64: string; expirationTime: string }> {
    const filters: Record<string, unknown> = { dataTypes: ["tableData"] };
    if (tableId) filters.recordChangeScope = tableId;
    const res = await api("POST", hooks(), { notificationUrl: receiverUrl, specification: { options: { filters } } });
    expect(res.status).toBe(200);
    return res.json;
  }

  it("creates a webhook showing its secret once, expiring in 7 days; lists, refreshes and deletes it", async () => {
    const hook = await createHook(standIn.tableId("Leads"));
    expect(hook.id).toMatch(/^ach[A-Za-z0-9]{14}$/);
    expect(Buffer.from(hook.macSecretBase64, "base64").length).toBe(32);
    expect(hook.expirationTime).toBe("2026-03-08T12:00:00.000Z");
    const list = await api("GET", hooks());
    expect(list.json.webhooks).toHaveLength(1);
    expect(JSON.stringify(list.json)).not.toContain(hook.macSecretBase64);
    clock = new Date("2026-03-05T00:00:00Z");
    expect((await api("POST", `${hooks()}/${hook.id}/refresh`)).json.expirationTime).toBe("2026-03-12T00:00:00.000Z");
    clock = new Date("2026-03-13T00:00:00Z");
    expect((await api("POST", `${hooks()}/${hook.id}/refresh`)).status).toBe(404);
    expect((await api("DELETE", `${hooks()}/${hook.id}`)).status).toBe(200);
    expect((await api("GET", hooks())).json.webhooks).toHaveLength(0);
  });

  it("records API writes as publicApi by the token's user and person edits as client, in cursor pages", async () => {
    const hook = await createHook(standIn.tableId("Leads"));
    const created = await api("POST", leads(), { records: [{ fields: { Name: "Acme", Status: "Active Lead" } }] });
    const id = created.json.records[0].id;
    standIn.editAsPerson({ table: "Leads", recordId: id, fields: { Status: "Needs Admin" } });
    // A change in another table is outside the webhook's scope.
    await api("POST", `/v0/${standIn.baseId}/Active%20Hubs`, { records: [{ fields: { Hub: "acme" } }] });
    for (let i = 0; i < 3; i++) standIn.editAsPerson({ table: "Leads", recordId: id, fields: { Need: `n${i}` } });

    const first = await api("GET", `${hooks()}/${hook.id}/payloads?cursor=1&limit=2`);
    expect(first.json).toMatchObject({ cursor: 3, mightHaveMore: true });
    const [p1, p2] = first.json.payloads;
    const leadsTable = standIn.tableId("Leads");
    expect(p1.actionMetadata).toEqual({ source: "publicApi", sourceMetadata: { user: { id: standIn.userId, permissionLevel: "create" } } });
    expect(Object.keys(p1.changedTablesById[leadsTable].createdRecordsById)).toEqual([id]);
    expect(p2.actionMetadata.source).toBe("client");
    const statusField = standIn.fieldId("Leads", "Status");
    expect(p2.changedTablesById[leadsTable].changedRecordsById[id]).toEqual({
      current: { cellValuesByFieldId: { [statusField]: "Needs Admin" } },
      previous: { cellValuesByFieldId: { [statusField]: "Active Lead" } },
    });
    expect(p2.baseTransactionNumber).toBeGreaterThan(p1.baseTransactionNumber);

    const rest = await api("GET", `${hooks()}/${hook.id}/payloads?cursor=3`);
    expect(rest.json.payloads).toHaveLength(3);
    expect(rest.json).toMatchObject({ cursor: 6, mightHaveMore: false });
    const none = await api("GET", `${hooks()}/${hook.id}/payloads?cursor=6`);
    expect(none.json).toMatchObject({ payloads: [], cursor: 6, mightHaveMore: false });
    expect((await api("GET", `${hooks()}/${hook.id}/payloads?limit=51`)).status).toBe(422);
  });

  it("returns at most 50 payloads per call", async () => {
    const hook = await createHook();
    const [id] = await createLeads(1);
    for (let i = 0; i < 60; i++) standIn.editAsPerson({ table: "Leads", recordId: id!, fields: { Need: `n${i}` } });
    const page = await api("GET", `${hooks()}/${hook.id}/payloads`);
    expect(page.json.payloads).toHaveLength(50);
    expect(page.json).toMatchObject({ cursor: 51, mightHaveMore: true });
  });

  it("notifies the notification URL with a body signed by the webhook's secret", async () => {
    const hook = await createHook();
    standIn.editAsPerson({ table: "Leads", fields: { Name: "Person-made", Status: "Active Lead" } });
    await standIn.flushNotifications();
    expect(received).toHaveLength(1);
    const { body, mac } = received[0]!;
    expect(JSON.parse(body)).toEqual({ base: { id: standIn.baseId }, webhook: { id: hook.id }, timestamp: clock.toISOString() });
    const expected = createHmac("sha256", Buffer.from(hook.macSecretBase64, "base64")).update(body).digest("hex");
    expect(mac).toBe(`hmac-sha256=${expected}`);
    expect(standIn.notifications[0]).toMatchObject({ status: 200, error: null });
  });

  it("stops recording payloads for an expired webhook", async () => {
    const hook = await createHook();
    clock = new Date("2026-03-09T00:00:00Z");
    standIn.editAsPerson({ table: "Leads", fields: { Name: "Late", Status: "Active Lead" } });
    const page = await api("GET", `${hooks()}/${hook.id}/payloads`);
    expect(page.json.payloads).toHaveLength(0);
  });
});

describe("stand-in formula evaluator", () => {
  const record = { id: "recX", fields: { Name: "Acme Uni", Status: "Active Lead", Checked: true } };
  it.each([
    ["LOWER({Name}) = 'acme uni'", true],
    ["{Name} = 'acme uni'", false],
    ["OR({Status} = 'Waiting', {Status} = 'Active Lead')", true],
    ["AND({Status} = 'Active Lead', NOT({Name} = 'Acme Uni'))", false],
    ["{Missing} = ''", true],
    ["RECORD_ID() = 'recX'", true],
    ["{Checked}", true],
    ["{Name} != 'x\\'y'", true],
  ])("%s → %s", (formula, expected) => {
    expect(evaluateFormula(parseFormula(formula), record)).toBe(expected);
  });
  it.each(["FIND('a', {Name})", "{Name} = 'a' = 'b'", "OR()", "'unclosed", "{Name} & 'x'"])("refuses %s", (formula) => {
    expect(() => parseFormula(formula)).toThrow(FormulaError);
  });
});
