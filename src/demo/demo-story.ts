import { spawn } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startSandboxWorld, SANDBOX_HUB_REPO, SANDBOX_SALES_REPO, type SandboxWorld } from "../sandbox/sandbox-world.js";
import type { Lead } from "../domain/records.js";

/**
 * `npm run demo`: the whole sales story, offline. Starts the GitHub stand-in and the real
 * app server against it (GHE_HOST), seeds the embedded store from `examples/` with the real
 * CLI, then plays the story through signed webhooks (people commenting, labelling, closing
 * issues in the stand-in) and CLI calls, printing a timeline with links into the stand-in.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const BIN = join(ROOT, "bin/hub-sales.js");
let started = Date.now();


function say(text: string): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  process.stdout.write(`[${seconds}s] ${text}\n`);
}

function chapter(title: string): void {
  process.stdout.write(`\n── ${title} ${"─".repeat(Math.max(0, 70 - title.length))}\n`);
}

async function cli(env: Record<string, string | undefined>, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, cwd: ROOT });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? 1, out, err }));
  });
}

async function mustCli(world: SandboxWorld, args: string[]): Promise<string> {
  const result = await cli(world.env, args);
  say(`$ hub-sales ${args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(" ")}`);
  for (const line of result.out.trim().split("\n").slice(0, 12)) if (line) process.stdout.write(`         ${line}\n`);
  if (result.code !== 0) throw new Error(`hub-sales ${args.join(" ")} exited ${result.code}: ${result.err.trim()}`);
  return result.out;
}

async function leadNamed(world: SandboxWorld, name: string): Promise<Lead> {
  const lead = await world.store.findLeadByName(name);
  if (!lead) throw new Error(`the demo data has no lead "${name}"`);
  return lead;
}

function issueNumber(url: string | null): number {
  const m = url ? /\/issues\/(\d+)$/.exec(url) : null;
  if (!m) throw new Error(`not an issue URL: ${url}`);
  return Number(m[1]);
}

/** The app's last reply to a person (its own bookkeeping comments carry a marker and are skipped). */
function lastBotComment(world: SandboxWorld, repo: string, number: number, options: { markers?: boolean } = {}): string {
  const comments = world.github.issue(repo, number)?.comments ?? [];
  const bot = comments.filter(
    (c) => c.author === world.github.app.botLogin && (options.markers === true || !c.body.startsWith("<!-- hub-sales")),
  );
  return bot[bot.length - 1]?.body ?? "(no reply)";
}

function quote(text: string, lines = 8): void {
  const shown = text
    .split("\n")
    .filter((l) => !l.startsWith("<!--"))
    .slice(0, lines);
  for (const line of shown) process.stdout.write(`         │ ${line}\n`);
}

export const DEMO_USAGE = "usage: npm run demo [-- --keep]   (--keep: leave the stand-in running to browse it; Ctrl-C ends)";

