import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newLeadFields } from "../../src/domain/records.js";
import { SALES_REPO, SANDBOX_CONFIG, startSandboxWorld, type SandboxWorld } from "../support/sandbox-world.js";

const BROKEN = `hub_repo: example-org/infrastructure
invoicing:
  proration: weekly
tiers:
  - { name: Research, monthly_fee: 1500.001 }
`;

describe("an invalid .github/hub-sales.yml", () => {
  let world: SandboxWorld;
  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    world = await startSandboxWorld({ config: BROKEN });
  });
  afterEach(async () => {
    await world.close();
    nock.enableNetConnect();
  });

  it("opens one configuration error issue naming each wrong key, acts on nothing, and recovers when fixed", async () => {
    const { store, github, server } = world;
    const lead = await store.createLead(newLeadFields("Config Test Lab", "Active Lead"));
    await server.runtime.enqueue(lead.id, "test");
    await server.runtime.queue.drain();
    await server.runtime.enqueue(lead.id, "test again");
    await server.runtime.queue.drain();

    const issues = github.issues(SALES_REPO);
    expect(issues.map((i) => i.title)).toEqual(["hub-sales: configuration error"]);
    expect(issues[0]!.body).toContain('invoicing.proration: must be one of "none", "daily"');
    expect(issues[0]!.body).toContain("tiers.0.monthly_fee");
    // The work is kept, not dropped, while the config is broken.
    expect((await store.listWork()).map((w) => w.key)).toEqual([`lead:${lead.id}`]);

    github.setFile({ repo: SALES_REPO, path: ".github/hub-sales.yml", text: SANDBOX_CONFIG });
    server.runtime.configSource.invalidate();
    await store.enqueueWork(`lead:${lead.id}`, "config fixed");
    await world.settle();

    const after = github.issues(SALES_REPO);
    expect(after.find((i) => i.title === "hub-sales: configuration error")?.state).toBe("closed");
    expect(after.find((i) => i.title === "Lead: Config Test Lab")?.state).toBe("open");
    expect(await store.listWork()).toEqual([]);
  });
});
