import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHubSalesApp } from "../../src/app/hub-sales-app.js";
import type { HubSalesRuntime } from "../../src/app/hub-sales-runtime.js";
import { newLeadFields, type Lead } from "../../src/domain/records.js";
import { renderIssueMarker } from "../../src/github/issue-marker.js";
import type { LeadStore } from "../../src/store/lead-store.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";

/*
 * The app driven the way Probot documents testing: `probot.receive` with webhook payloads
 * of the real shape, and every GitHub request mocked with nock (no network at all).
 */

const API = "https://api.github.com";
const OWNER = "example-org";
const SALES = { owner: OWNER, repo: "sales" };
const HUB = { owner: OWNER, repo: "infrastructure" };
const INSTALLATION_ID = 4242;
const SLUG = "hub-sales-bot";
const BOT = `${SLUG}[bot]`;

const CONFIG_YAML = `
hub_repo: ${HUB.owner}/${HUB.repo}
tiers:
  - { name: Research, monthly_fee: 1500.00 }
`;

// --- payloads of the real shape (trimmed to what a webhook carries that matters) ---------------

function user(login: string) {
  return {
    login,
    id: login.length * 1000 + 7,
    node_id: `U_${login}`,
    type: login.endsWith("[bot]") ? "Bot" : "User",
    site_admin: false,
    html_url: `https://github.com/${login.replace("[bot]", "")}`,
  };
}

function repository(repo: { owner: string; repo: string }, isPrivate: boolean) {
  return {
    id: isPrivate ? 101 : 102,
    node_id: `R_${repo.repo}`,
    name: repo.repo,
    full_name: `${repo.owner}/${repo.repo}`,
    private: isPrivate,
    owner: { ...user(repo.owner), type: "Organization" },
    html_url: `https://github.com/${repo.owner}/${repo.repo}`,
    default_branch: "main",
  };
}

function issue(input: { repo: { owner: string; repo: string }; number: number; body: string | null; author: string; state?: "open" | "closed"; stateReason?: string | null; labels?: string[] }) {
  return {
    id: 900_000 + input.number,
    node_id: `I_${input.number}`,
    number: input.number,
    title: `Issue ${input.number}`,
    body: input.body,
    user: user(input.author),
    labels: (input.labels ?? []).map((name, i) => ({ id: i + 1, node_id: `LA_${i}`, name, color: "ededed", default: false })),
    state: input.state ?? "open",
    state_reason: input.stateReason ?? null,
    locked: false,
    comments: 0,
    html_url: `https://github.com/${input.repo.owner}/${input.repo.repo}/issues/${input.number}`,
    url: `${API}/repos/${input.repo.owner}/${input.repo.repo}/issues/${input.number}`,
    created_at: "2026-01-05T10:00:00Z",
    updated_at: "2026-01-05T10:00:00Z",
    closed_at: input.state === "closed" ? "2026-01-06T10:00:00Z" : null,
    author_association: input.author.endsWith("[bot]") ? "NONE" : "MEMBER",
  };
}

