/**
 * GitHub requests per pipeline step against the minimum the API allows, the webhook path of
 * an ordinary comment against a bare Probot app, and the latency from a status change to the
 * issue existing. Runs the real app server against the GitHub stand-in on 127.0.0.1.
 *
 *   npx tsx bench/github-requests-bench.ts
 */
import { createHmac, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeMiddleware, createProbot } from "probot";
import { startSandboxWorld, SANDBOX_HUB_REPO, SANDBOX_SALES_REPO, type SandboxWorld } from "../src/sandbox/sandbox-world.js";
import { SqliteLeadStore } from "../src/store/sqlite-lead-store.js";
import { newLeadFields } from "../src/domain/records.js";
import { startGitHubStandIn } from "../src/sandbox/github-stand-in/github-stand-in.js";

const CONFIG = `hub_repo: ${SANDBOX_HUB_REPO}
backlog: { org: example-org, project: 1, new_value: "Needs Discussion/Refinement", ready_value: "Ready to Work" }
`;

interface Row {
  step: string;
  gets: number;
  writes: number;
  minimumWrites: number;
  note: string;
}

/** GraphQL queries read; only mutations write. Installation tokens are not API work. */
function isWrite(r: SandboxWorld["github"]["requests"][number]): boolean {
  if (r.kind === "graphql") return (r.graphqlFields ?? []).some((f) => f !== "organization" && f !== "repository" && f !== "node");
  return r.method !== "GET";
}

function count(world: SandboxWorld, since: number): { gets: number; writes: number } {
  const requests = world.github.requests.slice(since).filter((r) => r.kind !== "page" && !r.path.endsWith("/access_tokens"));
  return { gets: requests.filter((r) => !isWrite(r)).length, writes: requests.filter(isWrite).length };
}

async function step(world: SandboxWorld, rows: Row[], name: string, minimumWrites: number, note: string, act: () => Promise<void> | void) {
  const before = world.github.requests.length;
  await act();
  await world.settle();
  rows.push({ step: name, ...count(world, before), minimumWrites, note });
  if (process.env.BENCH_VERBOSE) {
    for (const r of world.github.requests.slice(before)) console.error(`  ${name}: ${r.method} ${r.path}${r.query ? `?${r.query.replace(/^\?/, "")}` : ""} ${r.graphqlFields?.join(",") ?? ""}`);
  }
}

async function pipelineSteps(): Promise<{ rows: Row[]; latencyMs: number[] }> {
  const world = await startSandboxWorld({ config: CONFIG, store: SqliteLeadStore.open(":memory:"), users: ["rep"] });
  const rows: Row[] = [];
  const latencyMs: number[] = [];
  try {
    const { store, server, github } = world;
    // Warm the per-process caches (config, app login, installation) so steps show steady-state costs.
    await store.createLead(newLeadFields("Warm-up", "Active Lead"));
    await server.runtime.enqueueAll("daily");
    await world.settle();

    const lead = await store.createLead(
      newLeadFields("Bench Community", "Active Lead", { githubHandles: ["rep"], serviceTier: "Research", agreement: "email", serviceStartDate: "2026-01-01" }),
    );
    await step(world, rows, "new Active Lead → lead issue", 1, "create with labels", () => server.runtime.enqueue(lead.id, "bench"));
    await step(world, rows, "nothing changed (periodic pass)", 0, "one GET of the lead issue", () => server.runtime.enqueue(lead.id, "bench"));
    for (let i = 0; i < 5; i++) {
      const other = await store.createLead(newLeadFields(`Latency ${i}`, "Active Lead", { githubHandles: ["rep"], serviceTier: "Research", agreement: "email" }));
      await server.runtime.enqueue(other.id, "bench");
      await world.settle();
      const started = performance.now();
      await store.updateLead(other.id, { status: "Needs Admin" });
      await server.runtime.enqueue(other.id, "table change");
      while (!(await store.getLead(other.id))?.requestInformationIssue) await new Promise((r) => setTimeout(r, 2));
      latencyMs.push(performance.now() - started);
      await world.settle();
    }
    await step(world, rows, "→ Needs Admin: request-information issue", 6, "create RI, body, +label, −label, sub-issue, link comment", async () => {
      await store.updateLead(lead.id, { status: "Needs Admin" });
      await server.runtime.enqueue(lead.id, "table change");
    });
    const ri = github.issues(SANDBOX_HUB_REPO).find((i) => i.title.includes("Bench Community"))!;
    await step(world, rows, "RI closed as completed → deployment + backlog", 8, "create, RI comment, board add+status, readiness, body, sub-issue, link comment", () => {
      github.as("alice").close({ repo: SANDBOX_HUB_REPO, number: ri.number, reason: "completed" });
    });
    const deployment = github.issues(SANDBOX_HUB_REPO).find((i) => i.title.startsWith("[Request deployment] New Hub: Bench"))!;
    await step(world, rows, "deployment form completed → readiness + ready column", 2, "edit comment, board status", () => {
      const body = deployment.body!.replace(/pending/g, "done").replace("- [ ] Technical contact present", "- [x] Technical contact present");
      github.as("carol").editIssue({ repo: SANDBOX_HUB_REPO, number: deployment.number, body });
    });
    await step(world, rows, "deployment closed → Active Service", 3, "body, +label, −label", () => {
      github.as("alice").close({ repo: SANDBOX_HUB_REPO, number: deployment.number, reason: "completed" });
    });
    const leadIssue = github.issues(SANDBOX_SALES_REPO).find((i) => i.title === "Lead: Bench Community")!;
    await step(world, rows, "ordinary comment on the lead issue", 0, "no API call at all", () => {
      github.as("alice").comment({ repo: SANDBOX_SALES_REPO, number: leadIssue.number, body: "Thanks, talked to them today." });
    });
    await step(world, rows, "/qualify comment", 2, "reaction, reply (+ permission check GET)", () => {
      github.as("alice").comment({ repo: SANDBOX_SALES_REPO, number: leadIssue.number, body: "/qualify need=\"GPU hub\"" });
    });
  } finally {
    await world.close();
  }
  return { rows, latencyMs };
}

