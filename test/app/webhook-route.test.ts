import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNodeMiddleware, createProbot, ProbotOctokit } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHubSalesApp } from "../../src/app/hub-sales-app.js";
import type { HubSalesRuntime } from "../../src/app/hub-sales-runtime.js";
import { renderIssueMarker } from "../../src/github/issue-marker.js";
import type { GitHubStandIn } from "../../src/sandbox/github-stand-in/github-stand-in.js";
import { SANDBOX_HUB_REPO, SANDBOX_WEBHOOK_SECRET, sandboxAppEnv, startSandboxGitHub } from "../../src/sandbox/sandbox-world.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";

/*
 * The app's own webhook route, ahead of Probot's on the same path: the same checks and answers
 * as Probot's receiver, without the Octokit Probot builds for every event.
 */

/** Octokits Probot built for an event (a payload without `installation` gets an unauthenticated one). */
let eventOctokits = 0;
class CountingOctokit extends ProbotOctokit {
  constructor(...args: ConstructorParameters<typeof ProbotOctokit>) {
    super(...args);
    const reason = (args[0] as { auth?: { reason?: unknown } } | undefined)?.auth?.reason;
    if (typeof reason === "string" && reason.startsWith("Handling a")) eventOctokits += 1;
  }
}

let github: GitHubStandIn;
let server: Server;
let url: string;
let dir: string;
let store: SqliteLeadStore;
let runtime: HubSalesRuntime;
let probot: ReturnType<typeof createProbot>;

beforeAll(async () => {
  github = await startSandboxGitHub({ config: `hub_repo: ${SANDBOX_HUB_REPO}\n` });
  dir = mkdtempSync(join(tmpdir(), "hub-sales-webhook-route-"));
  store = SqliteLeadStore.open(join(dir, "hub-sales.db"));
  const env = { ...sandboxAppEnv(github), LOG_LEVEL: "fatal" as const, HUB_SALES_TIMERS: "off" };
  probot = createProbot({ env, overrides: { Octokit: CountingOctokit as typeof ProbotOctokit } });
  const middleware = await createNodeMiddleware(
    createHubSalesApp({ env, store, queue: { concurrency: 0 }, onRuntime: (r) => (runtime = r) }),
    { probot },
  );
  server = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
});

afterAll(async () => {
  await runtime?.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await store.close();
  await github.close();
  rmSync(dir, { recursive: true, force: true });
});

function leadIssueClosed(lead: string): Record<string, unknown> {
  return {
    action: "closed",
    issue: {
      number: 7,
      body: `${renderIssueMarker({ lead, kind: "lead" })}\nLead issue`,
      user: { login: github.app.botLogin },
      html_url: "https://github.com/example-org/sales/issues/7",
    },
    repository: { name: "sales", owner: { login: "example-org" } },
    sender: { login: "alice", type: "User" },
  };
}

async function deliver(event: string, payload: unknown, options: { secret?: string; id?: string } = {}) {
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac("sha256", options.secret ?? SANDBOX_WEBHOOK_SECRET).update(body).digest("hex")}`;
  const id = options.id ?? randomUUID();
  const res = await fetch(url, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "x-github-event": event, "x-github-delivery": id, "x-hub-signature-256": signature },
  });
  return { id, status: res.status, text: await res.text() };
}

const queuedLeads = async () => (await store.listWork()).map((w) => w.key.replace(/^lead:/, "")).sort();

describe("the app's webhook route", () => {
  it("records a delivery and queues its lead's work without Probot building an Octokit for the event", async () => {
    const before = eventOctokits;
    const answers = await Promise.all(["lead-route-1", "lead-route-2", "lead-route-1"].map((lead) => deliver("issues", leadIssueClosed(lead))));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(await queuedLeads()).toEqual(expect.arrayContaining(["lead-route-1", "lead-route-2"]));
    // Each delivery id is recorded: a redelivery of the first does nothing.
    expect(await store.recordDelivery(answers[0]!.id, "issues.closed")).toBe(false);
    expect(eventOctokits - before).toBe(0);
  });

  it("is what serves the path: Probot's receiver, given the same event, builds one (the count can move)", async () => {
    const before = eventOctokits;
    await probot.receive({ id: randomUUID(), name: "issues", payload: leadIssueClosed("lead-route-3") } as never);
    expect(eventOctokits - before).toBe(1);
    expect(await queuedLeads()).toContain("lead-route-3");
  });

  it("answers a wrong signature 400 and records nothing", async () => {
    const answer = await deliver("issues", leadIssueClosed("lead-route-forged"), { secret: "not-the-secret" });
    expect(answer.status).toBe(400);
    expect(answer.text).toContain("signature does not match");
    expect(await queuedLeads()).not.toContain("lead-route-forged");
    expect(await store.recordDelivery(answer.id, "issues.closed")).toBe(true);
  });

  it("answers a payload of another shape 400 with the field, and records nothing", async () => {
    const payload = leadIssueClosed("lead-route-bad");
    (payload.issue as Record<string, unknown>).number = "seven";
    const answer = await deliver("issues", payload);
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/issue\.number/);
    expect(await queuedLeads()).not.toContain("lead-route-bad");
  });

  it("answers an event the app does not subscribe to 200, at no cost", async () => {
    const before = eventOctokits;
    const answer = await deliver("push", { ref: "refs/heads/main", repository: { name: "sales", owner: { login: "example-org" } } });
    expect(answer.status).toBe(200);
    expect(eventOctokits - before).toBe(0);
  });

  it("answers what is not a webhook as Probot's receiver does", async () => {
    expect((await fetch(url)).status).toBe(404);
    const plain = await fetch(url, { method: "POST", body: "x", headers: { "content-type": "text/plain" } });
    expect(plain.status).toBe(415);
    const headless = await fetch(url, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(headless.status).toBe(400);
    expect(await headless.text()).toContain("x-github-event");
  });
});
