import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startAirtableStandIn, type AirtableStandIn } from "../../src/sandbox/airtable-stand-in/airtable-stand-in.js";
import { hubSalesBaseSchema } from "../../src/sandbox/airtable-stand-in/hub-sales-base-schema.js";
import { openAirtableLeadStore, type AirtableRecordStore } from "../../src/store/airtable/airtable-record-store.js";
import type { ComposedLeadStore } from "../../src/store/lead-store.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";
import { SALES_REPO, startSandboxWorld, type SandboxWorld } from "../support/sandbox-world.js";

const FAST = { requestsPerSecond: 200, rateLimitWaitMs: 50, backoffBaseMs: 5 };
const HISTORIC = 30;
const OPEN = 3;

let airtable: AirtableStandIn;
let world: SandboxWorld;

function seed(): Record<string, unknown>[] {
  const historic = Array.from({ length: HISTORIC }, (_, i) => ({ Name: `Old Community ${i}`, Status: i % 2 ? "Inactive Lead" : "Inactive Service" }));
  const open = Array.from({ length: OPEN }, (_, i) => ({ Name: `Open Community ${i}`, Status: "Active Lead", "Service tier": "Research" }));
  return [...historic, ...open];
}

beforeEach(async () => {
  airtable = await startAirtableStandIn({
    requestsPerSecond: 200,
    bases: [{ tables: hubSalesBaseSchema().map((t) => (t.name === "Leads" ? { ...t, records: seed() } : t)) }],
  });
  const store = await openAirtableLeadStore({
    token: airtable.token,
    baseId: airtable.baseId,
    endpointUrl: airtable.url,
    appState: SqliteLeadStore.open(":memory:"),
    policy: FAST,
  });
  world = await startSandboxWorld({ store, app: { queue: { concurrency: 4, baseDelayMs: 20, maxDelayMs: 200, pollIntervalMs: 50 } } });
});
afterEach(async () => {
  await world.close();
  await airtable.close();
});

/** AirTable requests made while `act` runs and the queue drains. */
async function airtableRequests(act: () => Promise<unknown>): Promise<{ method: string; path: string }[]> {
  const from = airtable.requestLog.length;
  await act();
  await world.settle();
  return airtable.requestLog.slice(from).map((r) => ({ method: r.method, path: r.path }));
}

function githubRequestsSince(from: number) {
  return world.github.requests.slice(from).filter((r) => r.kind === "rest" && !r.path.endsWith("/access_tokens"));
}

const leadIds = (prefix: string) => airtable.records("Leads").filter((r) => String(r.fields.Name).startsWith(prefix)).map((r) => r.id);
const isListing = (r: { method: string; path: string }) => r.method === "GET" && !/\/rec[A-Za-z0-9]{14}$/.test(r.path);

describe("bulk observation", () => {
  it("settles many queued keys from one listing: leads that need nothing cost no request, a changed one is reconciled", async () => {
    const runtime = world.server.runtime;
    // An import in another process queued every row.
    const all = [...leadIds("Old"), ...leadIds("Open")];
    const githubBefore = world.github.requests.length;
    const imported = await airtableRequests(async () => {
      for (const id of all) await world.store.enqueueWork(`lead:${id}`, "imported from a Leads CSV");
      runtime.queue.kick();
    });
    // One page of leads and one of hubs; the three new lead issues' links in at most two writes
    // (the first goes alone, the others wait for company).
    expect(imported.filter((r) => r.method === "GET")).toEqual([
      expect.objectContaining({ method: "GET" }),
      expect.objectContaining({ method: "GET" }),
    ]);
    expect(imported.every((r) => r.method !== "GET" || isListing(r))).toBe(true);
    expect(imported.filter((r) => r.method === "PATCH").length).toBeLessThanOrEqual(2);
    expect(world.github.issues(SALES_REPO).map((i) => i.title).sort()).toEqual(["Lead: Open Community 0", "Lead: Open Community 1", "Lead: Open Community 2"]);
    // No GitHub request concerns a historic lead: the only issue writes are the three creates.
    expect(githubRequestsSince(githubBefore).filter((r) => r.method === "POST" && r.path.endsWith("/issues"))).toHaveLength(OPEN);
    expect(await world.store.listWork()).toEqual([]);

    // A person changes one open lead; a notification names every record (say a bulk edit of another column).
    const [changedId, ...unchangedIds] = leadIds("Open");
    airtable.editAsPerson({ table: "Leads", recordId: changedId!, fields: { "Service tier": "Education" } });
    const githubMark = world.github.requests.length;
    const notified = await airtableRequests(async () => {
      for (const id of all) await runtime.enqueueTableChange(id, "AirTable change");
    });
    expect(notified.filter((r) => r.method !== "GET" || !isListing(r))).toEqual([]);
    expect(notified).toHaveLength(2);
    const github = githubRequestsSince(githubMark);
    const changedIssue = world.github.issues(SALES_REPO).find((i) => i.title === "Lead: Open Community 0")!;
    expect(changedIssue.body).toContain("Education");
    expect(github.filter((r) => r.method === "PATCH").map((r) => r.path)).toEqual([`/repos/${SALES_REPO}/issues/${changedIssue.number}`]);
    // The unchanged open leads cost nothing on GitHub either: their fingerprint matched.
    const unchangedNumbers = world.github
      .issues(SALES_REPO)
      .filter((i) => i.title !== changedIssue.title)
      .map((i) => `/repos/${SALES_REPO}/issues/${i.number}`);
    expect(unchangedNumbers).toHaveLength(unchangedIds.length);
    expect(github.filter((r) => unchangedNumbers.includes(r.path))).toEqual([]);
  });

  it("reads a lead afresh on a trigger about it alone, and a pass checks the open leads' issues conditionally", async () => {
    const runtime = world.server.runtime;
    await runtime.enqueueAll("daily");
    await world.settle();
    const [one] = leadIds("Open");

    const single = await airtableRequests(() => runtime.enqueue(one!, "a comment on its issue"));
    expect(single.filter((r) => r.method === "GET" && r.path.endsWith(`/${one}`))).toHaveLength(1);
    expect(single.filter((r) => r.method !== "GET")).toEqual([]);

    // The first periodic pass keeps each issue's ETag; the next one is answered 304 throughout.
    await runtime.enqueueAll("periodic");
    await world.settle();
    const githubMark = world.github.requests.length;
    const pass = await airtableRequests(() => runtime.enqueueAll("periodic"));
    expect(pass.every(isListing)).toBe(true);
    expect(pass).toHaveLength(2);
    const issueReads = githubRequestsSince(githubMark).filter((r) => /\/issues\/\d+$/.test(r.path));
    expect(issueReads.map((r) => `${r.method} ${r.status}`)).toEqual(Array.from({ length: OPEN }, () => "GET 304"));
    expect(githubRequestsSince(githubMark).filter((r) => r.status !== 304)).toEqual([]);
  });
});