/** Plays the story; resolves when done (or never, with `keep`, until the process is stopped). */
export async function runDemoStory(flags: { keep?: boolean } = {}): Promise<void> {
  started = Date.now();
  const workDir = await mkdtemp(join(tmpdir(), "hub-sales-demo-"));
  const config = await readFile(join(ROOT, "examples/hub-sales.yml"), "utf8");
  const world = await startSandboxWorld({
    config,
    env: {
      HUB_SALES_DB: join(workDir, "hub-sales.db"),
      HUB_SALES_OUTBOX: join(workDir, "outbox"),
      HUB_SALES_CONFIG: join(ROOT, "examples/hub-sales.yml"),
    },
    users: ["alice-example", "bob-example", "coastal-ops", "genomics-lead", "gl-sysadmin", "riverbend-it", "prairie-ds", "mountain-eco", "harbor-health"],
    app: {
      onAction: ({ leadId, description }) => say(`  app: ${leadId}: ${description}`),
    },
  });
  const { github } = world;
  const link = (repo: string, n: number) => `${github.url}/${repo}/issues/${n}`;
  try {
    chapter("1. The sales team's table: import the AirTable exports (the real CLI)");
    say(`GitHub stand-in at ${github.url}; app server at ${world.server.url}; store ${world.env.HUB_SALES_DB}`);
    await mustCli(world, ["leads", "import", "examples/leads.csv"]);
    await mustCli(world, ["hubs", "import", "examples/hubs.csv"]);
    await mustCli(world, ["costs", "import", "examples/costs-wide.csv"]);

    chapter("2. The safety net: one full reconcile opens the lead issues");
    const queued = await world.server.runtime.enqueueAll("daily");
    say(`queued ${queued} leads for reconcile`);
    await world.settle();
    for (const issue of github.issues(SANDBOX_SALES_REPO)) say(`lead issue #${issue.number} ${issue.title} [${issue.labels.join(", ")}] ${issue.htmlUrl}`);
    say(`old inactive rows got no issue: ${github.issues(SANDBOX_SALES_REPO).some((i) => i.title.includes("Northern Lights")) ? "NO (bug)" : "yes"}`);

    chapter("3. A community agrees to a tier: /confirm-service on its lead issue");
    const prairie = await leadNamed(world, "Prairie Data Science Initiative");
    const prairieIssue = issueNumber(prairie.leadIssue);
    const today = world.server.runtime.today();
    const commandAt = Date.now();
    github.as("alice").comment({
      repo: SANDBOX_SALES_REPO,
      number: prairieIssue,
      body: `Great call with them today!\n/confirm-service tier=Education start=${today} agreement="call with the board, ${today}"`,
    });
    await world.settle();
    const prairieNow = await leadNamed(world, prairie.name);
    const riMs = Date.now() - commandAt;
    say(`alice commented /confirm-service on ${link(SANDBOX_SALES_REPO, prairieIssue)}; the lead is now ${prairieNow.status}`);
    quote(lastBotComment(world, SANDBOX_SALES_REPO, prairieIssue), 10);
    say(`request-information issue: ${prairieNow.requestInformationIssue} (${riMs} ms from the comment)`);

    chapter("4. A label asks for a transition: refused with the reason, then done right");
    const mountain = await leadNamed(world, "Mountain Ecology Field School");
    const mountainIssue = issueNumber(mountain.leadIssue);
    github.as("alice").addLabels({ repo: SANDBOX_SALES_REPO, number: mountainIssue, labels: ["status: waiting"] });
    await world.settle();
    say(`alice added "status: waiting" to ${link(SANDBOX_SALES_REPO, mountainIssue)}: labels now [${github.issue(SANDBOX_SALES_REPO, mountainIssue)?.labels.join(", ")}]`);
    quote(lastBotComment(world, SANDBOX_SALES_REPO, mountainIssue, { markers: true }), 6);
    github.as("alice").comment({ repo: SANDBOX_SALES_REPO, number: mountainIssue, body: `/wait until=2027-01-15 reason="field season budget in January"` });
    await world.settle();
    say(`after /wait: ${(await leadNamed(world, mountain.name)).status}, labels [${github.issue(SANDBOX_SALES_REPO, mountainIssue)?.labels.join(", ")}]`);

    chapter("5. Needs Admin → deployment request → backlog → hub live");
    const genomics = await leadNamed(world, "Open Genomics Lab, Inc.");
    const riNumber = issueNumber(genomics.requestInformationIssue);
    say(`request-information issue for ${genomics.name}: ${link(SANDBOX_HUB_REPO, riNumber)}`);
    github.as("alice").comment({ repo: SANDBOX_HUB_REPO, number: riNumber, body: "/request-deployment" });
    await world.settle();
    quote(lastBotComment(world, SANDBOX_HUB_REPO, riNumber), 4);
    const deploymentNumber = issueNumber((await leadNamed(world, genomics.name)).deploymentIssue);
    const board = () => github.board("example-org", 1)?.items.map((i) => `#${i.issue?.number ?? "?"}: ${i.status ?? "no status"}`).join(", ");
    say(`deployment request ${link(SANDBOX_HUB_REPO, deploymentNumber)}; backlog: ${board()}`);
    quote(lastBotComment(world, SANDBOX_HUB_REPO, deploymentNumber, { markers: true }), 12);
    const form = github.issue(SANDBOX_HUB_REPO, deploymentNumber)!.body!;
    github.as("carol").editIssue({
      repo: SANDBOX_HUB_REPO,
      number: deploymentNumber,
      body: form
        .replace("- [ ] Technical contact present", "- [x] Technical contact present")
        .replace(/### Hub Authentication Type\n\npending/, "### Hub Authentication Type\n\nGitHub (e.g., @mygithubhandle)")
        .replace(/### First Hub Administrators\n\npending/, "### First Hub Administrators\n\n- @genomics-lead")
        .replace(/### Hub logo image URL\n\npending/, "### Hub logo image URL\n\nhttps://opengenomics.example.com/logo.png")
        .replace(/### Hub logo website URL\n\npending/, "### Hub logo website URL\n\nhttps://opengenomics.example.com")
        .replace(/### Hub user image tag and name\n\npending/, "### Hub user image tag and name\n\nquay.io/opengenomics/user-image:2026.03"),
    });
    await world.settle();
    say(`carol filled in the form; readiness comment now:`);
    quote(lastBotComment(world, SANDBOX_HUB_REPO, deploymentNumber, { markers: true }), 2);
    say(`backlog: ${board()}`);
    github.as("alice").close({ repo: SANDBOX_HUB_REPO, number: deploymentNumber, reason: "completed" });
    await world.settle();
    const shipped = await leadNamed(world, genomics.name);
    const hub = (await world.store.listHubs()).find((h) => h.communityLeadId === shipped.id);
    say(`deployment closed as completed: ${shipped.name} is ${shipped.status}; Active Hubs row "${hub?.hub}" live since ${hub?.liveSince}`);

    chapter("6. A change made in the table (CLI) reaches GitHub through the queue");
    await mustCli(world, ["leads", "set-status", "Northern Lights Observatory", "active-lead"]);
    await world.settle();
    const northern = await leadNamed(world, "Northern Lights Observatory");
    say(`Northern Lights Observatory is back: lead issue ${northern.leadIssue}`);

    chapter("7. Month end: the invoice batch");
    const invoiceMonth = "2026-03";
    github.as("alice").comment({ repo: SANDBOX_SALES_REPO, number: issueNumber((await leadNamed(world, "Example University")).leadIssue), body: `/delivered month=${invoiceMonth}\n/invoice month=${invoiceMonth}` });
    await world.settle();
    const invoiceIssue = github.issues(SANDBOX_SALES_REPO).find((i) => i.title.startsWith(`Invoices ${invoiceMonth}`));
    say(`invoice issue: ${invoiceIssue?.htmlUrl ?? "(none)"}`);
    await mustCli(world, ["invoice", "--month", invoiceMonth]);
    const outboxDir = join(world.env.HUB_SALES_OUTBOX!, invoiceMonth);
    say(`outbox ${outboxDir}: ${(await readdir(outboxDir).catch(() => [])).join(", ")}`);

    chapter("Summary");
    const requests = github.requests.filter((r) => r.kind !== "page");
    say(`GitHub API requests made by the app: ${requests.length} (${requests.filter((r) => r.method !== "GET").length} writes)`);
    say(`webhooks delivered: ${github.deliveries.length}, all answered ${github.deliveries.every((d) => d.status === 200) ? "200" : "— some not 200!"}`);
    say(`issues: ${github.issues(SANDBOX_SALES_REPO).length} in ${SANDBOX_SALES_REPO} (private), ${github.issues(SANDBOX_HUB_REPO).length} in ${SANDBOX_HUB_REPO} (public)`);
    if (flags.keep) {
      say(`browse ${github.url} — Ctrl-C to stop`);
      await new Promise(() => undefined);
    }
  } finally {
    await world.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

