import { describe, expect, it } from "vitest";
import { runCommentCommands } from "../../src/commands/run-comment-commands.js";
import { HUB_REPO, addLead, fakeAuthGateway, makeConfig, makeHarness, type Harness } from "./command-test-kit.js";

const writer = () => fakeAuthGateway({ permissions: { alice: "write" } });

async function run(h: Harness, body: string, gateway = writer()) {
  return runCommentCommands({ body, deps: h.deps, gateway });
}

describe("runCommentCommands: cost and authorization", () => {
  it("an ordinary comment costs nothing: no store call, no GitHub call", async () => {
    const h = await makeHarness();
    const gateway = writer();
    const body = "Thanks! I'll follow up next week.\n\n```\n/status needs-admin\n```\n> /help";
    expect(await runCommentCommands({ body, deps: h.deps, gateway })).toBeNull();
    expect(gateway.calls).toEqual([]);
    expect(h.storeCalls).toEqual([]);
  });

  it.each([
    { login: "hub-sales-bot[bot]", type: "Bot" },
    { login: "dependabot[bot]", type: undefined },
    { login: "some-app", type: "Bot" },
  ])("a bot ($login) is never obeyed and gets no reply", async ({ login, type }) => {
    const h = await makeHarness({ commenter: login, ...(type ? { commenterType: type } : {}) });
    await addLead(h, "Example University", "Active Lead");
    const before = await h.snapshot();
    const gateway = fakeAuthGateway({ permissions: { [login]: "admin" }, teamMembers: [login] });
    expect(await run(h, "/status inactive-lead", gateway)).toEqual({ reaction: null, reply: null });
    expect(gateway.calls).toEqual([]);
    expect(await h.snapshot()).toEqual(before);
  });

  it.each([
    { permission: "admin", allowed: true },
    { permission: "maintain", allowed: true },
    { permission: "write", allowed: true },
    { permission: "triage", allowed: false },
    { permission: "read", allowed: false },
    { permission: "none", allowed: false },
  ] as const)("without a team, permission $permission → allowed: $allowed", async ({ permission, allowed }) => {
    const h = await makeHarness({ commenter: "bob" });
    await addLead(h, "Example University", "Active Lead");
    const before = await h.snapshot();
    const gateway = fakeAuthGateway({ permissions: { bob: permission } });
    const outcome = await run(h, "/status inactive-lead", gateway);
    expect(gateway.calls).toEqual(["getRepoPermission 2i2c-org/sales bob"]);
    if (allowed) {
      expect(outcome).toMatchObject({ reaction: "+1" });
      expect((await h.store.listLeads())[0]!.status).toBe("Inactive Lead");
    } else {
      expect(outcome).toEqual({
        reaction: "confused",
        reply: "@bob, only people with write access to 2i2c-org/sales may run hub-sales commands; nothing was changed.",
      });
      expect(await h.snapshot()).toEqual(before);
    }
  });

  it("with a team, members of the team in the repo owner's org may run commands", async () => {
    const h = await makeHarness({ config: makeConfig({ commands: { team: "partnerships" } }), commenter: "carol" });
    await addLead(h, "Example University", "Active Lead");
    const gateway = fakeAuthGateway({ teamMembers: ["carol"] });
    expect(await run(h, "/status inactive-lead", gateway)).toMatchObject({ reaction: "+1" });
    expect(gateway.calls).toEqual(["isTeamMember 2i2c-org/partnerships carol"]);
  });

  it("with a team, write access alone is not enough and the reply names the team", async () => {
    const h = await makeHarness({ config: makeConfig({ commands: { team: "partnerships" } }), commenter: "dave" });
    await addLead(h, "Example University", "Active Lead");
    const before = await h.snapshot();
    const gateway = fakeAuthGateway({ permissions: { dave: "write" }, teamMembers: ["carol"] });
    const outcome = await run(h, "/status inactive-lead", gateway);
    expect(outcome?.reply).toBe("@dave, only members of the `2i2c-org/partnerships` team may run hub-sales commands; nothing was changed.");
    expect(await h.snapshot()).toEqual(before);
  });
});

