import { describe, expect, it } from "vitest";
import { runCommentCommands } from "../../src/commands/run-comment-commands.js";
import { HUB_REPO, TODAY, addLead, fakeAuthGateway, makeConfig, makeHarness, type Harness } from "./command-test-kit.js";

async function run(h: Harness, body: string) {
  const outcome = await runCommentCommands({ body, deps: h.deps, gateway: fakeAuthGateway({ permissions: { alice: "write" } }) });
  if (outcome === null) throw new Error("no command found");
  return { reaction: outcome.reaction, reply: outcome.reply ?? "" };
}

/** Runs a comment that must be refused, and checks that it changed nothing. */
async function refuse(h: Harness, body: string): Promise<string> {
  const before = await h.snapshot();
  const outcome = await run(h, body);
  expect(outcome.reaction).toBe("confused");
  expect(outcome.reply).toContain("Nothing was changed");
  expect(await h.snapshot()).toEqual(before);
  expect(h.reconciles).toEqual([]);
  return outcome.reply;
}

describe("/confirm-service", () => {
  it("records tier, default fee, start, agreement, contract; moves to Needs Admin; replies with the note", async () => {
    const h = await makeHarness({ config: makeConfig({ invoicing: { to: "ops@sponsor.org", cc: ["deals@example.org", "boss@example.org"] } }) });
    const lead = await addLead(h, "Example University", "Active Lead");
    const { reaction, reply } = await run(
      h,
      '/confirm-service tier=research start=2026-04-01 agreement="email of 2026-03-02" contract=https://example.org/c.pdf',
    );
    expect(reaction).toBe("+1");
    expect(await h.store.getLead(lead.id)).toMatchObject({
      status: "Needs Admin",
      serviceTier: "Research",
      monthlyFee: 150000,
      serviceStartDate: "2026-04-01",
      agreement: "email of 2026-03-02",
      contract: "https://example.org/c.pdf",
    });
    expect(reply).toContain("status Active Lead → Needs Admin");
    expect(reply).toContain("Note to forward to ops@sponsor.org (cc deals@example.org, boss@example.org):");
    for (const text of ["Community: Example University", "Service tier: Research", "Monthly fee: USD 1,500.00", "Service start date: 2026-04-01", "Contact email: pi@example.edu"]) {
      expect(reply).toContain(text);
    }
    expect(h.reconciles).toEqual([{ leadId: lead.id, reason: "/confirm-service by @alice" }]);
  });

  it("a fee given overrides the tier's; a Waiting lead may confirm too", async () => {
    const h = await makeHarness();
    const lead = await addLead(h, "Example University", "Waiting", { followUpDate: "2026-04-01" });
    await run(h, "/confirm-service tier=Education fee=$1,234.50 agreement=signed");
    expect(await h.store.getLead(lead.id)).toMatchObject({ status: "Needs Admin", monthlyFee: 123450, serviceTier: "Education" });
  });

  it("an agreement recorded earlier is kept; a live service changes tier without leaving Active Service", async () => {
    const h = await makeHarness();
    const lead = await addLead(h, "Example University", "Active Service", { serviceTier: "Education", agreement: "2025 email", monthlyFee: 100000 });
    const { reply } = await run(h, "/confirm-service tier=Partnership");
    expect(await h.store.getLead(lead.id)).toMatchObject({ status: "Active Service", serviceTier: "Partnership", monthlyFee: 416667, agreement: "2025 email" });
    expect(reply).toContain("status stays Active Service");
  });

  it("without an agreement the move to Needs Admin is refused and nothing is recorded", async () => {
    const h = await makeHarness();
    await addLead(h, "Example University", "Active Lead");
    expect(await refuse(h, "/confirm-service tier=Research")).toContain("no agreement to the service tier is recorded");
  });

  it("refuses a lead that cannot reach Needs Admin, naming where it can go", async () => {
    const h = await makeHarness();
    await addLead(h, "Example University", "Inactive Lead");
    expect(await refuse(h, "/confirm-service tier=Research agreement=x")).toContain("from Inactive Lead it can go to Active Lead");
  });

  it.each([
    ["/confirm-service", "`tier` is required"],
    ["/confirm-service tier=Gold agreement=x", "must be one of Education, Research, Partnership"],
    ["/confirm-service tier=Research agreement=x fee=12.345", "`fee` must be an amount"],
    ["/confirm-service tier=Research agreement=x fee=-5", "`fee` must be an amount"],
    ["/confirm-service tier=Research agreement=x start=2026-13-01", "`start` must be a real date"],
    ["/confirm-service tier=Research agreement=x contract=not-a-link", "`contract` must be a link"],
    ['/confirm-service tier=Research agreement=""', "`agreement` must not be empty"],
    ["/confirm-service tier=Research agreement=x Research", "takes no bare words"],
  ])("%s → %s", async (body, message) => {
    const h = await makeHarness();
    await addLead(h, "Example University", "Active Lead");
    expect(await refuse(h, body)).toContain(message);
  });
});

