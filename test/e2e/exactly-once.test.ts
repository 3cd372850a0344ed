import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import nock from "nock";
import { newLeadFields, type Lead, type LeadFields } from "../../src/domain/records.js";
import { startHubSalesServer, type HubSalesServer } from "../../src/app/start-hub-sales-server.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";
import type { LeadStore } from "../../src/store/lead-store.js";
import type { GitHubStandIn, IssueView } from "../../src/sandbox/github-stand-in/github-stand-in.js";
import { HUB_REPO, SALES_REPO, startSandboxWorld, type SandboxWorld } from "../support/sandbox-world.js";

/*
 * SPEC §4 "exactly once and nothing lost", proven end to end: the real app server behind
 * real signed webhooks, talking to the GitHub stand-in over HTTP.
 */

const HUB_ISSUES_PATH = "/repos/example-org/infrastructure/issues";

function leadFields(name: string, status: LeadFields["status"], extra: Partial<LeadFields> = {}): LeadFields {
  return newLeadFields(name, status, {
    githubHandles: ["rep-one"],
    contactEmail: "pi@university.example",
    serviceTier: "Research",
    monthlyFee: 150000,
    agreement: "email of 2026-01-10",
    serviceStartDate: "2026-01-01",
    ...extra,
  });
}

const byTitle = (prefix: string) => (issues: IssueView[]) => issues.filter((i) => i.title.startsWith(prefix));
const requestInformationIssues = byTitle("[Request Information]");
const deploymentIssues = byTitle("[Request deployment]");