describe("runCommentCommands: validation before any write", () => {
  it("an unknown command names the closest valid one and changes nothing, even next to a valid command", async () => {
    const h = await makeHarness();
    await addLead(h, "Example University", "Active Lead");
    const before = await h.snapshot();
    const outcome = await run(h, "/qualify need=\"teaching hub\"\n/statu needs-admin");
    expect(outcome?.reaction).toBe("confused");
    expect(outcome?.reply).toContain("Nothing was changed");
    expect(outcome?.reply).toContain("line 2 `/statu needs-admin`: unknown command `/statu`; did you mean `/status`?");
    expect(outcome?.reply).toContain("`/confirm-service`");
    expect(await h.snapshot()).toEqual(before);
    expect(h.reconciles).toEqual([]);
  });

  it("a refused transition later in the comment stops the earlier commands too", async () => {
    const h = await makeHarness();
    await addLead(h, "Example University", "Active Lead");
    const before = await h.snapshot();
    const outcome = await run(h, '/confirm-service tier=Research agreement="email"\n/status active-service');
    expect(outcome?.reaction).toBe("confused");
    expect(outcome?.reply).toContain("line 2");
    expect(outcome?.reply).toContain("no live hub is recorded");
    expect(outcome?.reply).not.toContain("line 1");
    expect(await h.snapshot()).toEqual(before);
  });

  it("reports every bad command at once", async () => {
    const h = await makeHarness();
    await addLead(h, "Example University", "Active Lead");
    const outcome = await run(h, '/wait until=2026-02-30\n/qualify\n/confirm-service tier=Gold colour=red\n/x a="open');
    const reply = outcome!.reply!;
    expect(reply).toContain('line 1 `/wait until=2026-02-30`: `until` must be a real date written YYYY-MM-DD');
    expect(reply).toContain("line 2 `/qualify`: `/qualify` needs at least one note");
    expect(reply).toContain('`tier` must be one of Education, Research, Partnership (got "Gold")');
    expect(reply).toContain("unknown argument `colour`; valid arguments: `tier`, `fee`, `start`, `agreement`, `contract`, `lead`");
    expect(reply).toContain("line 4");
  });

  it("a malformed argument is answered, not thrown", async () => {
    const h = await makeHarness();
    await addLead(h, "Example University", "Active Lead");
    const outcome = await run(h, '/status needs-admin reason="unclosed');
    expect(outcome?.reply).toMatch(/line 1 .*is not closed/);
  });

  it("a lead command on an issue without a marker asks for lead=", async () => {
    const h = await makeHarness();
    const outcome = await run(h, "/status inactive-lead");
    expect(outcome?.reply).toContain('name the lead with `lead="<Name or id>"`');
  });

  it("lead= names a lead by name or id anywhere in the sales repo", async () => {
    const h = await makeHarness({ marker: { lead: "none", kind: "invoice" } });
    const lead = await addLead(h, "Example University", "Active Lead");
    await addLead(h, "Other College", "Active Lead");
    expect(await run(h, '/status inactive-lead lead="example university"')).toMatchObject({ reaction: "+1" });
    expect(await run(h, `/wait until=2026-04-01 lead=${(await h.store.findLeadByName("Other College"))!.id}`)).toMatchObject({ reaction: "+1" });
    expect((await h.store.getLead(lead.id))!.status).toBe("Inactive Lead");
    expect((await h.store.findLeadByName("Other College"))!.status).toBe("Waiting");
    expect((await run(h, '/status active-lead lead="Nobody"'))?.reply).toContain('no lead is named "Nobody"');
  });

  it("lead= is refused outside the sales repo", async () => {
    const h = await makeHarness({ repo: HUB_REPO });
    await addLead(h, "Example University", "Needs Admin");
    const outcome = await run(h, '/request-deployment lead="Example University"');
    expect(outcome?.reply).toContain("`lead=` may only be used in the sales repo (2i2c-org/sales)");
  });

  it("sensitive commands are refused on the public hub repo", async () => {
    const h = await makeHarness({ repo: HUB_REPO, marker: null });
    await addLead(h, "Example University", "Active Lead");
    const before = await h.snapshot();
    const outcome = await run(h, '/confirm-service tier=Research agreement="x"');
    expect(outcome?.reply).toContain("works only on issues of the sales repo (2i2c-org/sales)");
    expect(await h.snapshot()).toEqual(before);
  });
});

describe("runCommentCommands: several commands, one reply", () => {
  it("runs them in order, each checked against the state the earlier ones leave", async () => {
    const h = await makeHarness();
    const lead = await addLead(h, "Example University", "Inactive Lead");
    const body = [
      "Great news, they are back:",
      "/status active-lead",
      '/confirm-service tier=research agreement="email of 2026-03-02" start=2026-03-01',
      "/hub-live name=example url=https://example.2i2c.cloud",
    ].join("\n");
    const outcome = await run(h, body);
    expect(outcome?.reaction).toBe("+1");
    const reply = outcome!.reply!;
    expect(reply).toContain("**`/status active-lead`**\n**Example University**: status Inactive Lead → Active Lead.");
    expect(reply).toContain("status Active Lead → Needs Admin");
    expect(reply).toContain("status Needs Admin → Active Service");
    const stored = (await h.store.getLead(lead.id))!;
    expect(stored).toMatchObject({ status: "Active Service", serviceTier: "Research", monthlyFee: 150000, serviceStartDate: "2026-03-01" });
    expect(h.reconciles.map((r) => r.leadId)).toEqual([lead.id, lead.id, lead.id]);
  });

  it("a failure while running stops the commands after it and says so", async () => {
    const h = await makeHarness({ deploymentFails: true });
    await addLead(h, "Example University", "Needs Admin", { serviceTier: "Research", agreement: "x" });
    const outcome = await run(h, '/request-deployment\n/qualify need="x"');
    expect(outcome?.reaction).toBe("confused");
    expect(outcome?.reply).toContain("Failed: GitHub answered 502");
    expect(outcome?.reply).toContain("Not run: an earlier command failed.");
    expect((await h.store.listLeads())[0]!.maniacT.need).toBeNull();
  });

  it("/help lists every command", async () => {
    const h = await makeHarness({ repo: HUB_REPO });
    const outcome = await run(h, "/HELP");
    expect(outcome?.reaction).toBe("+1");
    for (const name of ["confirm-service", "status", "wait", "qualify", "request-deployment", "hub-live", "delivered", "invoice", "help"]) {
      expect(outcome?.reply).toContain(`\`/${name}`);
    }
  });
});