describe("/status", () => {
  it.each([
    ["Active Lead", "/status inactive-lead", "Inactive Lead"],
    ["Active Lead", "/status Inactive Lead", "Inactive Lead"],
    ["Inactive Lead", '/status "active lead"', "Active Lead"],
    ["Needs Admin", "/status active_lead", "Active Lead"],
  ] as const)("%s + `%s` → %s", async (from, body, to) => {
    const h = await makeHarness();
    const lead = await addLead(h, "Example University", from, { serviceTier: "Research", agreement: "x" });
    const { reaction, reply } = await run(h, body);
    expect(reaction).toBe("+1");
    expect(reply).toBe(`**Example University**: status ${from} → ${to}.`);
    expect((await h.store.getLead(lead.id))!.status).toBe(to);
  });

  it("setting the current status again is a no-op", async () => {
    const h = await makeHarness();
    await addLead(h, "Example University", "Active Lead");
    const { reaction, reply } = await run(h, "/status active-lead");
    expect(reaction).toBe("+1");
    expect(reply).toContain("already Active Lead");
    expect(h.reconciles).toEqual([]);
  });

  it("stopping a service records its end date", async () => {
    const h = await makeHarness();
    const lead = await addLead(h, "Example University", "Active Service", { serviceStartDate: "2025-01-01" });
    const { reply } = await run(h, "/status inactive-service");
    expect(await h.store.getLead(lead.id)).toMatchObject({ status: "Inactive Service", serviceEndDate: TODAY });
    expect(reply).toContain(`service end date ${TODAY}`);
  });

  it.each([
    ["Active Lead", "/status needs-admin", "no service tier is recorded"],
    ["Active Lead", "/status waiting", "use `/wait until=YYYY-MM-DD`"],
    ["Active Lead", "/status active-service", "a lead cannot go from Active Lead to Active Service"],
    ["Active Lead", "/status", "`/status` needs a status"],
    ["Active Lead", "/status finished", 'unknown status "finished"; valid statuses: Active Lead (`active-lead`)'],
    ["Active Lead", "/status inactive-lead to=x", "unknown argument `to`; valid arguments: `lead`"],
  ] as const)("%s + `%s` is refused: %s", async (from, body, message) => {
    const h = await makeHarness();
    await addLead(h, "Example University", from);
    expect(await refuse(h, body)).toContain(message);
  });
});

describe("/wait", () => {
  it("records the follow-up date and moves to Waiting", async () => {
    const h = await makeHarness();
    const lead = await addLead(h, "Example University", "Active Lead");
    const { reply } = await run(h, '/wait until=2026-05-01 reason="grant decision"');
    expect(await h.store.getLead(lead.id)).toMatchObject({ status: "Waiting", followUpDate: "2026-05-01" });
    expect(reply).toBe("**Example University**: follow-up on 2026-05-01; status Active Lead → Waiting. Reason: grant decision.");
  });

  it("a Waiting lead gets a new date", async () => {
    const h = await makeHarness();
    const lead = await addLead(h, "Example University", "Waiting", { followUpDate: "2026-03-11" });
    await run(h, "/wait until=2026-06-01");
    expect(await h.store.getLead(lead.id)).toMatchObject({ status: "Waiting", followUpDate: "2026-06-01" });
  });

  it.each([
    ["Active Lead", `/wait until=${TODAY}`, "`until` must be after today"],
    ["Active Lead", "/wait until=2026-02-29", "`until` must be a real date"],
    ["Active Lead", "/wait", "`until` is required"],
    ["Active Service", "/wait until=2026-05-01", "a lead cannot go from Active Service to Waiting"],
  ] as const)("%s + `%s` is refused: %s", async (from, body, message) => {
    const h = await makeHarness();
    await addLead(h, "Example University", from);
    expect(await refuse(h, body)).toContain(message);
  });
});

