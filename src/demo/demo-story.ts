import { spawn } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startSandboxWorld, SANDBOX_HUB_REPO, SANDBOX_SALES_REPO, type SandboxWorld } from "../sandbox/sandbox-world.js";
import type { Lead } from "../domain/records.js";
import { startAirtableStandIn, type AirtableStandIn } from "../sandbox/airtable-stand-in/airtable-stand-in.js";

/**
 * `npm run demo`: the whole sales story, offline. Starts the GitHub stand-in and the real
 * app server against it (GHE_HOST), seeds the embedded store from `examples/` with the real
 * CLI, then plays the story through signed webhooks (people commenting, labelling, closing
 * issues in the stand-in) and CLI calls, printing a timeline with links into the stand-in.
 * With `airtable`, the leads live in the AirTable stand-in instead (the app and the CLI find
 * it through AIRTABLE_ENDPOINT_URL) and one chapter shows a person's edit in the table
 * reaching GitHub through the AirTable webhook notification.
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

export const DEMO_USAGE =
  "usage: npm run demo [-- [--keep] [--airtable]]\n" +
  "  --keep: leave the stand-ins running to browse them; Ctrl-C ends\n" +
  "  --airtable: keep the leads in the AirTable stand-in; changes made there arrive by its webhook";

/** The demo's bearer token for scripts (the dashboard's JSON); people sign in through the stand-in instead. */
const DEMO_DASHBOARD_TOKEN = "demo-dashboard-token";

