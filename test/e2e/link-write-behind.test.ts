import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startHubSalesServer, type HubSalesServer } from "../../src/app/start-hub-sales-server.js";
import { startAirtableStandIn, type AirtableStandIn } from "../../src/sandbox/airtable-stand-in/airtable-stand-in.js";
import { hubSalesBaseSchema } from "../../src/sandbox/airtable-stand-in/hub-sales-base-schema.js";
import { openAirtableLeadStore, type AirtableRecordStore } from "../../src/store/airtable/airtable-record-store.js";
import type { ComposedLeadStore, LeadStore } from "../../src/store/lead-store.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";
import { SALES_REPO, startSandboxWorld, type SandboxWorld } from "../support/sandbox-world.js";

/*
 * A queued reconcile writes the links of the issues it opens behind: it goes on with the next
 * lead while the links share full AirTable requests, and its work item completes once they land.
 */

const FAST = { requestsPerSecond: 200, rateLimitWaitMs: 50, backoffBaseMs: 5 };
const QUEUE = { baseDelayMs: 20, maxDelayMs: 200, pollIntervalMs: 50 };

let airtable: AirtableStandIn;
let appState: SqliteLeadStore;
let world: SandboxWorld | null = null;
let second: { server: HubSalesServer; store: LeadStore } | null = null;

/** A process's store: the leads in the AirTable stand-in, the app's state in the shared SQLite store. */
function openStore(): Promise<ComposedLeadStore<AirtableRecordStore>> {
  return openAirtableLeadStore({
    token: airtable.token,
    baseId: airtable.baseId,
    endpointUrl: airtable.url,
    appState,
    closeAppState: false,
    policy: FAST,
  });
}

async function seed(records: Record<string, unknown>[]): Promise<void> {
  airtable = await startAirtableStandIn({
    requestsPerSecond: 200,
    bases: [{ tables: hubSalesBaseSchema().map((t) => (t.name === "Leads" ? { ...t, records } : t)) }],
  });
}

const leadPatches = () => airtable.requestLog.filter((r) => r.method === "PATCH" && r.path.includes("/Leads"));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  appState = SqliteLeadStore.open(":memory:");
});

afterEach(async () => {
  await second?.server.close();
  await second?.store.close();
  second = null;
  await world?.close();
  world = null;
  await airtable.close();
  await appState.close();
  nock.enableNetConnect();
});

describe("links written behind the reconcile", () => {
  it("a first pass over 40 open leads, 4 reconciled at once, writes their links in 4 requests of 10", async () => {
    const open = Array.from({ length: 40 }, (_, i) => ({ Name: `Open Community ${i}`, Status: "Active Lead" }));
    const historic = Array.from({ length: 20 }, (_, i) => ({ Name: `Old Community ${i}`, Status: "Inactive Lead" }));
    await seed([...open, ...historic]);
    world = await startSandboxWorld({ store: await openStore(), app: { queue: { ...QUEUE, concurrency: 4 } } });
    airtable.resetStats();
    const from = airtable.requestLog.length;

    expect(await world.server.runtime.enqueueAll("daily")).toBe(40);
    await world.settle();

    // Blocking on each link, four leads at a time could never fill a request of ten.
    expect(airtable.requestLog.slice(from).filter((r) => r.method === "PATCH")).toHaveLength(4);
    expect(leadPatches().every((r) => r.status === 200)).toBe(true);
    const issues = new Map(world.github.issues(SALES_REPO).map((i) => [i.title, i.htmlUrl]));
    expect(issues.size).toBe(40);
    for (const record of airtable.records("Leads").filter((r) => r.fields.Status === "Active Lead")) {
      expect(record.fields["Lead issue"]).toBe(issues.get(`Lead: ${String(record.fields.Name)}`));
    }
    expect(await world.store.listWork()).toEqual([]);
  });

  it("a process that dies after opening the issue, its link still held, leaves the work queued; the next process adopts the issue", async () => {
    await seed([{ Name: "Crash Lab", Status: "Active Lead" }]);
    const storeA = await openStore();
    let held: ((error: Error) => void) | null = null;
    let gone = false;
    // Process A: its link write is held and never reaches AirTable; once it "dies", every
    // store call fails, so nothing more is recorded, not even the failure of the run.
    const dying = new Proxy(storeA, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== "function" || prop === "close" || prop === "sendHeldWrites" || prop === "isOwnChange") return value;
        return async (...args: unknown[]) => {
          if (gone) throw new Error("the process is gone");
          if (prop === "updateLead" && (args[2] as { patient?: boolean } | undefined)?.patient) {
            return new Promise((_resolve, reject) => (held = reject));
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as LeadStore;
    world = await startSandboxWorld({ store: dying, env: { HUB_SALES_LEASE_SECONDS: "1" }, app: { queue: QUEUE } });
    const { github } = world;
    const [lead] = await storeA.listLeads();
    await world.server.runtime.enqueue(lead!.id, "table change");
    await waitFor("the link write to be held", () => held !== null);
    // The run itself is over: its GitHub work is done, and its lead log written.
    await waitFor("the run to end", async () => (await appState.listLeadLog(lead!.id, { kind: "action" })).length > 0);
    expect(github.issues(SALES_REPO)).toHaveLength(1);
    gone = true;
    held!(new Error("the process is gone"));
    await world.server.close();

    expect(airtable.records("Leads")[0]!.fields["Lead issue"]).toBeUndefined();
    expect((await appState.listWork()).map((w) => w.key)).toEqual([`lead:${lead!.id}`]);

    // Process B: another store on the same base and appState, the same GitHub.
    const storeB = await openStore();
    second = {
      store: storeB,
      server: await startHubSalesServer({
        env: { ...world.env, HUB_SALES_TIMERS: "off" },
        retryPolicy: { retryAfterBaseMs: 10, writeIntervalMs: 0 },
        app: { store: storeB, queue: QUEUE },
      }),
    };
    await waitFor("B to finish the work", async () => (await appState.listWork()).length === 0);
    const issues = github.issues(SALES_REPO);
    expect(issues).toHaveLength(1);
    expect(github.countRequests({ method: "POST", path: `/repos/${SALES_REPO}/issues` })).toBe(1);
    expect(airtable.records("Leads")[0]!.fields["Lead issue"]).toBe(issues[0]!.htmlUrl);
  });
});