describe("/qualify", () => {
  it("records a subset of the notes and replies with the checklist", async () => {
    const h = await makeHarness();
    const lead = await addLead(h, "Example University", "Active Lead");
    await h.store.updateLead(lead.id, { maniacT: { ...lead.maniacT, timeline: "fall" } });
    const { reply } = await run(h, '/qualify money="NSF grant" event="semester start" timeline=""');
    expect((await h.store.getLead(lead.id))!.maniacT).toEqual({
      money: "NSF grant",
      authority: null,
      need: null,
      impendingEvent: "semester start",
      application: null,
      competition: null,
      timeline: null,
    });
    expect(reply).toContain("MANIAC-T: 2 of 7 answered");
    expect(reply).toContain("- [x] **Money**: NSF grant");
    expect(reply).toContain("- [x] **Impending event**: semester start");
    expect(reply).toContain("- [ ] **Timeline**");
  });

  it.each([
    ["/qualify", "needs at least one note"],
    ["/qualify budget=lots", "unknown argument `budget`; valid arguments: `money`, `authority`, `need`, `event`, `application`, `competition`, `timeline`, `lead`"],
  ])("`%s` is refused: %s", async (body, message) => {
    const h = await makeHarness();
    await addLead(h, "Example University", "Active Lead");
    expect(await refuse(h, body)).toContain(message);
  });
});

describe("/hub-live", () => {
  it("records the hub and moves a Needs Admin lead whose service started to Active Service", async () => {
    const h = await makeHarness();
    const lead = await addLead(h, "Example University", "Needs Admin", {
      serviceTier: "Research",
      agreement: "x",
      serviceStartDate: "2026-03-01",
      deploymentIssue: "https://github.com/2i2c-org/infrastructure/issues/99",
    });
    const { reaction, reply } = await run(h, "/hub-live name=example url=https://example.2i2c.cloud");
    expect(reaction).toBe("+1");
    expect(await h.store.listHubs()).toEqual([
      expect.objectContaining({
        hub: "example",
        communityLeadId: lead.id,
        url: "https://example.2i2c.cloud",
        liveSince: TODAY,
        deploymentIssue: "https://github.com/2i2c-org/infrastructure/issues/99",
      }),
    ]);
    expect((await h.store.getLead(lead.id))!.status).toBe("Active Service");
    expect(reply).toContain("status Needs Admin → Active Service");
  });

  it("works from the deployment issue in the hub repo; a future start date waits", async () => {
    const h = await makeHarness({ repo: HUB_REPO });
    const lead = await addLead(h, "Example University", "Needs Admin", { serviceStartDate: "2026-04-01" });
    h.deps.issue = { ...h.deps.issue, marker: { lead: lead.id, kind: "deployment" } };
    const { reply } = await run(h, "/hub-live name=example url=https://example.2i2c.cloud date=2026-03-05");
    expect((await h.store.getLead(lead.id))!.status).toBe("Needs Admin");
    expect((await h.store.listHubs())[0]!.liveSince).toBe("2026-03-05");
    expect(reply).toContain("moves to Active Service on its start date, 2026-04-01");
  });

  it("updates the lead's existing row instead of adding another", async () => {
    const h = await makeHarness();
    const lead = await addLead(h, "Example University", "Active Service");
    await h.store.createHub({ hub: "example", communityLeadId: lead.id, url: "https://old.example", deploymentIssue: null, liveSince: "2026-01-01" });
    await run(h, "/hub-live name=Example url=https://new.example");
    expect(await h.store.listHubs()).toEqual([expect.objectContaining({ hub: "example", url: "https://new.example", liveSince: "2026-01-01" })]);
  });

  it.each([
    ["/hub-live name=example", "`url` is required"],
    ["/hub-live url=https://x.org", "`name` is required"],
    ["/hub-live name=example url=ftp://x.org", "`url` must be an http(s) link"],
    ["/hub-live name=example url=https://x.org date=2026-03-11", "cannot be after today"],
    ["/hub-live name=taken url=https://x.org", "hub taken is already recorded for another community"],
  ])("`%s` is refused: %s", async (body, message) => {
    const h = await makeHarness();
    await addLead(h, "Example University", "Needs Admin");
    const other = await h.store.createLead({ ...(await h.store.listLeads())[0]!, name: "Other" });
    await h.store.createHub({ hub: "taken", communityLeadId: other.id, url: null, deploymentIssue: null, liveSince: null });
    expect(await refuse(h, body)).toContain(message);
  });
});

