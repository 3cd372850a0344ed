/**
 * Webhook throughput of the app against a bare Probot app. Both get the same signed
 * deliveries over HTTP, sent with a fixed concurrency:
 * (a) the real hub-sales server on a SQLite file, as `npm start` runs it (its own webhook route
 * ahead of Probot's: signature check, payload validated, the
 * delivery recorded and the lead's work queued in one write before the 2xx answer, the queue
 * claiming leases and running the reconciles meanwhile) and (b) a Probot app whose handlers do
 * nothing, through Probot's `createNodeMiddleware` (which builds a Context and an Octokit for
 * every event it has a handler for). Reports deliveries per second and the ratio (target: 0.9 or better).
 *
 * Four workloads: `relevant` is only `issues.closed` on app-owned lead issues, each of which
 * queues its lead's reconcile, with payloads cut down to the fields the app reads; `mixed` is
 * closer to what a sales repo sends: 4 in 10 of those, the rest events the app has nothing to do
 * with (comments without a command, closed issues it does not own), which must cost no API call
 * and no write (both counted); `relevant, full payloads` is the first with every field GitHub
 * sends (repository, sender and issue objects in full, a lead issue's body: about 8 kB), and
 * `mixed, full payloads` the second so: what a sales repo really sends, since GitHub always
 * sends the whole payload.
 *
 * After each round of the app, its queue is drained (not timed) so the next round of the bare
 * app does not pay for it; the CPU time per delivery is shown with those reconciles included.
 *
 * Each round sends to both, in alternating order; the ratio is given best round against best
 * round, and as the median of the rounds' own ratios (steadier on a machine doing other work).
 *
 *   npx tsx bench/webhook-throughput-bench.ts [deliveries] [concurrency] [rounds]
 */
import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNodeMiddleware, createProbot } from "probot";
import { renderIssueMarker } from "../src/github/issue-marker.js";
import { SANDBOX_HUB_REPO, SANDBOX_WEBHOOK_SECRET, startSandboxWorld } from "../src/sandbox/sandbox-world.js";
import { SqliteLeadStore } from "../src/store/sqlite-lead-store.js";
import { wholeNumberOption } from "./bench-args.js";

const USAGE = "usage: npx tsx bench/webhook-throughput-bench.ts [deliveries] [concurrency] [rounds]";
const N = wholeNumberOption({ name: "deliveries", raw: process.argv[2] ?? "2000", min: 1, usage: USAGE });
const CONCURRENCY = wholeNumberOption({ name: "concurrency", raw: process.argv[3] ?? "16", min: 1, usage: USAGE });
const ROUNDS = wholeNumberOption({ name: "rounds", raw: process.argv[4] ?? "7", min: 1, usage: USAGE });
const LEADS = 50;

type Workload = "relevant" | "mixed" | "relevant, full payloads" | "mixed, full payloads";
interface Delivery {
  event: string;
  body: string;
  signature: string;
  /** Whether the app records it and queues work for it. */
  handled: boolean;
}

const API = "https://api.github.com";

/** A user as GitHub's payloads carry one: login and type, and some twenty fields besides. */
function githubUser(login: string, type: string): Record<string, unknown> {
  const links = ["followers", "following", "gists", "starred", "subscriptions", "organizations", "repos", "events", "received_events"];
  return {
    login,
    id: 1000 + login.length,
    node_id: "MDQ6VXNlcjEwMDA=",
    avatar_url: `https://avatars.githubusercontent.com/u/1000?v=4`,
    gravatar_id: "",
    url: `${API}/users/${login}`,
    html_url: `https://github.com/${login}`,
    ...Object.fromEntries(links.map((l) => [`${l}_url`, `${API}/users/${login}/${l}`])),
    type,
    user_view_type: "public",
    site_admin: false,
  };
}

/** The repository object of a real payload: about eighty fields, most of them URLs. */
function githubRepository(): Record<string, unknown> {
  const links = ["forks", "keys", "collaborators", "teams", "hooks", "issue_events", "events", "assignees", "branches", "tags", "blobs", "git_tags", "git_refs", "trees", "statuses", "languages", "stargazers", "contributors", "subscribers", "subscription", "commits", "git_commits", "comments", "issue_comment", "contents", "compare", "merges", "archive", "downloads", "issues", "pulls", "milestones", "notifications", "labels", "releases", "deployments"];
  return {
    id: 1296269,
    node_id: "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
    name: "sales",
    full_name: "example-org/sales",
    private: true,
    owner: githubUser("example-org", "Organization"),
    html_url: "https://github.com/example-org/sales",
    description: "The JupyterHub sales pipeline",
    fork: false,
    url: `${API}/repos/example-org/sales`,
    ...Object.fromEntries(links.map((l) => [`${l}_url`, `${API}/repos/example-org/sales/${l}`])),
    created_at: "2025-01-26T19:01:12Z",
    updated_at: "2026-11-26T19:14:43Z",
    pushed_at: "2026-11-26T19:06:43Z",
    git_url: "git://github.com/example-org/sales.git",
    ssh_url: "git@github.com:example-org/sales.git",
    clone_url: "https://github.com/example-org/sales.git",
    homepage: null,
    size: 108,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: true,
    has_projects: true,
    has_wiki: false,
    has_pages: false,
    forks_count: 0,
    archived: false,
    disabled: false,
    open_issues_count: 42,
    license: null,
    topics: [],
    visibility: "private",
    default_branch: "main",
  };
}

