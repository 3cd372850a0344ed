import { afterEach, beforeEach, describe, expect, it } from "vitest";
import nock from "nock";
import { newLeadFields } from "../../src/domain/records.js";
import { HUB_REPO, SALES_REPO, startSandboxWorld, type SandboxWorld } from "../support/sandbox-world.js";

describe("the sales story through the sandbox", () => {
  let world: SandboxWorld;
  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    world = await startSandboxWorld();
  });
  afterEach(async () => {
    await world.close();
    nock.enableNetConnect();
  });

  it("takes a lead from Active Lead to Active Service", async () => {
    const { store, github, server } = world;
    const lead = await store.createLead(
      newLeadFields("Data Science Lab", "Active Lead", {
        githubHandles: ["rep-one", "rep-two"],
        contactEmail: "pi@university.example",
        serviceTier: "Research",
        monthlyFee: 150000,
        agreement: "email of 2026-01-10",
        serviceStartDate: "2026-01-01",
        managedCloudBilling: true,
        maniacT: { money: "NSF grant", authority: null, need: "GPU", impendingEvent: null, application: null, competition: null, timeline: null },
      }),
    );
    await server.runtime.enqueue(lead.id, "test");
    await world.settle();
    const [leadIssue] = github.issues(SALES_REPO);
    expect(leadIssue?.title).toBe("Lead: Data Science Lab");
    expect(leadIssue?.labels.sort()).toEqual(["hub-sales", "status: active lead"]);
    expect(github.issues(HUB_REPO)).toHaveLength(0);

    await store.updateLead(lead.id, { status: "Needs Admin" });
    await server.runtime.enqueue(lead.id, "table change");
    await world.settle();
    const [ri] = github.issues(HUB_REPO);
    expect(ri?.title).toBe("[Request Information] New Hub: Data Science Lab");
    expect(ri?.body).toContain("@rep-one");
    expect(github.issue(SALES_REPO, leadIssue!.number)?.subIssueIds).toEqual([ri!.id]);
    expect(github.issue(SALES_REPO, leadIssue!.number)?.labels).toContain("status: needs admin");
    expect((await store.getLead(lead.id))?.requestInformationIssue).toBe(ri!.htmlUrl);

    github.as("alice").close({ repo: HUB_REPO, number: ri!.number, reason: "completed" });
    await world.settle();
    const deployment = github.issues(HUB_REPO).find((i) => i.title.startsWith("[Request deployment]"));
    expect(deployment).toBeDefined();
    expect(github.board("example-org", 1)?.items.map((i) => i.status)).toEqual(["Needs Discussion/Refinement"]);
    const readiness = github.issue(HUB_REPO, deployment!.number)!.comments.filter((c) => c.body.includes("Still needed"));
    expect(readiness).toHaveLength(1);

    const filled = deployment!.body!.replace(/pending/g, "GitHub").replace("- [ ] Technical contact present", "- [x] Technical contact present");
    github.as("carol").editIssue({ repo: HUB_REPO, number: deployment!.number, body: filled });
    await world.settle();
    const comments = github.issue(HUB_REPO, deployment!.number)!.comments.filter((c) => c.author.endsWith("[bot]"));
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("complete");
    expect(github.board("example-org", 1)?.items.map((i) => i.status)).toEqual(["Ready to Work"]);

    github.as("alice").close({ repo: HUB_REPO, number: deployment!.number, reason: "completed" });
    await world.settle();
    const after = await store.getLead(lead.id);
    expect(after?.status).toBe("Active Service");
    const hubs = await store.listHubs();
    expect(hubs.map((h) => [h.hub, h.communityLeadId])).toEqual([["data-science-lab", lead.id]]);
    expect(github.issue(SALES_REPO, leadIssue!.number)?.labels.sort()).toEqual(["hub-sales", "status: active service"]);

    // Nothing sensitive in the public hub repo.
    for (const issue of github.issues(HUB_REPO)) {
      const text = [issue.title, issue.body ?? "", ...issue.comments.map((c) => c.body)].join("\n");
      for (const secret of ["1,500", "1500", "pi@university.example", "NSF grant", "GPU"]) expect(text).not.toContain(secret);
    }
  });
});