describe("/delivered", () => {
  it("records the month's confirmation once", async () => {
    const h = await makeHarness();
    const lead = await addLead(h, "Example University", "Active Service", { serviceStartDate: "2026-01-15" });
    expect((await run(h, "/delivered month=2026-02")).reply).toBe("Recorded the delivery of 2026-02 for **Example University**.");
    expect(await h.store.listDeliveryConfirmations("2026-02")).toEqual([
      { leadId: lead.id, month: "2026-02", confirmedBy: "alice", confirmedAt: "2026-03-10T12:00:00.000Z" },
    ]);
    expect((await run(h, "/delivered month=2026-02")).reply).toContain("was already confirmed by @alice on 2026-03-10");
    expect(await h.store.listDeliveryConfirmations("2026-02")).toHaveLength(1);
  });

  it.each([
    ["Active Lead", "/delivered month=2026-02", "deliveries are confirmed for leads in service"],
    ["Active Service", "/delivered month=2026-04", "has not begun yet"],
    ["Active Service", "/delivered month=2025-12", "starts on 2026-01-15, after 2025-12"],
    ["Active Service", "/delivered month=2026-2", "`month` must be a month written YYYY-MM"],
    ["Active Service", "/delivered", "`month` is required"],
    ["Inactive Service", "/delivered month=2026-03", "ended on 2026-02-20, before 2026-03"],
  ] as const)("%s + `%s` is refused: %s", async (status, body, message) => {
    const h = await makeHarness();
    await addLead(h, "Example University", status, { serviceStartDate: "2026-01-15", ...(status === "Inactive Service" ? { serviceEndDate: "2026-02-20" } : {}) });
    expect(await refuse(h, body)).toContain(message);
  });
});

describe("/invoice", () => {
  it("builds the month's batch and links it", async () => {
    const h = await makeHarness({ marker: null });
    const { reaction, reply } = await run(h, "/invoice month=2026-02");
    expect(reaction).toBe("+1");
    expect(h.invoices).toEqual(["2026-02"]);
    expect(reply).toContain("https://github.com/2i2c-org/sales/issues/50");
    expect(reply).toContain("2 communities, USD 2,500.00");
  });

  it.each([
    ["/invoice month=2026-04", "2026-04 has not begun yet"],
    ["/invoice", "`month` is required"],
    ['/invoice month=2026-02 lead="x"', "unknown argument `lead`; valid arguments: `month`"],
  ])("`%s` is refused: %s", async (body, message) => {
    const h = await makeHarness();
    expect(await refuse(h, body)).toContain(message);
    expect(h.invoices).toEqual([]);
  });
});

describe("/request-deployment", () => {
  it("opens the deployment request from the request-information issue in the hub repo", async () => {
    const h = await makeHarness({ repo: HUB_REPO });
    const lead = await addLead(h, "Example University", "Needs Admin");
    h.deps.issue = { ...h.deps.issue, marker: { lead: lead.id, kind: "request-information" } };
    const { reaction, reply } = await run(h, "/request-deployment");
    expect(reaction).toBe("+1");
    expect(h.deploymentRequests.map((l) => l.id)).toEqual([lead.id]);
    expect(h.reconciles).toEqual([{ leadId: lead.id, reason: "/request-deployment by @alice" }]);
    expect(reply).toBe("Deployment request for Example University: https://github.com/2i2c-org/infrastructure/issues/99");
  });

  it("is refused before the service is confirmed, and takes no arguments", async () => {
    const h = await makeHarness();
    await addLead(h, "Example University", "Active Lead");
    expect(await refuse(h, "/request-deployment")).toContain("a deployment is requested once the service is confirmed");
    expect(await refuse(h, "/request-deployment now")).toContain("takes no bare words");
    expect(h.deploymentRequests).toEqual([]);
  });
});
