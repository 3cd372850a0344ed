import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newLeadFields } from "../../src/domain/records.js";
import { HUB_REPO, SALES_REPO, startSandboxWorld, type SandboxWorld } from "../support/sandbox-world.js";

/** An effect GitHub refuses for good is recorded, told once, and the rest of the plan goes on. */
describe("a permanently refused effect does not wedge the lead", () => {
  let world: SandboxWorld;
  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    world = await startSandboxWorld({ env: { DASHBOARD_TOKEN: "dashboard-secret-1" } });
  });
  afterEach(async () => {
    await world.close();
    nock.enableNetConnect();
  });

  it("a sub-issue link refused with 422 every time: deployment request, board item, Active Hubs row and Active Service all happen", async () => {
    const { github, store, server } = world;
    github.failNext({ method: "POST", path: /\/sub_issues$/, status: 422, times: 1000, message: "Sub issue may only have one parent" });
    const lead = await store.createLead(
      newLeadFields("Refused Lab", "Needs Admin", {
        githubHandles: ["rep-one"],
        serviceTier: "Research",
        agreement: "email of 2026-01-10",
        serviceStartDate: "2026-01-01",
      }),
    );
    await server.runtime.enqueue(lead.id, "table change");
    await world.settle();
    const ri = github.issues(HUB_REPO).find((i) => i.title.startsWith("[Request Information]"))!;
    expect(ri).toBeDefined();
    github.as("alice").close({ repo: HUB_REPO, number: ri.number, reason: "completed" });
    await world.settle();
    const deployment = github.issues(HUB_REPO).find((i) => i.title.startsWith("[Request deployment]"))!;
    expect(deployment).toBeDefined();
    expect(github.board("example-org", 1)!.items.map((i) => i.issue?.number)).toEqual([deployment.number]);
    github.as("alice").close({ repo: HUB_REPO, number: deployment.number, reason: "completed" });
    await world.settle();
    // More triggers: the refusals are not told again.
    await server.runtime.enqueue(lead.id, "another trigger");
    await server.runtime.enqueueAll("periodic");
    await world.settle();

    expect((await store.getLead(lead.id))?.status).toBe("Active Service");
    expect((await store.listHubs()).map((h) => h.communityLeadId)).toEqual([lead.id]);
    expect(await store.listWork()).toEqual([]);
    const leadIssue = github.issues(SALES_REPO)[0]!;
    expect(leadIssue.subIssueIds).toEqual([]);
    expect(leadIssue.labels).toContain("status: active service");
    const told = leadIssue.comments.filter((c) => c.body.includes("GitHub refused it"));
    expect(told).toHaveLength(2);
    expect(told[0]!.body).toContain("Sub issue may only have one parent");
    expect(told[0]!.body).toContain("How to fix");

    const dashboard = await fetch(`${server.url}/hub-sales/dashboard`, {
      headers: { authorization: "Bearer dashboard-secret-1", accept: "application/json" },
    });
    const body = (await dashboard.json()) as { failedEffects: Array<Record<string, unknown>> };
    expect(body.failedEffects.map((f) => [f.leadId, f.effect, f.status, f.reportedOnLeadIssue])).toEqual([
      [lead.id, "link-sub-issue:request-information", 422, true],
      [lead.id, "link-sub-issue:deployment", 422, true],
    ]);
    expect(String(body.failedEffects[0]!.why)).toContain("only have one parent");
    expect(String(body.failedEffects[0]!.fix)).toContain("other parent");
    // Once a day at most: the later triggers did not ask GitHub again.
    expect(github.countRequests({ method: "POST", path: /\/sub_issues$/ })).toBe(2);
  }, 60_000);
});
