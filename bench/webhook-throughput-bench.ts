/**
 * Webhook throughput of the app against a bare Probot app: signed `issues.closed` deliveries
 * for app-owned lead issues, sent with a fixed concurrency to (a) the real hub-sales server on
 * a SQLite file (signature check, delivery recorded, lead's work queued in the store, the queue
 * claiming leases meanwhile) and (b) a Probot app whose handler does nothing. Reports
 * deliveries per second and the ratio (target: 0.9 or better).
 *
 *   npx tsx bench/webhook-throughput-bench.ts [deliveries] [concurrency]
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

const N = Number(process.argv[2] ?? 2000);
const CONCURRENCY = Number(process.argv[3] ?? 16);
const ROUNDS = 3;

function delivery(botLogin: string, i: number): { body: string; signature: string } {
  const body = JSON.stringify({
    action: "closed",
    issue: {
      number: 1 + (i % 50),
      // Leads not in the store: the queued reconcile finds nothing, so GitHub is not the bottleneck.
      body: `${renderIssueMarker({ lead: `lead-${100_000 + (i % 50)}`, kind: "lead" })}\nLead issue`,
      user: { login: botLogin },
      html_url: `http://127.0.0.1/example-org/sales/issues/${1 + (i % 50)}`,
      state_reason: "completed",
    },
    repository: { name: "sales", owner: { login: "example-org" } },
    sender: { login: "alice", type: "User" },
  });
  return { body, signature: `sha256=${createHmac("sha256", SANDBOX_WEBHOOK_SECRET).update(body).digest("hex")}` };
}

async function blast(url: string, botLogin: string, count: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < count) {
      const { body, signature } = delivery(botLogin, next++);
      const res = await fetch(url, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", "x-github-event": "issues", "x-github-delivery": randomUUID(), "x-hub-signature-256": signature },
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return count / ((performance.now() - started) / 1000);
}

const dir = mkdtempSync(join(tmpdir(), "hub-sales-webhook-bench-"));
const world = await startSandboxWorld({
  config: `hub_repo: ${SANDBOX_HUB_REPO}\n`,
  store: SqliteLeadStore.open(join(dir, "hub-sales.db")),
  env: { LOG_LEVEL: "fatal" },
});
const botLogin = world.github.app.botLogin;
const probot = createProbot({
  env: { APP_ID: String(world.github.app.id), PRIVATE_KEY: world.github.app.privateKey, WEBHOOK_SECRET: SANDBOX_WEBHOOK_SECRET, LOG_LEVEL: "fatal" },
});
const bareMiddleware = await createNodeMiddleware((app) => app.on("issues.closed", async () => undefined), { probot });
const bare = createServer((req, res) => void bareMiddleware(req, res, () => res.writeHead(404).end()));
await new Promise<void>((r) => bare.listen(0, "127.0.0.1", r));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/api/github/webhooks`;

try {
  await blast(world.server.webhookUrl, botLogin, 200);
  await blast(bareUrl, botLogin, 200);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    theirs.push(await blast(bareUrl, botLogin, N));
    ours.push(await blast(world.server.webhookUrl, botLogin, N));
  }
  const best = (xs: number[]) => Math.max(...xs);
  const work = await world.store.listWork();
  console.log(`webhook throughput, ${N} signed issues.closed deliveries × ${ROUNDS} rounds, concurrency ${CONCURRENCY} (best round):`);
  console.log(`  bare Probot app:  ${best(theirs).toFixed(0)} deliveries/s  (rounds: ${theirs.map((x) => x.toFixed(0)).join(", ")})`);
  console.log(`  hub-sales-bot:    ${best(ours).toFixed(0)} deliveries/s  (rounds: ${ours.map((x) => x.toFixed(0)).join(", ")}); each recorded and queued in SQLite`);
  console.log(`  ratio:            ${(best(ours) / best(theirs)).toFixed(2)}× (target ≥ 0.9×); work items left queued: ${work.length}`);
} finally {
  await new Promise<void>((r) => bare.close(() => r()));
  await world.close();
  rmSync(dir, { recursive: true, force: true });
}
