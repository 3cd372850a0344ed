import { afterEach, beforeEach, describe, expect, it } from "vitest";
import nock from "nock";
import { newLeadFields, type Lead, type LeadFields } from "../../src/domain/records.js";
import type { CommentView, IssueView } from "../../src/sandbox/github-stand-in/github-stand-in.js";
import { HUB_REPO, SALES_REPO, startSandboxWorld, type SandboxWorld } from "../support/sandbox-world.js";

/*
 * SPEC §4.5 and §5 through the sandbox: people drive the pipeline with comment commands
 * and status labels on the lead issue; the real app answers over HTTP.
 */

describe("commands and labels on a lead issue, through the sandbox", () => {
  let world: SandboxWorld;
  let lead: Lead;
  let leadIssue: IssueView;

  async function startWithLead(fields: Partial<LeadFields> = {}): Promise<void> {
    lead = await world.store.createLead(
      newLeadFields("Data Science Lab", "Active Lead", { githubHandles: ["rep-one"], contactEmail: "pi@university.example", ...fields }),
    );
    await world.server.runtime.enqueue(lead.id, "import");
    await world.settle();
    leadIssue = world.github.issues(SALES_REPO)[0]!;
    expect(leadIssue.labels.sort()).toEqual(["hub-sales", "status: active lead"]);
  }

  const current = () => world.store.getLead(lead.id);
  const issueNow = () => world.github.issue(SALES_REPO, leadIssue.number)!;
  const botComments = () => issueNow().comments.filter((c) => c.author === world.github.app.botLogin);
  const reactionsOn = (comment: CommentView) => issueNow().comments.find((c) => c.id === comment.id)!.reactions.map((r) => r.content);
  const comment = (login: string, body: string) => world.github.as(login).comment({ repo: SALES_REPO, number: leadIssue.number, body });

  /** Runs `act`, waits for the app, and returns how many requests the app made meanwhile. */
  async function requestsDuring(act: () => unknown): Promise<number> {
    await world.settle();
    const before = world.github.requests.length;
    act();
    await world.settle();
    return world.github.requests.length - before;
  }

  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    world = await startSandboxWorld();
  });
  afterEach(async () => {
    await world.close();
    nock.enableNetConnect();
  });

  describe("commands", () => {
    beforeEach(() => startWithLead());

    it("/confirm-service moves the lead to Needs Admin and replies with the summary, the note to forward and a +1", async () => {
      const c = comment("carol", '/confirm-service tier=Research start=2026-02-01 agreement="email of 2026-01-10"');
      await world.settle();
      const after = await current();
      expect(after).toMatchObject({ status: "Needs Admin", serviceTier: "Research", monthlyFee: 150000, serviceStartDate: "2026-02-01", agreement: "email of 2026-01-10" });
      expect(reactionsOn(c)).toEqual(["+1"]);
      const replies = botComments().filter((b) => !b.body.includes("Request information issue opened"));
      expect(replies).toHaveLength(1);
      expect(replies[0]!.body).toContain("Recorded for **Data Science Lab**: tier Research, monthly fee");
      expect(replies[0]!.body).toContain("1,500.00");
      expect(replies[0]!.body).toContain("Note to forward to operations@codeforsociety.org (cc partnerships@2i2c.org)");
      expect(replies[0]!.body).toContain("Contact email: pi@university.example");
      // Every command ends in reconcile: the label follows and the request-information issue opens.
      expect(issueNow().labels.sort()).toEqual(["hub-sales", "status: needs admin"]);
      expect(world.github.issues(HUB_REPO).map((i) => i.title)).toEqual(["[Request Information] New Hub: Data Science Lab"]);
    });

    it("a bad argument changes nothing and says what is valid", async () => {
      const c = comment("carol", "/confirm-service tier=Gold");
      await world.settle();
      expect((await current())?.status).toBe("Active Lead");
      expect(reactionsOn(c)).toEqual(["confused"]);
      expect(botComments().at(-1)!.body).toMatch(/Nothing was changed[\s\S]*must be one of Education, Research/);
    });

    it("an edited comment is ignored, even when the edit adds a command", async () => {
      const c = comment("carol", "Let me check with them first.");
      const cost = await requestsDuring(() =>
        world.github.as("carol").editComment({ repo: SALES_REPO, commentId: c.id, body: "/status inactive-lead" }),
      );
      expect(cost).toBe(0);
      expect(world.github.deliveries.at(-1)).toMatchObject({ event: "issue_comment", action: "edited", status: 200 });
      expect((await current())?.status).toBe("Active Lead");
      expect(botComments()).toHaveLength(0);
    });

    it("commands inside code blocks, inline code, quotes and HTML comments are not run", async () => {
      const body = [
        "You can close it with:",
        "```",
        "/status inactive-lead",
        "```",
        "> /status inactive-lead",
        "`/status inactive-lead`",
        "<!-- /status inactive-lead -->",
      ].join("\n");
      expect(await requestsDuring(() => comment("carol", body))).toBe(0);
      expect((await current())?.status).toBe("Active Lead");
      expect(botComments()).toHaveLength(0);
    });

    it("several commands in one comment get one reply and one reaction", async () => {
      const c = comment("carol", 'Notes from the call:\n/qualify need="GPU teaching hub" timeline="next term"\n/wait until=2099-03-01 reason="grant decision"');
      await world.settle();
      const after = await current();
      expect(after?.status).toBe("Waiting");
      expect(after?.followUpDate).toBe("2099-03-01");
      expect(after?.maniacT).toMatchObject({ need: "GPU teaching hub", timeline: "next term" });
      expect(botComments()).toHaveLength(1);
      expect(botComments()[0]!.body).toContain("/qualify");
      expect(botComments()[0]!.body).toContain("/wait");
      expect(reactionsOn(c)).toEqual(["+1"]);
      expect(issueNow().labels.sort()).toEqual(["hub-sales", "status: waiting"]);
    });

    it("a comment with one bad command among good ones changes nothing", async () => {
      comment("carol", '/qualify need="GPUs"\n/stauts inactive-lead');
      await world.settle();
      expect((await current())?.maniacT.need).toBeNull();
      expect(botComments()).toHaveLength(1);
      expect(botComments()[0]!.body).toContain("did you mean `/status`?");
    });

    it("a redelivered comment acts once", async () => {
      const c = comment("carol", '/qualify money="NSF grant"');
      await world.settle();
      const delivery = world.github.deliveries.find((d) => d.event === "issue_comment" && (d.payload.comment as { id: number }).id === c.id)!;
      world.github.redeliver(delivery.id);
      world.github.redeliver(delivery.id);
      await world.settle();
      expect(world.github.deliveries.filter((d) => d.id === delivery.id).map((d) => d.status)).toEqual([200, 200, 200]);
      expect(botComments()).toHaveLength(1);
      expect(reactionsOn(c)).toEqual(["+1"]);
      expect((await current())?.maniacT.money).toBe("NSF grant");
    });

    it("a command whose handling failed is carried out when the delivery is redelivered", async () => {
      // GitHub keeps failing the permission check (first try and the 3 retries): the webhook fails.
      world.github.failNext({ method: "GET", path: `/repos/${SALES_REPO}/collaborators/carol/permission`, status: 502, times: 4 });
      const c = comment("carol", '/qualify money="NSF grant"');
      await world.settle();
      const delivery = world.github.deliveries.find((d) => d.event === "issue_comment" && (d.payload.comment as { id: number }).id === c.id)!;
      expect(delivery.status).toBeGreaterThanOrEqual(500);
      expect(botComments()).toHaveLength(0);
      // The operator presses "Redeliver" once GitHub is back: the command runs, once.
      world.github.redeliver(delivery.id);
      await world.settle();
      expect(world.github.deliveries.filter((d) => d.id === delivery.id).map((d) => d.status)).toEqual([delivery.status, 200]);
      expect((await current())?.maniacT.money).toBe("NSF grant");
      expect(botComments()).toHaveLength(1);
      expect(reactionsOn(c)).toEqual(["+1"]);
    });

    it("a read-only user is refused with who may run commands, and nothing changes", async () => {
      const c = comment("bob", "/status inactive-lead");
      await world.settle();
      expect((await current())?.status).toBe("Active Lead");
      expect(issueNow().state).toBe("open");
      expect(botComments()).toHaveLength(1);
      expect(botComments()[0]!.body).toBe(`@bob, only people with write access to ${SALES_REPO} may run hub-sales commands; nothing was changed.`);
      expect(reactionsOn(c)).toEqual(["confused"]);
    });

    it("a bot is never obeyed nor answered, the app itself included", async () => {
      // Both could write: only being a bot keeps them from being obeyed.
      for (const user of ["helper-bot[bot]", world.github.app.botLogin]) world.github.setPermission({ repo: SALES_REPO, user, permission: "write" });
      const cost = await requestsDuring(() => {
        comment("helper-bot[bot]", "/status inactive-lead");
        comment(world.github.app.botLogin, "/status inactive-lead");
      });
      expect(cost).toBe(0);
      expect((await current())?.status).toBe("Active Lead");
      expect(botComments().map((c) => c.body)).toEqual(["/status inactive-lead"]);
    });

    it("an ordinary comment costs no request at all", async () => {
      expect(await requestsDuring(() => comment("bob", "Thanks, we will send the details next week / Monday."))).toBe(0);
      expect(world.github.deliveries.at(-1)).toMatchObject({ event: "issue_comment", action: "created", status: 200 });
    });
  });

  describe("status labels", () => {
    it("the app's own label changes do not loop", async () => {
      await startWithLead({ serviceTier: "Research", agreement: "email" });
      comment("carol", "/status needs-admin");
      await world.settle();
      expect(issueNow().labels.sort()).toEqual(["hub-sales", "status: needs admin"]);
      // The stand-in did send the webhooks for the app's own label changes …
      const own = world.github.deliveries.filter((d) => d.event === "issues" && (d.payload.sender as { login: string }).login === world.github.app.botLogin);
      expect(own.map((d) => d.action)).toEqual(expect.arrayContaining(["labeled", "unlabeled"]));
      expect(own.every((d) => d.status === 200)).toBe(true);
      // … and nothing more happens: the counts stay put over several queue polls.
      const requests = world.github.requests.length;
      const deliveries = world.github.deliveries.length;
      await new Promise((resolve) => setTimeout(resolve, 400));
      await world.settle();
      expect(world.github.requests.length).toBe(requests);
      expect(world.github.deliveries.length).toBe(deliveries);
      expect(await world.store.listWork()).toEqual([]);
    });

    it("a person adding an allowed status label changes the record; the old label goes and the issue closes as not planned", async () => {
      await startWithLead();
      world.github.as("carol").addLabels({ repo: SALES_REPO, number: leadIssue.number, labels: ["status: inactive lead"] });
      await world.settle();
      expect((await current())?.status).toBe("Inactive Lead");
      const issue = issueNow();
      expect(issue.labels.sort()).toEqual(["hub-sales", "status: inactive lead"]);
      expect(issue.state).toBe("closed");
      expect(issue.stateReason).toBe("not_planned");
      expect(issue.body).toContain("| Status | Inactive Lead |");
    });

    it("a refused status label is removed and a comment explains why", async () => {
      await startWithLead();
      world.github.as("carol").addLabels({ repo: SALES_REPO, number: leadIssue.number, labels: ["status: active service"] });
      await world.settle();
      expect((await current())?.status).toBe("Active Lead");
      expect(issueNow().labels.sort()).toEqual(["hub-sales", "status: active lead"]);
      expect(botComments()).toHaveLength(1);
      expect(botComments()[0]!.body).toContain("@carol, the label `status: active service` asks to move **Data Science Lab** from Active Lead to Active Service, which is refused");
      expect(botComments()[0]!.body).toContain("the lead stays Active Lead");
    });

    it("a guarded transition asked by label is refused with what is missing", async () => {
      await startWithLead();
      world.github.as("carol").addLabels({ repo: SALES_REPO, number: leadIssue.number, labels: ["status: needs admin"] });
      await world.settle();
      expect((await current())?.status).toBe("Active Lead");
      expect(issueNow().labels).not.toContain("status: needs admin");
      expect(botComments().at(-1)!.body).toMatch(/confirm-service|tier/i);
      expect(world.github.issues(HUB_REPO)).toHaveLength(0);
    });

    it("a person removing the current status label gets it back", async () => {
      await startWithLead();
      world.github.as("carol").removeLabel({ repo: SALES_REPO, number: leadIssue.number, label: "status: active lead" });
      await world.settle();
      expect(issueNow().labels.sort()).toEqual(["hub-sales", "status: active lead"]);
      expect((await current())?.status).toBe("Active Lead");
    });

    it("a label that is not a status label costs nothing", async () => {
      await startWithLead();
      expect(await requestsDuring(() => world.github.as("carol").addLabels({ repo: SALES_REPO, number: leadIssue.number, labels: ["priority"] }))).toBe(0);
      expect(issueNow().labels.sort()).toEqual(["hub-sales", "priority", "status: active lead"]);
    });
  });
});
