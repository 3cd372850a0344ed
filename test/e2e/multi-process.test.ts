import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { hubSalesConfigSchema } from "../../src/config/hub-sales-config.schema.js";
import { parseIssueMarker } from "../../src/github/issue-marker.js";
import { sandboxAppEnv, startSandboxGitHub, SANDBOX_WEBHOOK_SECRET } from "../../src/sandbox/sandbox-world.js";
import type { GitHubStandIn } from "../../src/sandbox/github-stand-in/github-stand-in.js";
import type { LeadStore } from "../../src/store/lead-store.js";
import { openStore } from "../../src/store/open-store.js";
import { runCliProcess, startServerProcess, waitUntil, type ServerProcess } from "../support/app-processes.js";
import { startPostgresServer, type PostgresServer } from "../support/postgres-server.js";
import { HUB_REPO, SALES_REPO, SANDBOX_CONFIG } from "../support/sandbox-world.js";

/**
 * SPEC §8: "The server, the CLI and any number of replicas may run at once on one store: a
 * lead's work is leased to one of them at a time." Real processes, the GitHub stand-in over
 * HTTP, on each backend of the shared state: one SQLite file on one machine, or one
 * PostgreSQL server with every replica on a data directory of its own (replicas on
 * different machines).
 */
const LEASE_SECONDS = 3;

let postgres: PostgresServer | undefined;
afterAll(async () => {
  await postgres?.stop();
});

interface Backend {
  name: string;
  /** Where the shared state lives, for every process of one test. */
  sharedState(): Promise<Record<string, string>>;
  /** Whether each server gets its own data directory (nothing on disk is shared). */
  separateDataDirectories: boolean;
}

const BACKENDS: Backend[] = [
  { name: "one SQLite file", sharedState: async () => ({ HUB_SALES_DB: join(dir, "hub-sales.db") }), separateDataDirectories: false },
  {
    name: "one PostgreSQL, a data directory per replica",
    sharedState: async () => {
      postgres ??= await startPostgresServer();
      return { HUB_SALES_DATABASE_URL: await postgres.createDatabase(), HUB_SALES_DB: join(dir, "cli", "unused.db") };
    },
    separateDataDirectories: true,
  },
];

let github: GitHubStandIn;
let dir: string;
let env: Record<string, string | undefined>;
let servers: ServerProcess[] = [];
let backend: Backend;

async function setUp(using: Backend): Promise<void> {
  backend = using;
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  github = await startSandboxGitHub({ config: SANDBOX_CONFIG, users: ["rep-one", "rep-two"] });
  dir = await mkdtemp(join(tmpdir(), "hub-sales-multi-"));
  env = {
    ...sandboxAppEnv(github),
    ...(await using.sharedState()),
    HUB_SALES_TIMERS: "off",
    HUB_SALES_LEASE_SECONDS: String(LEASE_SECONDS),
    HUB_SALES_GITHUB_WRITE_INTERVAL_MS: "0",
  };
}

afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
  await github.close();
  await rm(dir, { recursive: true, force: true });
  nock.enableNetConnect();
});

async function startServer(): Promise<ServerProcess> {
  const own = backend.separateDataDirectories ? { HUB_SALES_DB: join(dir, `replica-${servers.length + 1}`, "hub-sales.db") } : {};
  const server = await startServerProcess({ ...env, ...own });
  servers.push(server);
  return server;
}

async function cli(...args: string[]) {
  const run = await runCliProcess(env, args);
  if (run.code !== 0) throw new Error(`hub-sales ${args.join(" ")} exited ${run.code}:\n${run.err}\n${run.out}`);
  return run;
}

