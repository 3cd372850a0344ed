import { createHmac } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AIRTABLE_WEBHOOK_PATH,
  AIRTABLE_WEBHOOK_STATE_KEY,
  airtableWebhookCursorKey,
  asAirtableFeedStore,
  ensureAirtableWebhook,
  type AirtableFeedStore,
  processAirtableNotification,
  readAirtableChanges,
  readAirtableWebhookRegistration,
  refreshAirtableWebhookIfDue,
  upkeepAirtableChangeFeed,
} from "../../src/airtable/airtable-change-feed.js";
import { runCli } from "../../src/cli/main.js";
import { newLeadFields, type Lead } from "../../src/domain/records.js";
import type { LeadStatus } from "../../src/pipeline/lead-status.js";
import { startAirtableStandIn, type AirtableStandIn } from "../../src/sandbox/airtable-stand-in/airtable-stand-in.js";
import { openAirtableLeadStore, type AirtableRecordStore } from "../../src/store/airtable/airtable-record-store.js";
import type { ComposedLeadStore, LeadStore } from "../../src/store/lead-store.js";
import { AirtableWebhooksClient } from "../../src/store/airtable/airtable-webhooks-client.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";
import { SALES_REPO, startSandboxWorld, type SandboxWorld } from "../support/sandbox-world.js";

const FAST = { requestsPerSecond: 200, rateLimitWaitMs: 50, backoffBaseMs: 5 };
const AIRTABLE_REASON = /^AirTable change/;

interface Enqueued {
  key: string;
  reason: string;
}

/** The AirTable half and the state, as the change feed uses them. */
const feed = (store: LeadStore): AirtableFeedStore => asAirtableFeedStore(store)!;