function writesSince(github: GitHubStandIn, from: number): string[] {
  return github.requests.slice(from).filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}${r.graphqlFields ? ` ${r.graphqlFields.join(",")}` : ""}`);
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * An HTTP proxy in front of the stand-in that lets GitHub "time out" after doing the work:
 * the first request matching `lieOn` is carried out, then answered with 502, as a gateway
 * timeout on github.com does. Requests wait until `target` is set.
 */
async function startLyingProxy(lieOn: { method: string; path: string }): Promise<{ host: string; setTarget(host: string): void; lies: number; close(): Promise<void> }> {
  let resolveTarget!: (host: string) => void;
  const target = new Promise<string>((resolve) => (resolveTarget = resolve));
  let lied = false;
  const state = { lies: 0 };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === "string" && !["host", "connection", "content-length"].includes(k))) as Record<string, string>;
      const response = await fetch(`http://${await target}${req.url}`, {
        method: req.method,
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
      const body = Buffer.from(await response.arrayBuffer());
      if (!lied && req.method === lieOn.method && req.url?.split("?")[0] === `/api/v3${lieOn.path}` && response.ok) {
        lied = true;
        state.lies++;
        res.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify({ message: "Server Error" }));
        return;
      }
      const out: Record<string, string> = {};
      response.headers.forEach((v, k) => {
        if (!["content-encoding", "content-length", "transfer-encoding", "connection"].includes(k)) out[k] = v;
      });
      res.writeHead(response.status, out).end(body);
    })().catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    setTarget: (host) => resolveTarget(host),
    get lies() {
      return state.lies;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A lead in Needs Admin with its request-information issue open (and its lead issue). */
async function leadWithRequestInformation(world: SandboxWorld, name = "Data Science Lab"): Promise<{ lead: Lead; ri: IssueView }> {
  const lead = await world.store.createLead(leadFields(name, "Needs Admin"));
  await world.server.runtime.enqueue(lead.id, "test");
  await world.settle();
  const [ri] = requestInformationIssues(world.github.issues(HUB_REPO)).filter((i) => i.body?.includes(lead.id));
  expect(ri).toBeDefined();
  return { lead, ri: ri! };
}

describe("exactly once, through the sandbox", () => {
  let world: SandboxWorld;
  beforeEach(() => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  afterEach(async () => {
    await world?.close();
    nock.enableNetConnect();
  });

  describe("the same webhook delivered three times", () => {
    beforeEach(async () => {
      world = await startSandboxWorld();
    });

    it("closing the request-information issue: one deployment request, one link comment", async () => {
      const { github } = world;
      const { lead, ri } = await leadWithRequestInformation(world);
      github.as("alice").close({ repo: HUB_REPO, number: ri.number, reason: "completed" });
      await world.settle();
      const closed = github.deliveries.find((d) => d.event === "issues" && d.action === "closed" && !d.redelivery);
      expect(closed?.status).toBe(200);
      github.redeliver(closed!.id);
      github.redeliver(closed!.id);
      await world.settle();

      const redeliveries = github.deliveries.filter((d) => d.id === closed!.id);
      expect(redeliveries.map((d) => [d.redelivery, d.status])).toEqual([
        [false, 200],
        [true, 200],
        [true, 200],
      ]);
      expect(deploymentIssues(github.issues(HUB_REPO))).toHaveLength(1);
      expect(requestInformationIssues(github.issues(HUB_REPO))).toHaveLength(1);
      expect(github.countRequests({ method: "POST", path: HUB_ISSUES_PATH })).toBe(2);
      const links = github.issue(HUB_REPO, ri.number)!.comments.filter((c) => c.body.includes("The deployment request is open"));
      expect(links).toHaveLength(1);
      expect((await world.store.getLead(lead.id))?.deploymentIssue).toBe(deploymentIssues(github.issues(HUB_REPO))[0]!.htmlUrl);
      expect(github.board("example-org", 1)?.items).toHaveLength(1);
    });

    it("a /request-deployment comment: one deployment request and one reply", async () => {
      const { github } = world;
      const { ri } = await leadWithRequestInformation(world);
      const comment = github.as("carol").comment({ repo: HUB_REPO, number: ri.number, body: "Thanks!\n/request-deployment" });
      await world.settle();
      const delivery = github.deliveries.find((d) => d.event === "issue_comment" && (d.payload.comment as { id: number }).id === comment.id);
      expect(delivery?.status).toBe(200);
      github.redeliver(delivery!.id);
      github.redeliver(delivery!.id);
      await world.settle();

      expect(deploymentIssues(github.issues(HUB_REPO))).toHaveLength(1);
      const replies = github.issue(HUB_REPO, ri.number)!.comments.filter((c) => c.author.endsWith("[bot]") && !c.body.includes("The deployment request is open"));
      expect(replies).toHaveLength(1);
      expect(replies[0]!.body).toContain(deploymentIssues(github.issues(HUB_REPO))[0]!.htmlUrl);
      const reactions = github.issue(HUB_REPO, ri.number)!.comments.find((c) => c.id === comment.id)!.reactions;
      expect(reactions).toEqual([{ content: "+1", user: github.app.botLogin }]);
    });
  });

  describe("two triggers racing", () => {
    beforeEach(async () => {
      world = await startSandboxWorld();
    });

    it("two enqueues and two direct reconciles at once open one request-information issue", async () => {
      const { github, store, server } = world;
      const lead = await store.createLead(leadFields("Ocean Lab", "Needs Admin"));
      await Promise.all([
        server.runtime.enqueue(lead.id, "table change"),
        server.runtime.enqueue(lead.id, "timer"),
        server.runtime.reconcileNow(lead.id),
        server.runtime.reconcileNow(lead.id),
      ]);
      await world.settle();
      expect(requestInformationIssues(github.issues(HUB_REPO))).toHaveLength(1);
      expect(github.issues(SALES_REPO)).toHaveLength(1);
      expect(github.countRequests({ method: "POST", path: HUB_ISSUES_PATH })).toBe(1);
      const leadIssue = github.issues(SALES_REPO)[0]!;
      expect(leadIssue.comments.filter((c) => c.body.includes("Request information issue opened"))).toHaveLength(1);
      expect(leadIssue.subIssueIds).toHaveLength(1);
    });

    it("a status label and a /status command for the same lead at once open one request-information issue", async () => {
      const { github, store, server } = world;
      const lead = await store.createLead(leadFields("River Lab", "Active Lead"));
      await server.runtime.enqueue(lead.id, "test");
      await world.settle();
      const leadIssue = github.issues(SALES_REPO)[0]!;
      github.as("alice").addLabels({ repo: SALES_REPO, number: leadIssue.number, labels: ["status: needs admin"] });
      github.as("carol").comment({ repo: SALES_REPO, number: leadIssue.number, body: "/status needs-admin" });
      await world.settle();
      expect((await store.getLead(lead.id))?.status).toBe("Needs Admin");
      expect(requestInformationIssues(github.issues(HUB_REPO))).toHaveLength(1);
      expect(github.issue(SALES_REPO, leadIssue.number)?.labels.sort()).toEqual(["hub-sales", "status: needs admin"]);
    });

    it("closing the request-information issue and /request-deployment at once open one deployment request", async () => {
      const { github } = world;
      const { ri } = await leadWithRequestInformation(world);
      github.as("carol").comment({ repo: HUB_REPO, number: ri.number, body: "/request-deployment" });
      github.as("alice").close({ repo: HUB_REPO, number: ri.number, reason: "completed" });
      await world.settle();
      expect(deploymentIssues(github.issues(HUB_REPO))).toHaveLength(1);
      expect(github.board("example-org", 1)?.items).toHaveLength(1);
      expect(github.issue(HUB_REPO, ri.number)!.comments.filter((c) => c.body.includes("The deployment request is open"))).toHaveLength(1);
    });
  });

  it("a crash between creating the request-information issue and recording it: the next process adopts it", async () => {
    const inner = SqliteLeadStore.open(":memory:");
    let crashed = false;
    let armed = true;
    // After the crash every store call fails, as if the process were gone: nothing more is
    // written, not even the failed attempt (so the work item stays as the trigger left it).
    const dying = new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== "function" || prop === "close") return value;
        return async (...args: unknown[]) => {
          if (crashed) throw new Error("the process is gone");
          if (prop === "updateLead" && armed && "requestInformationIssue" in (args[1] as object)) {
            armed = false;
            crashed = true;
            throw new Error("killed right after the issue was created");
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as LeadStore;
    // The crashed process's lease on the lead must expire before another process may take it over.
    world = await startSandboxWorld({ store: dying, env: { HUB_SALES_LEASE_SECONDS: "1" } });
    const { github } = world;
    const lead = await inner.createLead(leadFields("Crash Lab", "Needs Admin"));
    await world.server.runtime.enqueue(lead.id, "table change");
    await waitFor("the crash", () => crashed);
    await world.server.close();

    expect(requestInformationIssues(github.issues(HUB_REPO))).toHaveLength(1);
    expect((await inner.getLead(lead.id))?.requestInformationIssue).toBeNull();
    expect((await inner.listWork()).map((w) => w.key)).toEqual([`lead:${lead.id}`]);

    // A new process: new runtime, same store and same GitHub. It picks up the recorded work by itself.
    crashed = false;
    let second: HubSalesServer | null = null;
    try {
      second = await startHubSalesServer({
        env: { ...world.env, HUB_SALES_TIMERS: "off" },
        retryPolicy: { retryAfterBaseMs: 10, writeIntervalMs: 0 },
        app: { store: dying, queue: { baseDelayMs: 20, maxDelayMs: 500, pollIntervalMs: 50 } },
      });
      github.setWebhookTarget({ url: second.webhookUrl, secret: world.env.WEBHOOK_SECRET! });
      await waitFor("the work to be done", async () => (await inner.listWork()).length === 0);
      await github.settle();
      await second.runtime.queue.drain();

      const ri = requestInformationIssues(github.issues(HUB_REPO));
      expect(ri).toHaveLength(1);
      expect(github.countRequests({ method: "POST", path: HUB_ISSUES_PATH })).toBe(1);
      expect((await inner.getLead(lead.id))?.requestInformationIssue).toBe(ri[0]!.htmlUrl);
      const leadIssue = github.issues(SALES_REPO)[0]!;
      expect(leadIssue.subIssueIds).toEqual([ri[0]!.id]);
      expect(leadIssue.body).toContain(ri[0]!.htmlUrl);
    } finally {
      await second?.close();
    }
  });

  it("a second full pass after the story settles writes nothing", async () => {
    world = await startSandboxWorld();
    const { github, store, server } = world;
    const leads = await Promise.all([
      store.createLead(leadFields("Active Lab", "Active Lead")),
      store.createLead(leadFields("Waiting Lab", "Waiting", { followUpDate: "2099-01-01" })),
      store.createLead(leadFields("Needs Admin Lab", "Needs Admin")),
      store.createLead(leadFields("Shipping Lab", "Needs Admin")),
      store.createLead(leadFields("Gone Lab", "Active Lead")),
      store.createLead(leadFields("Old Lab", "Inactive Lead")),
    ]);
    for (const lead of leads) await server.runtime.enqueue(lead.id, "import");
    await world.settle();
    // Shipping Lab goes all the way: deployment request opened, completed, Active Service.
    const shipping = leads[3]!;
    const ri = requestInformationIssues(github.issues(HUB_REPO)).find((i) => i.body?.includes(shipping.id))!;
    github.as("alice").close({ repo: HUB_REPO, number: ri.number, reason: "completed" });
    await world.settle();
    const deployment = deploymentIssues(github.issues(HUB_REPO))[0]!;
    github.as("alice").close({ repo: HUB_REPO, number: deployment.number, reason: "completed" });
    // Gone Lab goes inactive in the table: its issue closes.
    await store.updateLead(leads[4]!.id, { status: "Inactive Lead" });
    await server.runtime.enqueue(leads[4]!.id, "table change");
    await world.settle();
    expect((await store.getLead(shipping.id))?.status).toBe("Active Service");
    expect(github.issues(SALES_REPO)).toHaveLength(5);

    const from = github.requests.length;
    const deliveriesBefore = github.deliveries.length;
    expect(await server.runtime.enqueueAll("daily")).toBe(5);
    await world.settle();
    expect(writesSince(github, from)).toEqual([]);
    expect(github.deliveries.length).toBe(deliveriesBefore);
    // Observing costs one GET per recorded issue that matters (lead issues, plus the Needs Admin lead's RI).
    expect(github.requests.length - from).toBeLessThanOrEqual(5 + 1);
    expect(await store.listWork()).toEqual([]);
  });

  describe("GitHub failing", () => {
    beforeEach(async () => {
      world = await startSandboxWorld();
    });

    it("retries a 502 and a secondary rate limit on issue creation; one issue results", async () => {
      const { github, store, server } = world;
      github.failNext({ method: "POST", path: HUB_ISSUES_PATH, status: 502 });
      github.failNext({ method: "POST", path: HUB_ISSUES_PATH, status: 403, headers: { "retry-after": "1" } });
      const lead = await store.createLead(leadFields("Flaky Lab", "Needs Admin"));
      await server.runtime.enqueue(lead.id, "table change");
      await world.settle();
      await waitFor("the work to finish", async () => (await store.listWork()).length === 0);

      const posts = github.requests.filter((r) => r.method === "POST" && r.path === HUB_ISSUES_PATH);
      expect(posts.map((r) => [r.status, r.injected])).toEqual([
        [502, true],
        [403, true],
        [201, false],
      ]);
      const ri = requestInformationIssues(github.issues(HUB_REPO));
      expect(ri).toHaveLength(1);
      expect((await store.getLead(lead.id))?.requestInformationIssue).toBe(ri[0]!.htmlUrl);
    });

    it("a 502 from GitHub after it created the issue (a gateway timeout) still yields one issue", async () => {
      await world.close();
      const proxy = await startLyingProxy({ method: "POST", path: HUB_ISSUES_PATH });
      try {
        world = await startSandboxWorld({ env: { GHE_HOST: proxy.host } });
        proxy.setTarget(world.github.host);
        const { github, store, server } = world;
        const lead = await store.createLead(leadFields("Timeout Lab", "Needs Admin"));
        await server.runtime.enqueue(lead.id, "table change");
        await world.settle();
        await waitFor("the work to finish", async () => (await store.listWork()).length === 0);
        expect(proxy.lies).toBe(1);
        const ri = requestInformationIssues(github.issues(HUB_REPO));
        expect(ri.map((i) => i.number)).toHaveLength(1);
        expect((await store.getLead(lead.id))?.requestInformationIssue).toBe(ri[0]!.htmlUrl);
      } finally {
        await world.close();
        await proxy.close();
        world = await startSandboxWorld();
      }
    });

    it("a 502 from GitHub after it created a comment still yields one comment (no retry of the create; the next run finds it by marker)", async () => {
      await world.close();
      // The lead issue is the sales repo's #1; its link comment follows the request-information issue.
      const proxy = await startLyingProxy({ method: "POST", path: "/repos/example-org/sales/issues/1/comments" });
      try {
        world = await startSandboxWorld({ env: { GHE_HOST: proxy.host } });
        proxy.setTarget(world.github.host);
        const { github, store, server } = world;
        const lead = await store.createLead(leadFields("Comment Timeout Lab", "Needs Admin"));
        await server.runtime.enqueue(lead.id, "table change");
        await world.settle();
        await waitFor("the work to finish", async () => (await store.listWork()).length === 0);
        expect(proxy.lies).toBe(1);
        const comments = github.issue(SALES_REPO, 1)!.comments.filter((c) => c.body.includes("Request information issue opened"));
        expect(comments).toHaveLength(1);
      } finally {
        await world.close();
        await proxy.close();
        world = await startSandboxWorld();
      }
    });

    it("a failure outlasting the retries keeps the work in the store, reports it, and completes once GitHub recovers", async () => {
      const { github, store, server } = world;
      const lead = await store.createLead(leadFields("Stubborn Lab", "Active Lead"));
      await server.runtime.enqueue(lead.id, "import");
      await world.settle();
      const leadIssue = github.issues(SALES_REPO)[0]!;

      // Creating an issue is never re-sent within one attempt (a 5xx may hide a success), so
      // each queue attempt meets one failure: 7 outlast the 5 after which the failure is shown.
      github.failNext({ method: "POST", path: HUB_ISSUES_PATH, status: 502, times: 7 });
      await store.updateLead(lead.id, { status: "Needs Admin" });
      await server.runtime.enqueue(lead.id, "table change");
      await waitFor("two failed attempts", async () => ((await store.listWork())[0]?.attempts ?? 0) >= 2);
      const [pending] = await store.listWork();
      expect(pending).toMatchObject({ key: `lead:${lead.id}` });
      expect(pending!.lastError).toMatch(/Server Error|502/);
      expect(requestInformationIssues(github.issues(HUB_REPO))).toHaveLength(0);

      await waitFor("the work to complete", async () => (await store.listWork()).length === 0, 20_000);
      await world.settle();
      expect(github.requests.filter((r) => r.path === HUB_ISSUES_PATH && r.injected)).toHaveLength(7);
      const ri = requestInformationIssues(github.issues(HUB_REPO));
      expect(ri).toHaveLength(1);
      expect((await store.getLead(lead.id))?.requestInformationIssue).toBe(ri[0]!.htmlUrl);
      // Shown where people look: one warning on the lead issue for the failing streak.
      const warnings = github.issue(SALES_REPO, leadIssue.number)!.comments.filter((c) => c.body.includes("keeps failing"));
      expect(warnings).toHaveLength(1);
    });
  });

  it("no fee, cost, email or MANIAC-T note reaches the public hub repo", async () => {
    world = await startSandboxWorld();
    const { github, store, server } = world;
    const lead = await store.createLead(
      newLeadFields("Secret Lab", "Active Lead", { githubHandles: ["rep-one", "rep-two"], contactEmail: "dean@secret.example", managedCloudBilling: true }),
    );
    await server.runtime.enqueue(lead.id, "import");
    await world.settle();
    const leadIssue = github.issues(SALES_REPO)[0]!;
    github.as("alice").comment({
      repo: SALES_REPO,
      number: leadIssue.number,
      body: [
        '/qualify money="NSF grant 7731" authority="the dean signs" need="GPU cluster" event="fall semester" application="climate models" competition="self-hosted" timeline="by March"',
        '/confirm-service tier=Research fee=1234.56 start=2026-01-01 agreement="signed MOU 42"',
      ].join("\n"),
    });
    await world.settle();
    const reply = github.issue(SALES_REPO, leadIssue.number)!.comments.find((c) => c.author.endsWith("[bot]") && c.body.includes("Recorded for"));
    expect(reply?.body).toContain("1,234.56");
    expect(reply?.body).toContain("dean@secret.example");
    expect((await store.getLead(lead.id))?.status).toBe("Needs Admin");

    const ri = requestInformationIssues(github.issues(HUB_REPO))[0]!;
    github.as("rep-one").comment({ repo: HUB_REPO, number: ri.number, body: "We are ready, thank you" });
    github.as("alice").close({ repo: HUB_REPO, number: ri.number, reason: "completed" });
    await world.settle();
    const deployment = deploymentIssues(github.issues(HUB_REPO))[0]!;
    github.as("carol").comment({ repo: HUB_REPO, number: deployment.number, body: '/hub-live name=secret-hub url=https://secret.hubs.example date=2026-01-01' });
    await world.settle();
    github.as("alice").close({ repo: HUB_REPO, number: deployment.number, reason: "completed" });
    await world.settle();
    await store.upsertCloudCosts([{ month: "2026-01", hub: "secret-hub", amount: 98765, currency: "USD" }]);
    github.as("alice").comment({ repo: SALES_REPO, number: leadIssue.number, body: "/invoice month=2026-01" });
    await world.settle();
    expect((await store.getLead(lead.id))?.status).toBe("Active Service");
    expect((await store.listHubs()).map((h) => h.hub)).toEqual(["secret-hub"]);
    // The invoice (with the cost) exists, in the sales repo.
    const invoice = github.issues(SALES_REPO).find((i) => i.title.includes("2026-01"));
    expect(invoice?.body).toContain("987.65");

    const secrets = ["1,234.56", "1234.56", "123456", "987.65", "98765", "dean@secret.example", "NSF grant 7731", "the dean signs", "GPU cluster", "fall semester", "climate models", "self-hosted", "by March", "signed MOU 42", "1,500", "1500"];
    const hubIssues = github.issues(HUB_REPO);
    expect(hubIssues.length).toBeGreaterThanOrEqual(2);
    for (const issue of hubIssues) {
      const text = [issue.title, issue.body ?? "", ...issue.comments.map((c) => c.body)].join("\n");
      for (const secret of secrets) expect(text, `${issue.title} shows "${secret}"`).not.toContain(secret);
    }
    const board = github.board("example-org", 1)!;
    expect(JSON.stringify(board)).not.toMatch(/1,?234\.56|dean@|NSF/);
  });
});