/** (lead, kind) pairs with more than one issue, over both repos. */
function duplicateIssues(): string[] {
  const seen = new Map<string, number>();
  for (const repo of [SALES_REPO, HUB_REPO]) {
    for (const issue of github.issues(repo)) {
      const marker = parseIssueMarker(issue.body);
      if (!marker) continue;
      const key = `${marker.lead}/${marker.kind}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  }
  return [...seen].filter(([, n]) => n > 1).map(([key, n]) => `${key} ×${n}`);
}

/**
 * One lead imported, and a server whose run on it holds the lease: GitHub makes the lead
 * issue at once but holds its answer back for 20 s, as a gateway that timed out would.
 */
async function startServerHoldingLease(): Promise<ServerProcess> {
  const csv = join(dir, "one-lead.csv");
  await writeFile(csv, "Name,Status,GitHub handles\nPrairie Data Science Initiative,Active Lead,@rep-one\n");
  await cli("leads", "import", csv);
  github.delayNext({ method: "POST", path: `/repos/${SALES_REPO}/issues`, ms: 20_000 });
  const a = await startServer();
  await waitUntil("server A to open the lead issue", () => github.issues(SALES_REPO).length === 1);
  return a;
}

async function withStore<T>(read: (store: LeadStore) => Promise<T>): Promise<T> {
  const store = await openStore({ env, config: { airtable: hubSalesConfigSchema.shape.airtable.parse(undefined) } });
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

async function quiet(): Promise<void> {
  await waitUntil("the shared queue to empty", async () => {
    await github.settle();
    return (await withStore((s) => s.listWork())).length === 0;
  }, 60_000);
}

const writes = () =>
  github.requests.filter((r) => r.method !== "GET" && !r.path.endsWith("/access_tokens")).map((r) => `${r.method} ${r.path}`);

describe.each(BACKENDS)("several app processes on $name", (using) => {
  beforeEach(async () => {
    await setUp(using);
  }, 60_000);

  it("two servers and two concurrent CLI passes: one issue per lead and kind, one board item, a further pass writes nothing", async () => {
    await cli("leads", "import", "examples/leads.csv");
    const [a, b] = await Promise.all([startServer(), startServer()]);
    const [first, second] = await Promise.all([cli("reconcile"), cli("reconcile")]);
    for (const pass of [first, second]) expect(pass.out).toMatch(/reconciled \d+ leads; 0 failing/);
    expect(duplicateIssues()).toEqual([]);

    // People act: webhooks go to server A …
    github.setWebhookTarget({ url: a.webhookUrl, secret: SANDBOX_WEBHOOK_SECRET });
    const genomics = await withStore(async (s) => (await s.findLeadByName("Open Genomics Lab, Inc."))!);
    const prairie = await withStore(async (s) => (await s.findLeadByName("Prairie Data Science Initiative"))!);
    const requestInfo = Number(/\/issues\/(\d+)$/.exec(genomics.requestInformationIssue!)![1]);
    const prairieIssue = Number(/\/issues\/(\d+)$/.exec(prairie.leadIssue!)![1]);
    github.as("alice").close({ repo: HUB_REPO, number: requestInfo, reason: "completed" });
    github.as("alice").comment({
      repo: SALES_REPO,
      number: prairieIssue,
      body: '/confirm-service tier=Research agreement="call of 2026-03-02"',
    });
    await quiet();
    await waitUntil("the deployment request and Prairie's request-information issue", async () => {
      const [g, p] = await withStore(async (s) => [await s.getLead(genomics.id), await s.getLead(prairie.id)]);
      return !!g?.deploymentIssue && !!p?.requestInformationIssue;
    });

    // … and every delivery so far is redelivered to server B.
    github.setWebhookTarget({ url: b.webhookUrl, secret: SANDBOX_WEBHOOK_SECRET });
    for (const delivery of github.deliveries.filter((d) => !d.redelivery)) github.redeliver(delivery.id);
    await quiet();

    expect(duplicateIssues()).toEqual([]);
    const board = github.board("example-org", 1)!;
    expect(board.items.map((i) => i.issue?.title)).toEqual(["[Request deployment] New Hub: Open Genomics Lab, Inc."]);
    const replies = github.issue(SALES_REPO, prairieIssue)!.comments.filter((c) => c.author === github.app.botLogin && /confirm-service|Needs Admin/i.test(c.body));
    expect(replies).toHaveLength(1);

    github.clearRequests();
    const again = await cli("reconcile");
    expect(again.out).toMatch(/0 failing/);
    expect(writes()).toEqual([]);
  }, 180_000);

  it("a server killed while it holds a lease, after GitHub created an issue but before the app heard back: another server adopts it", async () => {
    const a = await startServerHoldingLease();
    const work = await withStore((s) => s.listWork());
    expect(work).toHaveLength(1);
    expect(work[0]!.leaseOwner).not.toBeNull();

    const b = await startServer();
    await a.kill9();
    const tookMs = await waitUntil(
      "server B to take the lead over",
      async () => (await withStore((s) => s.listWork())).length === 0,
      (LEASE_SECONDS + 10) * 1000,
    );
    console.log(`kill -9 (${backend.name}): B finished the lead ${Math.round(tookMs)} ms after A was killed (lease ${LEASE_SECONDS} s)`);
    expect(tookMs).toBeLessThan((LEASE_SECONDS + 5) * 1000);
    const issues = github.issues(SALES_REPO);
    expect(issues).toHaveLength(1);
    const lead = await withStore(async (s) => (await s.findLeadByName("Prairie Data Science Initiative"))!);
    expect(lead.leadIssue).toBe(issues[0]!.htmlUrl);
    expect(b.child.exitCode).toBeNull();
  }, 120_000);

  it("a server sent SIGTERM mid-run hands its lease back, and another picks the work up in under 2 s", async () => {
    // A lease far longer than the wait allowed: only a handed-back lease, not an expired one, can pass.
    env.HUB_SALES_LEASE_SECONDS = "30";
    env.HUB_SALES_SHUTDOWN_GRACE_SECONDS = "1";
    const a = await startServerHoldingLease();
    expect((await withStore((s) => s.listWork()))[0]?.leaseOwner).not.toBeNull();
    await startServer();

    const exit = new Promise<number | null>((resolve) => a.child.once("exit", (code) => resolve(code)));
    const sent = performance.now();
    a.child.kill("SIGTERM");
    expect(await exit).toBe(0);
    const exitedAfterMs = performance.now() - sent;
    const pickedUpMs = await waitUntil("server B to finish the lead's work", async () => (await withStore((s) => s.listWork())).length === 0, 10_000);
    console.log(`graceful shutdown (${backend.name}): A exited ${Math.round(exitedAfterMs)} ms after SIGTERM (grace 1 s); B finished the work ${Math.round(pickedUpMs)} ms after that`);
    expect(exitedAfterMs).toBeLessThan(3_000);
    expect(pickedUpMs).toBeLessThan(2_000);
    expect(a.output()).toMatch(/handed back the leases of 1 unfinished run/);
    // B adopted A's issue by its marker.
    expect(github.issues(SALES_REPO)).toHaveLength(1);
  }, 90_000);
});
