import { afterEach, beforeEach, describe, expect, it } from "vitest";
import nock from "nock";
import { newLeadFields, type Lead, type LeadFields } from "../../src/domain/records.js";
import { renderIssueMarker } from "../../src/github/issue-marker.js";
import { GITHUB_BODY_MAX, GITHUB_TITLE_MAX } from "../../src/github/markdown-text.js";
import type { IssueView } from "../../src/sandbox/github-stand-in/github-stand-in.js";
import { signWebhookBody } from "../../src/sandbox/github-stand-in/webhook-sender.js";
import { HUB_REPO, SALES_REPO, startSandboxWorld, type SandboxWorld } from "../support/sandbox-world.js";

/*
 * Input that is odd, hostile or over GitHub's limits, through the sandbox (the stand-in
 * enforces GitHub's title and body limits): nothing wedges, nothing pings, nothing leaks.
 * One `describe` per row of the table in the issue that reported them.
 */

/** `@name` or `@org/team` the way GitHub links them (not inside a word, not after a zero-width space). */
const MENTION = /(?:^|[^A-Za-z0-9_`])@([A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9_.-]+)?)/g;
const mentionsIn = (text: string) => [...text.matchAll(MENTION)].map((m) => m[1]!);

describe("hostile and oversized input, through the sandbox", () => {
  let world: SandboxWorld;
  const bot = () => world.github.app.botLogin;

  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    world = await startSandboxWorld();
  });
  afterEach(async () => {
    await world.close();
    nock.enableNetConnect();
  });

  async function addLead(name: string, fields: Partial<LeadFields> = {}): Promise<Lead> {
    const lead = await world.store.createLead(newLeadFields(name, "Active Lead", { githubHandles: ["rep-one"], ...fields }));
    await world.server.runtime.enqueue(lead.id, "import");
    await world.settle();
    return lead;
  }

  /** A lead in Needs Admin whose request-information issue is open in the hub repo. */
  async function leadWithRequestInformation(name = "Data Science Lab"): Promise<{ lead: Lead; ri: IssueView; leadIssue: IssueView }> {
    const lead = await addLead(name, {
      status: "Needs Admin",
      serviceTier: "Research",
      agreement: "email of 2026-01-10",
      serviceStartDate: "2026-01-01",
    });
    const ri = world.github.issues(HUB_REPO).find((i) => i.body?.includes(`"lead":"${lead.id}"`))!;
    const leadIssue = world.github.issues(SALES_REPO).find((i) => i.body?.includes(`"lead":"${lead.id}"`))!;
    expect(ri).toBeDefined();
    return { lead, ri, leadIssue };
  }

  async function requestsDuring(act: () => unknown): Promise<number> {
    await world.settle();
    const before = world.github.requests.length;
    act();
    await world.settle();
    return world.github.requests.length - before;
  }

  const botComments = (repo: string, number: number) => world.github.issue(repo, number)!.comments.filter((c) => c.author === bot());

  describe("a /word line on a hub-repo issue the app does not own", () => {
    it("costs no API call: no permission lookup, no reaction, no reply", async () => {
      await leadWithRequestInformation();
      const theirs = world.github.as("rep-one").openIssue({ repo: HUB_REPO, title: "Disk full", body: "The home dirs are full." });
      await world.settle();
      const cost = await requestsDuring(() =>
        world.github.as("rep-two").comment({ repo: HUB_REPO, number: theirs.number, body: "/tmp is full again\n/help" }),
      );
      expect(cost).toBe(0);
      expect(world.github.issue(HUB_REPO, theirs.number)!.comments.map((c) => c.author)).toEqual(["rep-two"]);
    });

    it("nor on an outsider's issue carrying a copied marker", async () => {
      const { lead } = await leadWithRequestInformation();
      const spoof = world.github.as("rep-one").openIssue({
        repo: HUB_REPO,
        title: "Copied",
        body: renderIssueMarker({ lead: lead.id, kind: "request-information" }),
      });
      await world.settle();
      expect(await requestsDuring(() => world.github.as("carol").comment({ repo: HUB_REPO, number: spoof.number, body: "/request-deployment" }))).toBe(0);
    });

    it("a refusal on the app's own issue names the command team without mentioning it", async () => {
      world = await restartWithTeam(world);
      const { ri } = await leadWithRequestInformation();
      world.github.as("rep-one").comment({ repo: HUB_REPO, number: ri.number, body: "/request-deployment" });
      await world.settle();
      const [refusal] = botComments(HUB_REPO, ri.number);
      expect(refusal!.body).toContain("example-org/partnerships");
      expect(mentionsIn(refusal!.body)).toEqual(["rep-one"]);
    });
  });

  describe("an outsider posting 20 commands on the app's own hub-repo issue", () => {
    it("gets one refusal, not 20", async () => {
      const { ri } = await leadWithRequestInformation();
      const before = botComments(HUB_REPO, ri.number).length;
      for (let i = 0; i < 20; i++) world.github.as("rep-two").comment({ repo: HUB_REPO, number: ri.number, body: `/request-deployment\nplease (${i})` });
      await world.settle();
      const refusals = botComments(HUB_REPO, ri.number).slice(before);
      expect(refusals).toHaveLength(1);
      expect(refusals[0]!.body).toContain("only people with write access");
      expect(world.github.issues(HUB_REPO).filter((i) => i.title.startsWith("[Request deployment]"))).toHaveLength(0);
      // Someone else refused on the same issue still hears why.
      world.github.as("rep-one").comment({ repo: HUB_REPO, number: ri.number, body: "/request-deployment" });
      await world.settle();
      expect(botComments(HUB_REPO, ri.number).slice(before)).toHaveLength(2);
    });
  });

  describe("a lead name with @org/team, HTML, <!-- or newlines", () => {
    it("is rendered as text: one marker, no heading, no HTML, and only the representatives are mentioned", async () => {
      const name = "Data Lab @example-org/partnerships <b>big</b> <!-- hidden\n# Heading\n@rep-two";
      const { ri, leadIssue } = await leadWithRequestInformation(name);
      for (const issue of [ri, leadIssue]) {
        expect(issue.title).not.toMatch(/[\r\n]/);
        expect(issue.title).toContain("Data Lab @example-org/partnerships <b>big</b> <!-- hidden # Heading @rep-two");
        const body = issue.body!;
        expect(body.match(/<!--/g)).toHaveLength(1);
        expect(body.startsWith("<!-- hub-sales ")).toBe(true);
        expect(body).not.toMatch(/<b>/);
        expect(body).not.toMatch(/^#{1,6} Heading/m);
        expect(mentionsIn(body)).toEqual(["rep-one"]);
      }
      // The ping to the representatives comes after the name, and is not hidden by it.
      expect(ri.body!.indexOf("Hey @rep-one!")).toBeGreaterThan(ri.body!.indexOf("Data Lab"));
    });
  });

  describe("a lead name of 300 characters", () => {
    it("gets titles cut to 256 characters with an ellipsis, and the issues are opened", async () => {
      const name = `University ${"x".repeat(289)}`;
      const { ri, leadIssue } = await leadWithRequestInformation(name);
      for (const issue of [ri, leadIssue]) {
        expect([...issue.title].length).toBe(GITHUB_TITLE_MAX);
        expect(issue.title.endsWith("…")).toBe(true);
        // The full name stays in the body.
        expect(issue.body).toContain(name);
      }
      expect(await world.store.listWork()).toEqual([]);
    });
  });

  describe("a lead name with no Latin letters", () => {
    it.each([
      ["東京大学", (_id: string) => "dongjingdaxue"],
      ["!!!", (id: string) => `hub-${id.toLowerCase()}`],
    ])("%s still gets an Active Hubs row when its deployment issue is closed as completed", async (name, expected) => {
      const { lead, ri } = await leadWithRequestInformation(name);
      world.github.as("alice").close({ repo: HUB_REPO, number: ri.number, reason: "completed" });
      await world.settle();
      const deployment = world.github.issues(HUB_REPO).find((i) => i.title.startsWith("[Request deployment]"))!;
      world.github.as("alice").close({ repo: HUB_REPO, number: deployment.number, reason: "completed" });
      await world.settle();
      expect((await world.store.listHubs()).map((h) => h.hub)).toEqual([expected(lead.id)]);
      expect((await world.store.getLead(lead.id))?.status).toBe("Active Service");
      expect(await world.store.listWork()).toEqual([]);
    });
  });

  describe("500 commands in one comment, or a 40,000-character /qualify note", () => {
    it("500 commands are refused whole, before anything acts, in one reply within GitHub's limit", async () => {
      const { leadIssue, lead } = await leadWithRequestInformation();
      const body = Array.from({ length: 500 }, (_, i) => `/qualify need="GPU hub ${i}"`).join("\n");
      world.github.as("carol").comment({ repo: SALES_REPO, number: leadIssue.number, body });
      await world.settle();
      const reply = botComments(SALES_REPO, leadIssue.number).at(-1)!;
      // The documented maximum (README): 20 commands per comment.
      expect(reply.body).toContain("at most 20");
      expect([...reply.body].length).toBeLessThanOrEqual(GITHUB_BODY_MAX);
      expect((await world.store.getLead(lead.id))?.maniacT.need).toBeNull();
    });

    it("a 40,000-character /qualify note is refused with the documented maximum", async () => {
      const { leadIssue, lead } = await leadWithRequestInformation();
      world.github.as("carol").comment({ repo: SALES_REPO, number: leadIssue.number, body: `/qualify need="${"n".repeat(40_000)}"` });
      await world.settle();
      const reply = botComments(SALES_REPO, leadIssue.number).at(-1)!;
      // The documented maximum (README): 2,000 characters per note.
      expect(reply.body).toContain("at most 2,000 characters");
      expect((await world.store.getLead(lead.id))?.maniacT.need).toBeNull();
    });

    it("long notes written in the table are cut in the lead issue with a pointer to the record", async () => {
      const { lead, leadIssue } = await leadWithRequestInformation();
      const long = "m".repeat(40_000);
      await world.store.updateLead(lead.id, {
        maniacT: { money: long, authority: long, need: long, impendingEvent: null, application: null, competition: null, timeline: null },
        agreement: long,
      });
      await world.server.runtime.enqueue(lead.id, "table change");
      await world.settle();
      const body = world.github.issue(SALES_REPO, leadIssue.number)!.body!;
      expect([...body].length).toBeLessThanOrEqual(GITHUB_BODY_MAX);
      expect(body).toContain("the full text is in the lead record");
      expect(await world.store.listWork()).toEqual([]);
    });
  });

  describe("a signed webhook of the wrong shape", () => {
    async function deliver(event: string, payload: unknown): Promise<{ status: number; text: string }> {
      const body = JSON.stringify(payload);
      const res = await fetch(world.server.webhookUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": event,
          "x-github-delivery": `delivery-${Math.random()}`,
          "x-hub-signature-256": signWebhookBody("sandbox-webhook-secret", body),
        },
        body,
      });
      return { status: res.status, text: await res.text() };
    }

    it.each([
      ["issue_comment", { action: "created", comment: { id: 1, body: "/help" }, sender: { login: "carol" } }, "repository"],
      ["issue_comment", { action: "created", repository: { name: "sales", owner: { login: "example-org" } }, issue: { number: "7" }, comment: { id: 1, body: "/help" }, sender: { login: "carol" } }, "issue.number"],
      ["issues", { action: "closed", repository: { name: "infrastructure", owner: {} }, issue: null, sender: { login: "alice" } }, "repository.owner.login"],
    ])("%s is answered 400 with a one-line reason naming the field", async (event, payload, field) => {
      const { status, text } = await deliver(event, payload);
      expect(status).toBe(400);
      const reason = (JSON.parse(text) as { error: string }).error;
      expect(reason.split("\n")).toHaveLength(1);
      expect(reason).toContain("payload is not of the shape GitHub sends");
      expect(reason).toContain(field);
      expect(reason).not.toContain("TypeError");
    });
  });

  describe("a hand-linked deployment issue closed by its author from outside the team", () => {
    it("is noted on the lead issue and not acted on; a close by someone with write access ships the hub", async () => {
      const { lead, leadIssue } = await leadWithRequestInformation();
      // The community representative wrote their own deployment request; the team linked it by hand.
      const theirs = world.github.as("rep-one").openIssue({ repo: HUB_REPO, title: "[Request deployment] New Hub: data-lab", body: "### Hub Authentication Type\n\nGitHub" });
      await world.store.updateLead(lead.id, { deploymentIssue: theirs.htmlUrl });
      await world.server.runtime.enqueue(lead.id, "linked by hand");
      await world.settle();

      world.github.as("rep-one").close({ repo: HUB_REPO, number: theirs.number, reason: "completed" });
      await world.server.runtime.enqueue(lead.id, "periodic pass");
      await world.settle();
      expect(await world.store.listHubs()).toEqual([]);
      expect((await world.store.getLead(lead.id))?.status).toBe("Needs Admin");
      const note = botComments(SALES_REPO, leadIssue.number).filter((c) => c.body.includes("no write access to the hub repo"));
      expect(note).toHaveLength(1);
      expect(note[0]!.body).toContain("`rep-one`");
      // A second pass notes nothing twice.
      await world.server.runtime.enqueue(lead.id, "periodic pass");
      await world.settle();
      expect(botComments(SALES_REPO, leadIssue.number).filter((c) => c.body.includes("no write access"))).toHaveLength(1);

      world.github.as("alice").reopen({ repo: HUB_REPO, number: theirs.number });
      world.github.as("alice").close({ repo: HUB_REPO, number: theirs.number, reason: "completed" });
      await world.server.runtime.enqueue(lead.id, "periodic pass");
      await world.settle();
      expect((await world.store.listHubs()).map((h) => h.hub)).toEqual(["data-lab"]);
      expect((await world.store.getLead(lead.id))?.status).toBe("Active Service");
    });
  });

  describe("a command in the public repo failing on a sales-repo write", () => {
    it("the public reply says what failed in words; the details go to the lead issue", async () => {
      const { ri, leadIssue, lead } = await leadWithRequestInformation();
      // Opening the deployment request rewrites the lead issue in the sales repo; that write keeps
      // failing (the first try and the client's 3 retries), so the command fails.
      world.github.failNext({
        method: "PATCH",
        path: `/repos/${SALES_REPO}/issues/${leadIssue.number}`,
        status: 502,
        times: 4,
        message: "Server Error: lead body write failed",
      });
      world.github.as("carol").comment({ repo: HUB_REPO, number: ri.number, body: "/request-deployment" });
      await world.settle();
      const reply = botComments(HUB_REPO, ri.number).at(-1)!.body;
      expect(reply).toContain("could not be completed");
      for (const leak of ["/repos/", "api/v3", "Server Error", "502"]) expect(reply).not.toContain(leak);
      expect(reply).not.toContain(SALES_REPO);
      expect(reply).not.toContain(lead.id);
      const details = botComments(SALES_REPO, leadIssue.number).map((c) => c.body).find((b) => b.includes("/request-deployment"));
      expect(details).toContain("Server Error: lead body write failed");
    });

    it("a refusal on the hub repo does not name another lead's internal id", async () => {
      const other = await addLead("Other College");
      await world.store.createHub({ hub: "taken", communityLeadId: other.id, url: null, deploymentIssue: null, liveSince: null });
      const { ri } = await leadWithRequestInformation();
      world.github.as("carol").comment({ repo: HUB_REPO, number: ri.number, body: "/hub-live name=taken url=https://taken.example.org" });
      await world.settle();
      const reply = botComments(HUB_REPO, ri.number).at(-1)!.body;
      expect(reply).toContain("already recorded for another community");
      expect(reply).not.toContain(other.id);
    });
  });
});

/** The sandbox again, with `commands.team` set. */
async function restartWithTeam(world: SandboxWorld): Promise<SandboxWorld> {
  await world.close();
  const { SANDBOX_CONFIG } = await import("../support/sandbox-world.js");
  return startSandboxWorld({ config: `${SANDBOX_CONFIG}\ncommands:\n  team: partnerships\n` });
}
