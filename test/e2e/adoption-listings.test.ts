import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newLeadFields } from "../../src/domain/records.js";
import { noteIssueOpening } from "../../src/controller/issue-opening-notes.js";
import { parseRepoRef } from "../../src/github/github-gateway.js";
import { parseIssueMarker, renderIssueMarker } from "../../src/github/issue-marker.js";
import { SALES_REPO, startSandboxWorld, type SandboxWorld } from "../support/sandbox-world.js";

/*
 * Before opening an issue the app looks for one a crashed run made (by marker). It looks in
 * its index of the app's issues, filled by one listing of the repo. A run that finds a note
 * that some run was opening the issue (written before every POST) reads the newest page
 * again; without one, nothing was opened since that listing, and nothing is read.
 */

const QUEUE = { baseDelayMs: 20, maxDelayMs: 200, pollIntervalMs: 50 };
const LISTING = /^\/repos\/example-org\/sales\/issues$/;

let world: SandboxWorld | null = null;

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});

afterEach(async () => {
  await world?.close();
  world = null;
  nock.enableNetConnect();
});

const listings = (w: SandboxWorld) => w.github.requests.filter((r) => r.method === "GET" && LISTING.test(r.path));
const leadIssuesOf = (w: SandboxWorld, leadId: string) =>
  w.github.issues(SALES_REPO).filter((i) => parseIssueMarker(i.body)?.lead === leadId && parseIssueMarker(i.body)?.kind === "lead");

describe("adopting an issue made before a crash", () => {
  it("a first pass opening 200 lead issues reads one listing (listing them all each time: 300 pages; the newest page each time: 200)", async () => {
    world = await startSandboxWorld({ env: { HUB_SALES_TIMERS: "off" }, app: { queue: { ...QUEUE, concurrency: 4 } } });
    const count = 200;
    for (let i = 0; i < count; i++) await world.store.createLead(newLeadFields(`Community ${String(i).padStart(3, "0")}`, "Active Lead"));

    expect(await world.server.runtime.enqueueAll("daily")).toBe(count);
    await world.settle();
    while ((await world.store.listWork()).length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await world.settle();
    }

    expect(world.github.issues(SALES_REPO)).toHaveLength(count);
    const pages = listings(world);
    console.log(`first pass: ${count} lead issues opened, ${pages.length} listing pages read (${pages.filter((p) => !/[?&]page=1\b/.test(p.query)).length} past the first page)`);
    // Listing every issue before each one: sum over i < 200 of max(1, ceil(i/100)) = 300 pages.
    // No run found a note of an earlier opening, so the first listing (an empty repo) was the only one.
    expect(pages).toHaveLength(1);
  }, 120_000);

  it("an issue another process made after the index was filled is adopted, not opened again", async () => {
    world = await startSandboxWorld({ env: { HUB_SALES_TIMERS: "off" }, app: { queue: QUEUE } });
    const first = await world.store.createLead(newLeadFields("Early Lab", "Active Lead"));
    await world.server.runtime.enqueue(first.id, "table change");
    await world.settle();
    expect(leadIssuesOf(world, first.id)).toHaveLength(1);
    expect(listings(world).length).toBeGreaterThan(0);

    // Another process of the app noted it was opening this lead's issue, opened it, then died
    // before recording the link.
    const later = await world.store.createLead(newLeadFields("Later Lab", "Active Lead"));
    await noteIssueOpening(world.store, { repo: parseRepoRef(SALES_REPO), kind: "lead", leadId: later.id, at: new Date(0) });
    const made = await fetch(`${world.github.apiUrl}/repos/${SALES_REPO}/issues`, {
      method: "POST",
      headers: { authorization: `token ${world.github.installationToken("example-org")}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "Lead: Later Lab", body: `Made before a crash.\n\n${renderIssueMarker({ lead: later.id, kind: "lead" })}` }),
    });
    expect(made.status).toBe(201);
    const orphan = (await made.json()) as { number: number; html_url: string; user: { login: string } };
    expect(orphan.user.login).toBe(world.github.app.botLogin);
    const postsBefore = world.github.countRequests({ method: "POST", path: `/repos/${SALES_REPO}/issues` });

    await world.server.runtime.enqueue(later.id, "table change");
    await world.settle();

    expect(leadIssuesOf(world, later.id).map((i) => i.number)).toEqual([orphan.number]);
    expect(world.github.countRequests({ method: "POST", path: `/repos/${SALES_REPO}/issues` })).toBe(postsBefore);
    expect((await world.store.getLead(later.id))?.leadIssue).toBe(orphan.html_url);
    // The adopted issue is brought to the app's shape like any other.
    expect(world.github.issue(SALES_REPO, orphan.number)?.labels).toContain("hub-sales");
  }, 60_000);
});