function delivery(botLogin: string, workload: Workload, i: number): Delivery {
  const number = 1 + (i % LEADS);
  const full = workload.endsWith("full payloads");
  // Leads not in the store: the queued reconcile finds nothing, so GitHub is not the bottleneck.
  const leadBody = `${renderIssueMarker({ lead: `lead-${100_000 + (i % LEADS)}`, kind: "lead" })}\nLead issue${full ? `\n\n${"| field | value |\n".repeat(60)}` : ""}`;
  const repository = full ? githubRepository() : { name: "sales", owner: { login: "example-org" } };
  const sender = full ? githubUser("alice", "User") : { login: "alice", type: "User" };
  const issue = (body: string, author: string) => ({
    number,
    body,
    user: full ? githubUser(author, author === botLogin ? "Bot" : "User") : { login: author },
    html_url: `http://127.0.0.1/example-org/sales/issues/${number}`,
    state_reason: "completed",
    ...(full
      ? {
          id: 2000 + number,
          node_id: "I_kwDOAbCdEf5abcde",
          url: `${API}/repos/example-org/sales/issues/${number}`,
          repository_url: `${API}/repos/example-org/sales`,
          labels_url: `${API}/repos/example-org/sales/issues/${number}/labels{/name}`,
          comments_url: `${API}/repos/example-org/sales/issues/${number}/comments`,
          events_url: `${API}/repos/example-org/sales/issues/${number}/events`,
          title: `Lead: Example University ${number}`,
          labels: [{ id: 1, node_id: "LA_1", url: `${API}/repos/example-org/sales/labels/status`, name: "status: active lead", color: "0e8a16", default: false, description: "" }],
          state: "closed",
          locked: false,
          assignee: null,
          assignees: [],
          milestone: null,
          comments: 3,
          created_at: "2026-10-01T09:00:00Z",
          updated_at: "2026-11-26T19:14:43Z",
          closed_at: "2026-11-26T19:14:43Z",
          author_association: "NONE",
          active_lock_reason: null,
          reactions: { url: `${API}/repos/example-org/sales/issues/${number}/reactions`, total_count: 0, "+1": 0, "-1": 0, laugh: 0, hooray: 0, confused: 0, heart: 0, rocket: 0, eyes: 0 },
          timeline_url: `${API}/repos/example-org/sales/issues/${number}/timeline`,
          performed_via_github_app: null,
        }
      : {}),
  });
  const kind = workload.startsWith("mixed") ? i % 10 : 0;
  const organization = full ? { organization: { login: "example-org", id: 1, node_id: "O_1", url: `${API}/orgs/example-org`, description: "" } } : {};
  const [event, payload, handled] =
    kind < 4
      ? ["issues", { action: "closed", issue: issue(leadBody, botLogin), repository, sender, ...organization }, true]
      : kind < 7
        ? ["issue_comment", { action: "created", issue: issue(leadBody, botLogin), comment: { id: 1000 + i, body: "Thanks, looks good to me." }, repository, sender }, false]
        : ["issues", { action: "closed", issue: issue("A question about the docs", "bob"), repository, sender }, false];
  const body = JSON.stringify(payload);
  return { event, body, handled, signature: `sha256=${createHmac("sha256", SANDBOX_WEBHOOK_SECRET).update(body).digest("hex")}` };
}

/** Deliveries per second while sending `count`, and the process's CPU time per delivery. */
async function blast(url: string, botLogin: string, workload: Workload, count: number): Promise<{ perSecond: number; cpuStart: NodeJS.CpuUsage }> {
  let next = 0;
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const { event, body, signature } = delivery(botLogin, workload, next++);
      const res = await fetch(url, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", "x-github-event": event, "x-github-delivery": randomUUID(), "x-hub-signature-256": signature },
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { perSecond: count / ((performance.now() - started) / 1000), cpuStart };
}

function cpuMicrosPerDelivery(since: NodeJS.CpuUsage, count: number): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / count;
}