/** The bookkeeping store, recording every `enqueueWork` (the durable half of `runtime.enqueue`). */
function recordingBookkeeping(path: string, log: Enqueued[]): SqliteLeadStore {
  const store = SqliteLeadStore.open(path);
  return new Proxy(store, {
    get(target, prop) {
      if (prop === "enqueueWork") {
        return async (key: string, reason: string) => {
          log.push({ key, reason });
          return target.enqueueWork(key, reason);
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Stands where AirTable's notifications arrive when a test wants to deliver them itself (or not at all). */
interface NotificationRecorder {
  url: string;
  received: { body: string; mac: string }[];
  close(): Promise<void>;
}

async function startNotificationRecorder(): Promise<NotificationRecorder> {
  const received: { body: string; mac: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ body: Buffer.concat(chunks).toString("utf8"), mac: String(req.headers["x-airtable-content-mac"] ?? "") });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function postNotification(world: SandboxWorld, body: string, mac?: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${world.server.url}${AIRTABLE_WEBHOOK_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(mac === undefined ? {} : { "x-airtable-content-mac": mac }) },
    body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

function issueNumber(url: string | null): number {
  const m = url ? /\/issues\/(\d+)$/.exec(url) : null;
  if (!m) throw new Error(`not an issue URL: ${url}`);
  return Number(m[1]);
}

describe("AirTable change detection (webhook → reconcile) against the stand-ins", () => {
  let dir: string;
  let standIn: AirtableStandIn;
  const toClose: { close(): Promise<void> }[] = [];

  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    dir = await mkdtemp(join(tmpdir(), "hub-sales-airtable-feed-"));
    standIn = await startAirtableStandIn({ requestsPerSecond: 200, rateLimitPenaltyMs: 50 });
  });
  afterEach(async () => {
    await standIn.flushNotifications();
    for (const c of toClose.splice(0).reverse()) await c.close();
    await standIn.close();
    await rm(dir, { recursive: true, force: true });
    nock.enableNetConnect();
  });

  async function openStore(enqueued: Enqueued[], file = "bookkeeping.db"): Promise<ComposedLeadStore<AirtableRecordStore>> {
    return openAirtableLeadStore({
      token: standIn.token,
      baseId: standIn.baseId,
      endpointUrl: standIn.url,
      appState: recordingBookkeeping(join(dir, file), enqueued),
      policy: FAST,
    });
  }

  /** The app server on an AirTable store over a bookkeeping file (closing the world closes the store). */
  async function startWorld(enqueued: Enqueued[]): Promise<{ world: SandboxWorld; store: ComposedLeadStore<AirtableRecordStore> }> {
    const store = await openStore(enqueued);
    const world = await startSandboxWorld({ store });
    toClose.push(world);
    return { world, store };
  }

  async function createLead(store: ComposedLeadStore<AirtableRecordStore>, name: string, status: LeadStatus = "Active Lead"): Promise<Lead> {
    return store.createLead(newLeadFields(name, status, { githubHandles: ["rep-one"] }));
  }

  const airtableEnqueues = (log: Enqueued[]) => log.filter((e) => AIRTABLE_REASON.test(e.reason)).map((e) => e.key);

  it("a status change made in the table reaches GitHub through the notification; the app's own writes are ignored", async () => {
    const enqueued: Enqueued[] = [];
    const { world, store } = await startWorld(enqueued);
    const ensured = await ensureAirtableWebhook({ store: feed(store), notificationUrl: `${world.server.url}${AIRTABLE_WEBHOOK_PATH}` });
    expect(ensured.action).toBe("created");

    // The app's own writes: the lead created through the store, then reconcile writing the lead issue URL back.
    const lead = await createLead(store, "Harbor Health Alliance");
    await world.server.runtime.enqueue(lead.id, "test");
    await world.settle();
    await standIn.flushNotifications();
    await world.settle();
    const withIssue = (await store.getLead(lead.id))!;
    const number = issueNumber(withIssue.leadIssue);
    expect(world.github.issue(SALES_REPO, number)?.labels).toContain("status: active lead");
    expect(standIn.notifications.length).toBeGreaterThan(0);
    expect(standIn.notifications.every((n) => n.status === 200)).toBe(true);
    // Both own payloads were read (the cursor moved past them) and none queued a lead.
    expect(await store.getState(airtableWebhookCursorKey(ensured.webhookId))).toBe(3);
    expect(airtableEnqueues(enqueued)).toEqual([]);

    // A person changes the status in the AirTable UI.
    const before = standIn.notifications.length;
    standIn.editAsPerson({ table: "Leads", recordId: lead.id, fields: { Status: "Inactive Lead" } });
    await standIn.flushNotifications();
    await world.settle();
    expect(standIn.notifications.slice(before).map((n) => n.status)).toEqual([200]);
    expect(airtableEnqueues(enqueued)).toEqual([`lead:${lead.id}`]);
    const issue = world.github.issue(SALES_REPO, number)!;
    expect(issue.labels).toContain("status: inactive lead");
    expect(issue.labels).not.toContain("status: active lead");
    expect([issue.state, issue.stateReason]).toEqual(["closed", "not_planned"]);

    // A person creates a lead in the table: it gets its issue too.
    const created = standIn.editAsPerson({ table: "Leads", fields: { Name: "Coastal Ops Guild", Status: "Active Lead" } });
    await standIn.flushNotifications();
    await world.settle();
    await standIn.flushNotifications();
    await world.settle();
    expect(airtableEnqueues(enqueued)).toEqual([`lead:${lead.id}`, `lead:${created.id}`]);
    expect(world.github.issues(SALES_REPO).map((i) => i.title)).toContain("Lead: Coastal Ops Guild");
  });

  it("refuses a wrong, missing or replayed-onto-another-body MAC with 401 and reads nothing; the right one is processed", async () => {
    const enqueued: Enqueued[] = [];
    const recorder = await startNotificationRecorder();
    toClose.push(recorder);
    const { world, store } = await startWorld(enqueued);
    const ensured = await ensureAirtableWebhook({ store: feed(store), notificationUrl: recorder.url });
    const lead = await createLead(store, "Prairie Data Science Initiative");
    standIn.editAsPerson({ table: "Leads", recordId: lead.id, fields: { Status: "Waiting" } });
    await standIn.flushNotifications();
    const real = recorder.received.at(-1)!;
    expect(real.mac).toMatch(/^hmac-sha256=[0-9a-f]{64}$/);

    const tampered = real.body.replace(/"timestamp":"[^"]+"/, '"timestamp":"2020-01-01T00:00:00.000Z"');
    expect(tampered).not.toBe(real.body);
    const wrongKey = `hmac-sha256=${createHmac("sha256", Buffer.from("not the secret")).update(real.body).digest("hex")}`;
    for (const [body, mac] of [
      [real.body, undefined],
      [real.body, ""],
      [real.body, wrongKey],
      [real.body, real.mac.replace("hmac-sha256=", "sha1=")],
      [real.body, `${real.mac.slice(0, -1)}${real.mac.endsWith("0") ? "1" : "0"}`],
      [tampered, real.mac],
    ] as const) {
      const answer = await postNotification(world, body, mac);
      expect(answer.status, `MAC ${String(mac)}`).toBe(401);
      expect(String(answer.json.error)).toMatch(/X-Airtable-Content-MAC/);
    }
    expect(airtableEnqueues(enqueued)).toEqual([]);
    expect(await store.getState(airtableWebhookCursorKey(ensured.webhookId))).toBe(1);

    const ok = await postNotification(world, real.body, real.mac);
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ ok: true, payloads: 2, ownSkipped: 1, leads: [lead.id], cursor: 3 });
    expect(airtableEnqueues(enqueued)).toEqual([`lead:${lead.id}`]);
  });

  it("answers 404 when the store is not AirTable", async () => {
    const world = await startSandboxWorld();
    toClose.push(world);
    const answer = await postNotification(world, "{}", "hmac-sha256=00");
    expect(answer.status).toBe(404);
    expect(String(answer.json.error)).toMatch(/sqlite store.*AIRTABLE_TOKEN/);
  });

  it("answers 401 while no webhook is registered (there is no secret to verify with)", async () => {
    const enqueued: Enqueued[] = [];
    const { world } = await startWorld(enqueued);
    const answer = await postNotification(world, '{"webhook":{"id":"achSomeoneElse0000"}}', "hmac-sha256=" + "0".repeat(64));
    expect(answer.status).toBe(401);
    expect(String(answer.json.error)).toMatch(/no AirTable webhook is registered: run `hub-sales airtable webhook ensure`/);
    expect(enqueued).toEqual([]);
  });

  it("with timers on and HUB_SALES_PUBLIC_URL set, the server registers its webhook at start", async () => {
    const store = await openStore([]);
    const world = await startSandboxWorld({ store, env: { HUB_SALES_TIMERS: "on", HUB_SALES_PUBLIC_URL: "https://bot.example.org" } });
    toClose.push(world);
    let registration = await readAirtableWebhookRegistration(store);
    for (let i = 0; i < 100 && !registration; i++) {
      await new Promise((r) => setTimeout(r, 20));
      registration = await readAirtableWebhookRegistration(store);
    }
    expect(registration?.notificationUrl).toBe(`https://bot.example.org${AIRTABLE_WEBHOOK_PATH}`);
    expect((await new AirtableWebhooksClient(store.records.restClient).list()).map((h) => h.id)).toEqual([registration!.webhookId]);
  });

  it("the cursor survives a restart: no payload processed twice, none skipped", async () => {
    const enqueued: Enqueued[] = [];
    const recorder = await startNotificationRecorder();
    toClose.push(recorder);
    const first = await startWorld(enqueued);
    const [one, two, three] = [
      await createLead(first.store, "Lead One", "Inactive Lead"),
      await createLead(first.store, "Lead Two", "Inactive Lead"),
      await createLead(first.store, "Lead Three", "Inactive Lead"),
    ];
    await ensureAirtableWebhook({ store: feed(first.store), notificationUrl: recorder.url });

    standIn.editAsPerson({ table: "Leads", recordId: one.id, fields: { Status: "Active Lead" } });
    await standIn.flushNotifications();
    const a = await postNotification(first.world, recorder.received.at(-1)!.body, recorder.received.at(-1)!.mac);
    expect(a.json).toMatchObject({ payloads: 1, leads: [one.id] });
    await first.world.settle();

    // Changed while the server is down: the notification is lost (never delivered).
    standIn.editAsPerson({ table: "Leads", recordId: two.id, fields: { Status: "Active Lead" } });
    await standIn.flushNotifications();
    await first.world.close();
    toClose.splice(toClose.indexOf(first.world), 1);

    // A new process: new store, runtime and server on the same bookkeeping file.
    const second = await startWorld(enqueued);
    standIn.editAsPerson({ table: "Leads", recordId: three.id, fields: { Status: "Active Lead" } });
    await standIn.flushNotifications();
    const b = await postNotification(second.world, recorder.received.at(-1)!.body, recorder.received.at(-1)!.mac);
    expect(b.status).toBe(200);
    // The first world's own write (lead one's issue URL) is read and skipped, then two and three.
    expect(b.json.leads).toEqual([two.id, three.id]);
    await second.world.settle();
    expect(airtableEnqueues(enqueued)).toEqual([`lead:${one.id}`, `lead:${two.id}`, `lead:${three.id}`]);
    for (const lead of [one, two, three]) expect((await second.store.getLead(lead.id))?.leadIssue).toMatch(/\/issues\/\d+$/);
    // Each world has a GitHub stand-in of its own: the second opened only the issues of two and three.
    expect(second.world.github.issues(SALES_REPO).map((i) => i.title).sort()).toEqual(["Lead: Lead Three", "Lead: Lead Two"]);
  });

  it("stores the cursor after each page: a failure mid-way re-reads from the failed page, never skips", async () => {
    const enqueued: Enqueued[] = [];
    const store = await openStore(enqueued);
    toClose.push(store);
    const leads = [await createLead(store, "A"), await createLead(store, "B"), await createLead(store, "C")];
    const ensured = await ensureAirtableWebhook({ store: feed(store), notificationUrl: "http://127.0.0.1:9/unreachable" });
    for (const lead of leads) standIn.editAsPerson({ table: "Leads", recordId: lead.id, fields: { Status: "Waiting" } });
    await standIn.flushNotifications();

    const seen: string[] = [];
    let failOn: string | null = leads[1]!.id;
    const enqueue = async (leadId: string) => {
      if (leadId === failOn) throw new Error("the queue's database is locked");
      seen.push(leadId);
    };
    await expect(readAirtableChanges({ store: feed(store), enqueue, pageSize: 1 })).rejects.toThrow(/locked/);
    expect(seen).toEqual([leads[0]!.id]);
    expect(await store.getState(airtableWebhookCursorKey(ensured.webhookId))).toBe(2);

    failOn = null;
    const read = await readAirtableChanges({ store: feed(store), enqueue, pageSize: 1 });
    expect(read).toMatchObject({ payloads: 2, leadIds: [leads[1]!.id, leads[2]!.id], cursor: 4 });
    expect(seen).toEqual(leads.map((l) => l.id));
    // Nothing new: one request, nothing queued.
    expect(await readAirtableChanges({ store: feed(store), enqueue })).toMatchObject({ payloads: 0, leadIds: [], cursor: 4 });
  });

  it("concurrent notifications do not double-process: each lead is queued once", async () => {
    const enqueued: Enqueued[] = [];
    const recorder = await startNotificationRecorder();
    toClose.push(recorder);
    const store = await openStore(enqueued);
    toClose.push(store);
    const leads = await Promise.all(["P", "Q", "R", "S"].map((n) => createLead(store, n)));
    await ensureAirtableWebhook({ store: feed(store), notificationUrl: recorder.url });
    for (const lead of leads) standIn.editAsPerson({ table: "Leads", recordId: lead.id, fields: { Status: "Waiting" } });
    await standIn.flushNotifications();
    const { body, mac } = recorder.received.at(-1)!;
    const queued: string[] = [];
    const enqueue = async (leadId: string) => {
      await new Promise((r) => setTimeout(r, 5));
      queued.push(leadId);
    };
    const results = await Promise.all(
      Array.from({ length: 5 }, () => processAirtableNotification({ store: feed(store), rawBody: body, macHeader: mac, enqueue, pageSize: 2 })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(queued.sort()).toEqual(leads.map((l) => l.id).sort());
  });

  it("ensure creates, then refreshes the same webhook; recreates when gone, expired or pointed elsewhere; deletes strays", async () => {
    let clock = new Date("2026-11-26T12:00:00Z");
    await standIn.close();
    standIn = await startAirtableStandIn({ requestsPerSecond: 200, rateLimitPenaltyMs: 50, now: () => clock });
    const now = () => clock;
    const store = await openStore([]);
    toClose.push(store);
    const client = new AirtableWebhooksClient(store.records.restClient);
    const url = "https://bot.example.org/hub-sales/airtable/webhook";

    const created = await ensureAirtableWebhook({ store: feed(store), notificationUrl: url, now });
    expect(created).toMatchObject({ action: "created", notificationUrl: url, expirationTime: "2026-12-03T12:00:00.000Z", deleted: [] });
    const registration = await readAirtableWebhookRegistration(store);
    expect(registration).toMatchObject({ webhookId: created.webhookId, baseId: standIn.baseId, tableId: store.records.schema.leadsTableId, notificationUrl: url });
    expect(registration!.macSecretBase64.length).toBeGreaterThan(20);
    expect(await store.getState(airtableWebhookCursorKey(created.webhookId))).toBe(1);

    clock = new Date("2026-11-28T12:00:00Z");
    const refreshed = await ensureAirtableWebhook({ store: feed(store), notificationUrl: url, now });
    expect(refreshed).toMatchObject({ action: "refreshed", webhookId: created.webhookId, expirationTime: "2026-12-05T12:00:00.000Z" });
    expect((await client.list()).map((h) => h.id)).toEqual([created.webhookId]);
    expect((await readAirtableWebhookRegistration(store))?.expirationTime).toBe("2026-12-05T12:00:00.000Z");
    // The secret survives a refresh: notifications keep verifying.
    expect((await readAirtableWebhookRegistration(store))?.macSecretBase64).toBe(registration!.macSecretBase64);

    // The server's upkeep: nothing due with more than 3 days left (no request at all), due with less.
    standIn.resetStats();
    clock = new Date("2026-12-01T12:00:00Z");
    expect(await refreshAirtableWebhookIfDue({ store: feed(store), notificationUrl: url, now })).toBeNull();
    expect(standIn.stats().total).toBe(0);
    clock = new Date("2026-12-02T13:00:00Z");
    expect(await refreshAirtableWebhookIfDue({ store: feed(store), notificationUrl: url, now })).toMatchObject({ action: "refreshed", webhookId: created.webhookId });

    // A stray pointing at our URL (its secret unknown) is deleted.
    const stray = await client.create({ notificationUrl: url, tableId: store.records.schema.leadsTableId });
    const again = await ensureAirtableWebhook({ store: feed(store), notificationUrl: url, now });
    expect(again).toMatchObject({ action: "refreshed", webhookId: created.webhookId, deleted: [stray.id] });

    // Another public URL: the old webhook goes, a new one comes, with a cursor of its own.
    const moved = await ensureAirtableWebhook({ store: feed(store), notificationUrl: "https://new.example.org/hub-sales/airtable/webhook", now });
    expect(moved.action).toBe("recreated");
    expect(moved.deleted).toEqual([created.webhookId]);
    expect((await client.list()).map((h) => h.id)).toEqual([moved.webhookId]);
    expect(await store.getState(airtableWebhookCursorKey(created.webhookId))).toBeNull();

    // Deleted behind the app's back.
    await client.delete(moved.webhookId);
    const back = await ensureAirtableWebhook({ store: feed(store), notificationUrl: url, now });
    expect(back).toMatchObject({ action: "recreated", deleted: [] });

    // Expired (8 days without refresh).
    clock = new Date(clock.getTime() + 8 * 24 * 3600 * 1000);
    const revived = await ensureAirtableWebhook({ store: feed(store), notificationUrl: url, now });
    expect(revived.action).toBe("recreated");
    expect(revived.deleted).toEqual([back.webhookId]);
    expect((await client.list()).map((h) => h.id)).toEqual([revived.webhookId]);
  });

  it("the server's upkeep creates the webhook only with a public URL, and reads payloads a lost notification left", async () => {
    const enqueued: Enqueued[] = [];
    const store = await openStore(enqueued);
    toClose.push(store);
    const queued: string[] = [];
    const log = { info: () => undefined, error: (m: string) => queued.push(`error: ${m}`) };
    const enqueue = async (leadId: string) => void queued.push(leadId);
    await upkeepAirtableChangeFeed({ store, publicUrl: null, enqueue, log });
    expect(await store.getState(AIRTABLE_WEBHOOK_STATE_KEY)).toBeNull();

    await upkeepAirtableChangeFeed({ store, publicUrl: "http://127.0.0.1:9", enqueue, log });
    const registration = await readAirtableWebhookRegistration(store);
    expect(registration?.notificationUrl).toBe(`http://127.0.0.1:9${AIRTABLE_WEBHOOK_PATH}`);
    const lead = await createLead(store, "Missed Notification Lab");
    standIn.editAsPerson({ table: "Leads", recordId: lead.id, fields: { Status: "Waiting" } });
    await standIn.flushNotifications();
    expect(standIn.notifications.at(-1)?.status).toBeNull(); // nobody listening at :9
    await upkeepAirtableChangeFeed({ store, publicUrl: "http://127.0.0.1:9", enqueue, log });
    expect(queued).toEqual([lead.id]);
    expect(await readAirtableWebhookRegistration(store)).toEqual(registration);
  });
});

describe("hub-sales airtable webhook ensure", () => {
  let dir: string;
  let standIn: AirtableStandIn;
  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    dir = await mkdtemp(join(tmpdir(), "hub-sales-airtable-cli-"));
    standIn = await startAirtableStandIn({ requestsPerSecond: 200, rateLimitPenaltyMs: 50 });
  });
  afterEach(async () => {
    await standIn.close();
    await rm(dir, { recursive: true, force: true });
    nock.enableNetConnect();
  });

  async function cli(env: Record<string, string>) {
    let out = "";
    let err = "";
    const code = await runCli(["airtable", "webhook", "ensure"], {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: { HUB_SALES_DB: join(dir, "hub-sales.db"), ...env },
    });
    // Without HUB_SALES_CONFIG or app credentials the command may say it runs on the defaults; that note is not under test here.
    err = err.replace(/^note: HUB_SALES_CONFIG is not set .*\n/, "");
    return { code, out, err };
  }

  const airtableEnv = () => ({ AIRTABLE_TOKEN: standIn.token, AIRTABLE_BASE_ID: standIn.baseId, AIRTABLE_ENDPOINT_URL: standIn.url });

  it("creates the webhook, then refreshes it, printing id, URL and expiry", async () => {
    const env = { ...airtableEnv(), HUB_SALES_PUBLIC_URL: "https://bot.example.org/" };
    const first = await cli(env);
    expect([first.code, first.err]).toEqual([0, ""]);
    const id = /^webhook (ach\w+) created$/m.exec(first.out)?.[1];
    expect(id).toBeDefined();
    expect(first.out).toContain("notification URL: https://bot.example.org/hub-sales/airtable/webhook");
    expect(first.out).toMatch(/^expires: \d{4}-\d\d-\d\dT/m);
    const second = await cli(env);
    expect([second.code, second.err]).toEqual([0, ""]);
    expect(second.out).toContain(`webhook ${id} refreshed`);
  });

  it.each([
    [{}, /^hub-sales: AIRTABLE_TOKEN is not set: .*AIRTABLE_BASE_ID/],
    [{ AIRTABLE_TOKEN: "pat" }, /^hub-sales: HUB_SALES_PUBLIC_URL is not set: .*https:\/\/bot\.example\.org/],
    [{ AIRTABLE_TOKEN: "pat", HUB_SALES_PUBLIC_URL: "ftp://bot.example.org" }, /^hub-sales: HUB_SALES_PUBLIC_URL must be an http\(s\) URL .*got "ftp:\/\/bot\.example\.org"/],
    [{ AIRTABLE_TOKEN: "pat", HUB_SALES_PUBLIC_URL: "https://bot.example.org" }, /^hub-sales: AIRTABLE_TOKEN is set but no base is named/],
  ])("refuses %j with one clear line and exit 1", async (env, message) => {
    const { code, out, err } = await cli(env as Record<string, string>);
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err.split("\n")[0]).toMatch(message);
  });

  it("reports a token AirTable refuses in one line", async () => {
    const { code, err } = await cli({ ...airtableEnv(), AIRTABLE_TOKEN: "patWrong", HUB_SALES_PUBLIC_URL: "https://bot.example.org" });
    expect(code).toBe(1);
    expect(err.split("\n")[0]).toMatch(/^hub-sales: .+/);
    expect(err).not.toMatch(/\n\s+at /);
  });
});