/** Plays the story; resolves when done (or never, with `keep`, until the process is stopped). */
export async function runDemoStory(flags: { keep?: boolean; airtable?: boolean } = {}): Promise<void> {
  started = Date.now();
  const workDir = await mkdtemp(join(tmpdir(), "hub-sales-demo-"));
  const config = await readFile(join(ROOT, "examples/hub-sales.yml"), "utf8");
  // The server and each CLI process keep AirTable's 5 requests/s on their own limiter; two of
  // them at once may reach 10/s, which the real API would answer with 429 and a 30 s pause.
  const airtable: AirtableStandIn | null = flags.airtable ? await startAirtableStandIn({ requestsPerSecond: 10 }) : null;
  let world: SandboxWorld;
  try {
    world = await startSandboxWorld({
      config,
      env: {
        HUB_SALES_DB: join(workDir, "hub-sales.db"),
        HUB_SALES_OUTBOX: join(workDir, "outbox"),
        HUB_SALES_CONFIG: join(ROOT, "examples/hub-sales.yml"),
        DASHBOARD_TOKEN: DEMO_DASHBOARD_TOKEN,
        ...(airtable ? { AIRTABLE_TOKEN: airtable.token, AIRTABLE_BASE_ID: airtable.baseId, AIRTABLE_ENDPOINT_URL: airtable.url } : {}),
      },
      users: ["alice-example", "bob-example", "coastal-ops", "genomics-lead", "gl-sysadmin", "riverbend-it", "prairie-ds", "mountain-eco", "harbor-health"],
      app: {
        onAction: ({ leadId, description }) => say(`  app: ${leadId}: ${description}`),
      },
    });
  } catch (error) {
    await airtable?.close();
    throw error;
  }
  // The port is known only once the server listens; the server's own timers are off in the
  // sandbox, so only the CLI (`airtable webhook ensure`) needs the public URL.
  if (airtable) world.env.HUB_SALES_PUBLIC_URL = world.server.url;
  const { github } = world;
  /** Waits for AirTable's notifications (and the work they queue) as well as GitHub's webhooks. */
  const settle = async () => {
    if (!airtable) return world.settle();
    for (let round = 0; round < 3; round++) {
      await airtable?.flushNotifications();
      await world.settle();
    }
  };
  const link = (repo: string, n: number) => `${github.url}/${repo}/issues/${n}`;
  try {
    chapter("1. The sales team's table: import the AirTable exports (the real CLI)");
    say(`GitHub stand-in at ${github.url}; app server at ${world.server.url}; store ${world.env.HUB_SALES_DB}`);
    if (airtable) {
      say(`AirTable stand-in at ${airtable.url} (base ${airtable.baseId}) holds the leads; the file above keeps the app's bookkeeping`);
      await mustCli(world, ["airtable", "webhook", "ensure"]);
    }
    await mustCli(world, ["leads", "import", "examples/leads.csv"]);
    await mustCli(world, ["hubs", "import", "examples/hubs.csv"]);
    await mustCli(world, ["costs", "import", "examples/costs-wide.csv"]);

    chapter("2. The safety net: one full reconcile opens the lead issues");
    const queued = await world.server.runtime.enqueueAll("daily");
    say(`queued ${queued} leads for reconcile`);
    await settle();
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
    await settle();
    const prairieNow = await leadNamed(world, prairie.name);
    const riMs = Date.now() - commandAt;
    say(`alice commented /confirm-service on ${link(SANDBOX_SALES_REPO, prairieIssue)}; the lead is now ${prairieNow.status}`);
    quote(lastBotComment(world, SANDBOX_SALES_REPO, prairieIssue), 10);
    say(`request-information issue: ${prairieNow.requestInformationIssue} (${riMs} ms from the comment)`);

    chapter("4. A label asks for a transition: refused with the reason, then done right");
    const mountain = await leadNamed(world, "Mountain Ecology Field School");
    const mountainIssue = issueNumber(mountain.leadIssue);
    github.as("alice").addLabels({ repo: SANDBOX_SALES_REPO, number: mountainIssue, labels: ["status: waiting"] });
    await settle();
    say(`alice added "status: waiting" to ${link(SANDBOX_SALES_REPO, mountainIssue)}: labels now [${github.issue(SANDBOX_SALES_REPO, mountainIssue)?.labels.join(", ")}]`);
    quote(lastBotComment(world, SANDBOX_SALES_REPO, mountainIssue, { markers: true }), 6);
    github.as("alice").comment({ repo: SANDBOX_SALES_REPO, number: mountainIssue, body: `/wait until=2027-01-15 reason="field season budget in January"` });
    await settle();
    say(`after /wait: ${(await leadNamed(world, mountain.name)).status}, labels [${github.issue(SANDBOX_SALES_REPO, mountainIssue)?.labels.join(", ")}]`);

    chapter("5. Needs Admin → deployment request → backlog → hub live");
    const genomics = await leadNamed(world, "Open Genomics Lab, Inc.");
    const riNumber = issueNumber(genomics.requestInformationIssue);
    say(`request-information issue for ${genomics.name}: ${link(SANDBOX_HUB_REPO, riNumber)}`);
    github.as("alice").comment({ repo: SANDBOX_HUB_REPO, number: riNumber, body: "/request-deployment" });
    await settle();
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
    await settle();
    say(`carol filled in the form; readiness comment now:`);
    quote(lastBotComment(world, SANDBOX_HUB_REPO, deploymentNumber, { markers: true }), 2);
    say(`backlog: ${board()}`);
    github.as("alice").close({ repo: SANDBOX_HUB_REPO, number: deploymentNumber, reason: "completed" });
    await settle();
    const shipped = await leadNamed(world, genomics.name);
    const hub = (await world.store.listHubs()).find((h) => h.communityLeadId === shipped.id);
    say(`deployment closed as completed: ${shipped.name} is ${shipped.status}; Active Hubs row "${hub?.hub}" live since ${hub?.liveSince}`);

    chapter("6. A change made in the table (CLI) reaches GitHub through the queue");
    await mustCli(world, ["leads", "set-status", "Northern Lights Observatory", "active-lead"]);
    await settle();
    const northern = await leadNamed(world, "Northern Lights Observatory");
    say(`Northern Lights Observatory is back: lead issue ${northern.leadIssue}`);

    if (airtable) {
      chapter("6b. A person edits the AirTable table: the webhook notification reaches GitHub");
      const riverbend = await leadNamed(world, "Riverbend Community College");
      const riverbendIssue = issueNumber(riverbend.leadIssue);
      say(`${riverbend.name} is ${riverbend.status}: labels [${github.issue(SANDBOX_SALES_REPO, riverbendIssue)?.labels.join(", ")}]`);
      const sentBefore = airtable.notifications.length;
      airtable.editAsPerson({ table: "Leads", recordId: riverbend.id, fields: { Status: "Active Lead" } });
      say(`someone sets Status to "Active Lead" in the AirTable UI (the grant came through)`);
      await settle();
      const answered = airtable.notifications.slice(sentBefore).map((n) => n.status ?? n.error);
      say(`AirTable notified ${world.server.url}/hub-sales/airtable/webhook ${answered.length} time(s): answers ${answered.join(", ")}`);
      say(`${riverbend.name} is ${(await leadNamed(world, riverbend.name)).status}: labels [${github.issue(SANDBOX_SALES_REPO, riverbendIssue)?.labels.join(", ")}] on ${link(SANDBOX_SALES_REPO, riverbendIssue)}`);
      if (!github.issue(SANDBOX_SALES_REPO, riverbendIssue)?.labels.includes("status: active lead")) {
        throw new Error("the AirTable change did not reach the lead issue");
      }
    }

    chapter("7. Month end: the invoice batch");
    const invoiceMonth = "2026-03";
    github.as("alice").comment({ repo: SANDBOX_SALES_REPO, number: issueNumber((await leadNamed(world, "Example University")).leadIssue), body: `/delivered month=${invoiceMonth}\n/invoice month=${invoiceMonth}` });
    await settle();
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
    if (airtable) {
      await airtable.flushNotifications();
      const stats = airtable.stats();
      const notes = airtable.notifications;
      say(`AirTable requests (app and CLI): ${stats.total}, at most ${stats.maxObservedRate} in any second, ${stats.byStatus["429"] ?? 0} answered 429`);
      say(`AirTable notifications: ${notes.length}, answered ${notes.every((n) => n.status === 200) ? "200" : `${notes.map((n) => n.status ?? n.error).join(", ")}`} (the app's own writes are read and skipped)`);
    }
    const dashboard = `${world.server.url}/hub-sales/dashboard`;
    say(`dashboard: ${dashboard} (month end: ${dashboard}/invoices/${invoiceMonth})`);
    if (flags.keep) {
      say(`  "Sign in with GitHub" goes to the stand-in: sign in as alice or carol (write access); bob (read only) is refused`);
      say(`  scripts: curl -H "Authorization: Bearer ${DEMO_DASHBOARD_TOKEN}" -H "Accept: application/json" ${dashboard}`);
      say(`browse ${github.url} — Ctrl-C to stop`);
      await new Promise(() => undefined);
    }
  } finally {
    await world.close();
    await airtable?.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