const dir = mkdtempSync(join(tmpdir(), "hub-sales-webhook-bench-"));
const store = SqliteLeadStore.open(join(dir, "hub-sales.db"));
const world = await startSandboxWorld({ config: `hub_repo: ${SANDBOX_HUB_REPO}\n`, store, env: { LOG_LEVEL: "fatal" } });
const botLogin = world.github.app.botLogin;
const probot = createProbot({
  env: { APP_ID: String(world.github.app.id), PRIVATE_KEY: world.github.app.privateKey, WEBHOOK_SECRET: SANDBOX_WEBHOOK_SECRET, LOG_LEVEL: "fatal" },
});
const bareMiddleware = await createNodeMiddleware((app) => app.on(["issues.closed", "issue_comment.created"], async () => undefined), { probot });
const bare = createServer((req, res) => void bareMiddleware(req, res, () => res.writeHead(404).end()));
await new Promise<void>((r) => bare.listen(0, "127.0.0.1", r));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/api/github/webhooks`;

const countRows = (table: "deliveries") => (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
/** A counter of the app's `/metrics`, summed over its labels. */
async function counted(metric: string): Promise<number> {
  const { text } = await world.server.runtime.metrics.render();
  return [...text.matchAll(new RegExp(`^${metric}\\{[^}]*\\} (\\d+)`, "gm"))].reduce((n, m) => n + Number(m[1]), 0);
}

const summary = (xs: number[]) => `${Math.max(...xs).toFixed(0)} best (rounds: ${xs.map((x) => x.toFixed(0)).join(", ")})`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  for (const workload of ["relevant", "mixed", "relevant, full payloads", "mixed, full payloads"] as const) {
    // Warm-up: both servers' code optimised by the JIT before anything is timed.
    for (let i = 0; i < 2; i++) {
      await blast(bareUrl, botLogin, workload, 500);
      await blast(world.server.webhookUrl, botLogin, workload, 500);
    }
    await world.server.runtime.queue.drain();
    const ours: number[] = [];
    const theirs: number[] = [];
    const ourCpu: number[] = [];
    const theirCpu: number[] = [];
    const recordedBefore = countRows("deliveries");
    const runsBefore = await counted("hub_sales_reconcile_runs_total");
    const requestsBefore = await counted("hub_sales_github_requests_total");
    const bareRound = async () => {
      const { perSecond, cpuStart } = await blast(bareUrl, botLogin, workload, N);
      theirs.push(perSecond);
      theirCpu.push(cpuMicrosPerDelivery(cpuStart, N));
    };
    const appRound = async () => {
      const { perSecond, cpuStart } = await blast(world.server.webhookUrl, botLogin, workload, N);
      ours.push(perSecond);
      // The reconciles the round queued, run before the other app's turn so it does not pay for them.
      await world.server.runtime.queue.drain();
      ourCpu.push(cpuMicrosPerDelivery(cpuStart, N));
    };
    for (let round = 0; round < ROUNDS; round++) {
      // Turns alternate, so a change in the machine's load falls on both alike.
      if (round % 2 === 0) {
        await bareRound();
        await appRound();
      } else {
        await appRound();
        await bareRound();
      }
    }
    const handled = Array.from({ length: N }, (_, i) => delivery(botLogin, workload, i)).filter((d) => d.handled).length * ROUNDS;
    const recorded = countRows("deliveries") - recordedBefore;
    const runs = (await counted("hub_sales_reconcile_runs_total")) - runsBefore;
    const requests = (await counted("hub_sales_github_requests_total")) - requestsBefore;
    const left = (await world.store.listWork()).length;
    const sizes = Array.from({ length: 10 }, (_, i) => delivery(botLogin, workload, i).body.length);
    const kB = (Math.round(sizes.reduce((n, x) => n + x, 0) / sizes.length / 100) / 10).toFixed(1);
    const what = workload.startsWith("mixed") ? `4 in 10 for the app, 6 it ignores, ${kB} kB on average` : `issues.closed on lead issues, ${kB} kB each`;
    console.log(`${workload}: ${N} signed deliveries × ${ROUNDS} rounds, concurrency ${CONCURRENCY} (${what})`);
    console.log(`  bare Probot app:  ${summary(theirs)} deliveries/s; CPU ${median(theirCpu).toFixed(0)} µs a delivery (median round)`);
    console.log(`  hub-sales-bot:    ${summary(ours)} deliveries/s; CPU ${median(ourCpu).toFixed(0)} µs a delivery with its reconciles`);
    const pairRatios = ours.map((x, i) => x / theirs[i]!);
    console.log(`  ratio:            ${(Math.max(...ours) / Math.max(...theirs)).toFixed(2)}× best against best, ${median(pairRatios).toFixed(2)}× median of the rounds (${pairRatios.map((r) => r.toFixed(2)).join(", ")}); target ≥ 0.9×`);
    console.log(`  recorded ${recorded} of ${handled} handled deliveries; ${runs} reconciles ran (queued work merges per lead); ${requests} GitHub requests; ${left} work items left`);
    if (recorded !== handled) throw new Error(`expected ${handled} deliveries recorded, found ${recorded}`);
  }
} finally {
  await new Promise<void>((r) => bare.close(() => r()));
  await world.close();
  rmSync(dir, { recursive: true, force: true });
}