function issueCommentCreated(input: { issue: ReturnType<typeof issue>; repo: { owner: string; repo: string }; commentId: number; body: string; by: string }) {
  return {
    action: "created" as const,
    issue: input.issue,
    comment: {
      id: input.commentId,
      node_id: `IC_${input.commentId}`,
      body: input.body,
      user: user(input.by),
      html_url: `${input.issue.html_url}#issuecomment-${input.commentId}`,
      url: `${API}/repos/${input.repo.owner}/${input.repo.repo}/issues/comments/${input.commentId}`,
      created_at: "2026-01-06T09:00:00Z",
      updated_at: "2026-01-06T09:00:00Z",
      author_association: "MEMBER",
    },
    repository: repository(input.repo, input.repo.repo === SALES.repo),
    organization: { login: OWNER, id: 55, node_id: "O_55" },
    installation: { id: INSTALLATION_ID, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==" },
    sender: user(input.by),
  };
}

function issuesClosed(input: { issue: ReturnType<typeof issue>; repo: { owner: string; repo: string }; by: string }) {
  return {
    action: "closed" as const,
    issue: input.issue,
    repository: repository(input.repo, input.repo.repo === SALES.repo),
    organization: { login: OWNER, id: 55, node_id: "O_55" },
    installation: { id: INSTALLATION_ID, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==" },
    sender: user(input.by),
  };
}

// --- mocks named after the endpoint they stand in for ------------------------------------------

function mockGetAuthenticatedApp() {
  return nock(API).get("/app").reply(200, { id: 1, slug: SLUG, name: "hub-sales-bot", owner: { login: OWNER } });
}

function mockCreateInstallationAccessToken() {
  return nock(API)
    .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
    .reply(201, { token: "ghs_test", expires_at: "2099-01-01T00:00:00Z", permissions: { issues: "write" }, repository_selection: "all" });
}

function mockGetCollaboratorPermission(repo: { owner: string; repo: string }, login: string, permission: string) {
  return nock(API)
    .get(`/repos/${repo.owner}/${repo.repo}/collaborators/${login}/permission`)
    .reply(200, { permission, role_name: permission, user: user(login) });
}

function mockCreateReaction(repo: { owner: string; repo: string }, commentId: number, content: string) {
  return nock(API)
    .post(`/repos/${repo.owner}/${repo.repo}/issues/comments/${commentId}/reactions`, { content })
    .reply(201, { id: 1, content, user: user(BOT) });
}

function mockCreateComment(repo: { owner: string; repo: string }, number: number, check: (body: string) => boolean) {
  return nock(API)
    .post(`/repos/${repo.owner}/${repo.repo}/issues/${number}/comments`, (b: { body: string }) => check(b.body))
    .reply(201, (_uri, b) => ({ id: 777, node_id: "IC_777", body: (b as { body: string }).body, user: user(BOT), html_url: `https://github.com/${repo.owner}/${repo.repo}/issues/${number}#issuecomment-777` }));
}

describe("the Probot app receiving webhooks (nock, no network)", () => {
  let privateKey: string;
  let configDir: string;
  let store: LeadStore;
  let runtime: HubSalesRuntime | null;
  let probot: Probot;

  beforeAll(() => {
    privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    configDir = mkdtempSync(join(tmpdir(), "hub-sales-probot-"));
    writeFileSync(join(configDir, "hub-sales.yml"), CONFIG_YAML);
  });
  afterAll(() => rmSync(configDir, { recursive: true, force: true }));

  beforeEach(async () => {
    nock.disableNetConnect();
    store = SqliteLeadStore.open(":memory:");
    runtime = null;
    probot = new Probot({
      appId: 1,
      privateKey,
      logLevel: "fatal",
      // Probot's documented `ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } })`
      // loses `throttle` in Probot 14: Probot passes its own throttle object, which replaces ours
      // whole (object defaults merge shallowly), so writes would still be spaced 1 s apart.
      // A defaults function merges after Probot's options.
      Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
        ...options,
        retry: { enabled: false },
        throttle: { ...(options.throttle as object), enabled: false },
      })) as typeof ProbotOctokit,
    });
    await probot.load(
      createHubSalesApp({
        env: {
          HUB_SALES_REPO: `${SALES.owner}/${SALES.repo}`,
          HUB_SALES_CONFIG: join(configDir, "hub-sales.yml"),
          HUB_SALES_TIMERS: "off",
        },
        store,
        // The queue's own poll stays out of the way: only `enqueue` kicks work off.
        queue: { pollIntervalMs: 60 * 60_000, baseDelayMs: 60 * 60_000 },
        onRuntime: (r) => (runtime = r),
      }),
    );
    expect(runtime).not.toBeNull();
  });

  afterEach(async () => {
    await runtime?.stop();
    await store.close();
    const pending = nock.pendingMocks();
    const done = nock.isDone();
    nock.cleanAll();
    nock.enableNetConnect();
    expect(pending, "unused mocks").toEqual([]);
    expect(done).toBe(true);
  });

  it("an ordinary comment makes no request at all", async () => {
    const lead = issue({ repo: SALES, number: 3, body: renderIssueMarker({ lead: "lead-1", kind: "lead" }), author: BOT });
    await probot.receive({
      id: "delivery-ordinary",
      name: "issue_comment",
      payload: issueCommentCreated({ issue: lead, repo: SALES, commentId: 11, body: "Thanks! We will send the forms / details on Monday.", by: "carol" }),
    } as never);
    expect(nock.isDone()).toBe(true);
    // Not even the store is written: the delivery is not recorded.
    expect(await store.getState("delivery:delivery-ordinary")).toBeNull();
    expect(await store.recordDelivery("delivery-ordinary", "probe")).toBe(true);
  });

  it("a command written by a bot makes no request at all", async () => {
    const lead = issue({ repo: SALES, number: 3, body: renderIssueMarker({ lead: "lead-1", kind: "lead" }), author: BOT });
    await probot.receive({
      id: "delivery-bot",
      name: "issue_comment",
      payload: issueCommentCreated({ issue: lead, repo: SALES, commentId: 12, body: "/status inactive-lead", by: "renovate[bot]" }),
    } as never);
  });

  it("/help by a write collaborator: the app's slug, a permission check, a reaction and one reply", async () => {
    const scopes = [
      mockGetAuthenticatedApp(),
      mockCreateInstallationAccessToken(),
      mockGetCollaboratorPermission(SALES, "carol", "write"),
      mockCreateReaction(SALES, 21, "+1"),
      mockCreateComment(SALES, 5, (body) => body.includes("/confirm-service tier=<tier>") && body.includes("/request-deployment")),
    ];
    const plain = issue({ repo: SALES, number: 5, body: "How do I use the bot?", author: "carol" });
    await probot.receive({
      id: "delivery-help",
      name: "issue_comment",
      payload: issueCommentCreated({ issue: plain, repo: SALES, commentId: 21, body: "/help", by: "carol" }),
    } as never);
    for (const scope of scopes) expect(scope.isDone()).toBe(true);

    // The same delivery again (GitHub's "Redeliver"): recorded, so nothing is done twice.
    await probot.receive({
      id: "delivery-help",
      name: "issue_comment",
      payload: issueCommentCreated({ issue: plain, repo: SALES, commentId: 21, body: "/help", by: "carol" }),
    } as never);
  });

  it("a read-only user's command gets the refusal and a confused reaction, nothing else", async () => {
    const lead = await store.createLead(newLeadFields("Data Science Lab", "Active Lead"));
    mockGetAuthenticatedApp();
    mockCreateInstallationAccessToken();
    mockGetCollaboratorPermission(SALES, "bob", "read");
    mockCreateReaction(SALES, 31, "confused");
    mockCreateComment(SALES, 3, (body) => body === `@bob, only people with write access to ${SALES.owner}/${SALES.repo} may run hub-sales commands; nothing was changed.`);
    const leadIssue = issue({ repo: SALES, number: 3, body: renderIssueMarker({ lead: lead.id, kind: "lead" }), author: BOT });
    await probot.receive({
      id: "delivery-bob",
      name: "issue_comment",
      payload: issueCommentCreated({ issue: leadIssue, repo: SALES, commentId: 31, body: "/status inactive-lead", by: "bob" }),
    } as never);
    expect((await store.getLead(lead.id))?.status).toBe("Active Lead");
    expect(await store.listWork()).toEqual([]);
  });

  describe("issues.closed on a deployment issue the app owns", () => {
    let lead: Lead;
    let release: () => void;
    let reconcileStarted: Promise<void>;

    beforeEach(async () => {
      lead = await store.createLead(
        newLeadFields("Data Science Lab", "Needs Admin", {
          serviceTier: "Research",
          agreement: "email",
          serviceStartDate: "2026-01-01",
          requestInformationIssue: `https://github.com/${HUB.owner}/${HUB.repo}/issues/10`,
          deploymentIssue: `https://github.com/${HUB.owner}/${HUB.repo}/issues/11`,
        }),
      );
      // Reconcile reads the lead first: holding that read shows the webhook is answered before reconcile runs.
      const gate = new Promise<void>((resolve) => (release = resolve));
      let started!: () => void;
      reconcileStarted = new Promise<void>((resolve) => (started = resolve));
      const getLead = store.getLead.bind(store);
      store.getLead = async (id: string) => {
        started();
        await gate;
        return getLead(id);
      };
    });

    it("records the work in the store and answers without waiting for reconcile", async () => {
      mockGetAuthenticatedApp();
      const deployment = issue({
        repo: HUB,
        number: 11,
        body: `### Hub name\n\npending\n\n${renderIssueMarker({ lead: lead.id, kind: "deployment" })}`,
        author: BOT,
        state: "closed",
        stateReason: "completed",
        labels: ["new hub"],
      });
      await probot.receive({ id: "delivery-closed", name: "issues", payload: issuesClosed({ issue: deployment, repo: HUB, by: "alice" }) } as never);

      const work = await store.listWork();
      expect(work.map((w) => [w.key, w.reason])).toEqual([[`lead:${lead.id}`, "deployment issue closed by @alice"]]);
      await reconcileStarted;
      // Reconcile is waiting on the store; it has made no GitHub request yet.
      expect(nock.isDone()).toBe(true);

      // Let it run, failing on the first GitHub call: the work stays recorded, with the error.
      release();
      await runtime!.stop();
      const [failed] = await store.listWork();
      expect(failed).toMatchObject({ key: `lead:${lead.id}`, attempts: 1 });
      expect(failed!.lastError).toMatch(/Nock|Disallowed net connect|access_tokens/i);
    });

    it("a closed event sent by the app itself, or on an issue it does not own, costs nothing", async () => {
      release();
      mockGetAuthenticatedApp();
      const marker = renderIssueMarker({ lead: lead.id, kind: "deployment" });
      const ownClose = issue({ repo: HUB, number: 11, body: marker, author: BOT, state: "closed", stateReason: "completed" });
      await probot.receive({ id: "delivery-own", name: "issues", payload: issuesClosed({ issue: ownClose, repo: HUB, by: BOT }) } as never);
      // A person pasted the marker into their own issue: not the app's.
      const pasted = issue({ repo: HUB, number: 12, body: marker, author: "mallory", state: "closed", stateReason: "completed" });
      await probot.receive({ id: "delivery-pasted", name: "issues", payload: issuesClosed({ issue: pasted, repo: HUB, by: "mallory" }) } as never);
      // No marker at all: not even the app's login is looked up.
      const other = issue({ repo: HUB, number: 13, body: "A bug report", author: "mallory", state: "closed", stateReason: "completed" });
      await probot.receive({ id: "delivery-other", name: "issues", payload: issuesClosed({ issue: other, repo: HUB, by: "alice" }) } as never);
      expect(await store.listWork()).toEqual([]);
    });
  });
});