/** Ordinary comments sent to the app and to a bare Probot app: API calls and time to the 200. */
async function webhookPath(): Promise<{ ours: { calls: number; p50: number }; bare: { calls: number; p50: number } }> {
  const N = 300;
  const world = await startSandboxWorld({ config: CONFIG, store: SqliteLeadStore.open(":memory:") });
  const secret = "sandbox-webhook-secret";
  const bareGithub = await startGitHubStandIn({ users: ["alice"], orgs: [{ login: "example-org" }], repos: [{ fullName: SANDBOX_SALES_REPO, private: true }] });
  const probot = createProbot({ env: { APP_ID: String(bareGithub.app.id), PRIVATE_KEY: bareGithub.app.privateKey, WEBHOOK_SECRET: secret, GHE_HOST: bareGithub.host, GHE_PROTOCOL: "http", LOG_LEVEL: "fatal" } });
  const bareMiddleware = await createNodeMiddleware((app) => app.on("issue_comment.created", async () => undefined), { probot });
  const bareServer = createServer((req, res) => void bareMiddleware(req, res, () => res.writeHead(404).end()));
  await new Promise<void>((r) => bareServer.listen(0, "127.0.0.1", r));
  const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/api/github/webhooks`;

  const payload = JSON.stringify({
    action: "created",
    issue: { number: 1, title: "Lead: X", body: "<!-- hub-sales {\"lead\":\"lead-1\",\"kind\":\"lead\"} -->", user: { login: "hub-sales-bot[bot]", type: "Bot" }, labels: [], state: "open" },
    comment: { id: 1, body: "Thanks, talked to them today.", user: { login: "alice", type: "User" } },
    repository: { id: 1, name: "sales", full_name: SANDBOX_SALES_REPO, owner: { login: "example-org" }, private: true },
    sender: { login: "alice", type: "User" },
    installation: { id: 1 },
  });
  const signature = `sha256=${createHmac("sha256", secret).update(payload).digest("hex")}`;
  async function send(url: string): Promise<number[]> {
    const times: number[] = [];
    for (let i = 0; i < N; i++) {
      const started = performance.now();
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-github-event": "issue_comment", "x-github-delivery": randomUUID(), "x-hub-signature-256": signature },
        body: payload,
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b);
  }
  try {
    await send(world.server.webhookUrl); // warm-up
    const oursBefore = world.github.requests.length;
    const ours = await send(world.server.webhookUrl);
    const oursCalls = world.github.requests.length - oursBefore;
    await send(bareUrl);
    const bareBefore = bareGithub.requests.length;
    const bare = await send(bareUrl);
    const bareCalls = bareGithub.requests.length - bareBefore;
    return { ours: { calls: oursCalls, p50: ours[Math.floor(N / 2)]! }, bare: { calls: bareCalls, p50: bare[Math.floor(N / 2)]! } };
  } finally {
    await new Promise<void>((r) => bareServer.close(() => r()));
    await bareGithub.close();
    await world.close();
  }
}

const { rows, latencyMs } = await pipelineSteps();
console.log("GitHub requests per step (steady state; installation tokens not counted)\n");
console.log("| step | GETs | writes | minimum writes | the minimum is |");
console.log("|---|---:|---:|---:|---|");
for (const r of rows) console.log(`| ${r.step} | ${r.gets} | ${r.writes} | ${r.minimumWrites} | ${r.note} |`);
latencyMs.sort((a, b) => a - b);
console.log(`\nstatus change (store) → request-information issue recorded: median ${latencyMs[2]!.toFixed(0)} ms, max ${latencyMs[4]!.toFixed(0)} ms (5 runs, stand-in on loopback, no write spacing)`);
const path = await webhookPath();
console.log(`\nordinary comment webhook (300 deliveries): hub-sales-bot ${path.ours.calls} API calls, median ${path.ours.p50.toFixed(2)} ms; bare Probot app ${path.bare.calls} API calls, median ${path.bare.p50.toFixed(2)} ms`);
process.exit(0);
