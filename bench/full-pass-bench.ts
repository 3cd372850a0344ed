/**
 * A full reconcile pass of the real app on the AirTable store, against the floor the limits
 * allow (SPEC §9: pages of 100, writes of 10, 5 requests/s per base). The AirTable stand-in
 * runs the real limits; the GitHub stand-in and the real app server come from the sandbox
 * world. Measures (a) the first daily pass, which opens the open leads' issues and writes
 * their links back, (b) a second pass with nothing changed (its reads of the issues keep
 * their ETags), and (c) a periodic pass over the unchanged issues, answered 304 throughout.
 *
 *   npx tsx bench/full-pass-bench.ts                              # 5,000 leads, 500 open, 5 requests/s, coalescing on
 *   npx tsx bench/full-pass-bench.ts --leads 5000 --open 500 --rate 5 --coalesce both
 *   npx tsx bench/full-pass-bench.ts --rate 50 --concurrency 20   # the same shape, faster
 *   npx tsx bench/full-pass-bench.ts --leads 500 --open 50 --github-pacing github   # GitHub.com's write spacing
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startAirtableStandIn, type AirtableStandIn } from "../src/sandbox/airtable-stand-in/airtable-stand-in.js";
import { hubSalesBaseSchema } from "../src/sandbox/airtable-stand-in/hub-sales-base-schema.js";
import { SANDBOX_HUB_REPO, startSandboxWorld, type SandboxWorld } from "../src/sandbox/sandbox-world.js";
import { openAirtableLeadStore, type AirtableRecordStore } from "../src/store/airtable/airtable-record-store.js";
import type { ComposedLeadStore } from "../src/store/lead-store.js";
import { SqliteLeadStore } from "../src/store/sqlite-lead-store.js";
import { wholeNumberOption } from "./bench-args.js";

const USAGE =
  "usage: npx tsx bench/full-pass-bench.ts [--leads 5000] [--open 500] [--hubs N] [--rate 5] [--concurrency 10] [--coalesce on|off|both] [--github-pacing none|github]";

const { values } = parseArgs({
  options: {
    leads: { type: "string", default: "5000" },
    open: { type: "string", default: "500" },
    hubs: { type: "string" },
    rate: { type: "string", default: "5" },
    concurrency: { type: "string", default: "10" },
    coalesce: { type: "string", default: "on" },
    /** none: the stand-in answers as fast as it can; github: the app spaces writes as for GitHub.com (1 s, 3 s for content). */
    "github-pacing": { type: "string", default: "none" },
  },
});

const wholeNumber = (name: string, raw: string, min: number) => wholeNumberOption({ name, raw, min, usage: USAGE });

const leadCount = wholeNumber("leads", values.leads, 1);
const openCount = wholeNumber("open", values.open, 0);
const rate = wholeNumber("rate", values.rate, 1);
const concurrency = wholeNumber("concurrency", values.concurrency, 1);
if (openCount > leadCount) {
  console.error(`--open (${openCount}) cannot exceed --leads (${leadCount})\n${USAGE}`);
  process.exit(2);
}
const OPEN_STATUSES = ["Active Lead", "Waiting", "Needs Admin", "Active Service"] as const;
const activeServiceCount = Math.floor(openCount / OPEN_STATUSES.length) + (openCount % OPEN_STATUSES.length > 3 ? 1 : 0);
/** Default: a hub for every Active Service lead and as many again for old Inactive Service ones. */
const hubCount = values.hubs === undefined ? activeServiceCount * 2 : wholeNumber("hubs", values.hubs, 0);
const modes: boolean[] =
  values.coalesce === "both" ? [true, false] : values.coalesce === "on" ? [true] : values.coalesce === "off" ? [false] : [];
const githubPacing = values["github-pacing"];
if (githubPacing !== "none" && githubPacing !== "github") {
  console.error(`--github-pacing must be none or github (got "${githubPacing}")\n${USAGE}`);
  process.exit(2);
}
if (modes.length === 0) {
  console.error(`--coalesce must be on, off or both (got "${values.coalesce}")\n${USAGE}`);
  process.exit(2);
}

const PAGE = 100;
const WRITE = 10;
const CONFIG = `hub_repo: ${SANDBOX_HUB_REPO}
backlog: { org: example-org, project: 1, new_value: "Needs Discussion/Refinement", ready_value: "Ready to Work" }
`;

/** Lead i: the first `openCount` are open (cycling through the four open statuses), the rest inactive. */
function seedLead(i: number): Record<string, unknown> {
  const name = `Community ${String(i).padStart(5, "0")}`;
  const common = { Name: name, "GitHub handles": `rep${i}`, "Contact email": `pi${i}@example.org`, Need: "Notebooks for a course" };
  if (i < openCount) {
    const status = OPEN_STATUSES[i % OPEN_STATUSES.length]!;
    const service = { "Service tier": "Research", "Monthly fee": 1500, Agreement: "email of 2026-01-05" };
    switch (status) {
      case "Active Lead":
        return { ...common, Status: status };
      case "Waiting":
        return { ...common, Status: status, "Follow-up date": "2099-01-01" };
      case "Needs Admin":
        return { ...common, ...service, Status: status };
      case "Active Service":
        return { ...common, ...service, Status: status, "Service start date": "2025-01-01" };
    }
  }
  return { ...common, Status: i % 2 === 0 ? "Inactive Lead" : "Inactive Service" };
}

interface PassRow {
  pass: string;
  coalesce: boolean;
  airtable: Record<string, number>;
  airtableTotal: number;
  throttled: number;
  maxRate: number;
  seconds: number;
  floorReads: number;
  floorWrites: number;
  /** Link fields set. */
  recordsWritten: number;
  /** Lead records whose links changed. */
  leadRecordsWritten: number;
  githubGets: number;
  /** GETs listing a repo's issues: the look for an issue made before a crash (the newest pages, once the index is filled). */
  githubListings: number;
  /** GETs answered 304 (conditional, unchanged): GitHub does not count them against the primary limit. */
  githubNotModified: number;
  githubWrites: number;
  leadIssues: number;
  /** Records per PATCH of the Leads table, on average. */
  recordsPerPatch: number;
}

/** GraphQL queries read; only mutations write. Installation tokens are not API work. */
function isGitHubWrite(r: SandboxWorld["github"]["requests"][number]): boolean {
  if (r.kind === "graphql") return (r.graphqlFields ?? []).some((f) => f !== "organization" && f !== "repository" && f !== "node");
  return r.method !== "GET";
}

const LINK_FIELDS = ["Lead issue", "Request information issue", "Deployment issue"];

function linksSet(standIn: AirtableStandIn): number {
  return standIn.records("Leads").reduce((n, r) => n + LINK_FIELDS.filter((f) => typeof r.fields[f] === "string").length, 0);
}

/** Each lead record's links, to count the records a pass changed (a PATCH carries 10 records, whatever their fields). */
function linksByRecord(standIn: AirtableStandIn): Map<string, string> {
  return new Map(standIn.records("Leads").map((r) => [r.id, JSON.stringify(LINK_FIELDS.map((f) => r.fields[f] ?? null))]));
}

function recordsChanged(before: Map<string, string>, after: Map<string, string>): number {
  let changed = 0;
  for (const [id, links] of after) if (before.get(id) !== links) changed += 1;
  return changed;
}

async function measurePass(input: {
  world: SandboxWorld;
  standIn: AirtableStandIn;
  pass: string;
  coalesce: boolean;
  kind: "periodic" | "daily";
}): Promise<PassRow> {
  const { world, standIn } = input;
  standIn.resetStats();
  const githubBefore = world.github.requests.length;
  const linksBefore = linksSet(standIn);
  const recordLinksBefore = linksByRecord(standIn);
  const started = performance.now();
  const queued = await world.server.runtime.enqueueAll(input.kind);
  await world.settle();
  // settle() gives up after a bounded number of rounds; a pass is done when no work is left.
  while ((await world.store.listWork()).length > 0) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    await world.settle();
  }
  const seconds = (performance.now() - started) / 1000;
  const stats = standIn.stats();
  const github = world.github.requests.slice(githubBefore).filter((r) => r.kind !== "page" && !r.path.endsWith("/access_tokens"));
  const recordsWritten = linksSet(standIn) - linksBefore;
  const leadRecordsWritten = recordsChanged(recordLinksBefore, linksByRecord(standIn));
  const leadIssues = standIn.records("Leads").filter((r) => typeof r.fields["Lead issue"] === "string").length;
  if (queued !== openCount) throw new Error(`${input.pass}: the pass queued ${queued} leads, expected ${openCount}`);
  if (leadIssues !== openCount) throw new Error(`${input.pass}: ${leadIssues} leads have a lead issue, expected ${openCount}`);
  return {
    pass: input.pass,
    coalesce: input.coalesce,
    airtable: stats.byMethod,
    airtableTotal: stats.total,
    throttled: stats.byStatus["429"] ?? 0,
    maxRate: stats.maxObservedRate,
    seconds,
    floorReads: Math.ceil(leadCount / PAGE) + Math.ceil(hubCount / PAGE),
    // Every record the pass changed, ten to a request (a Needs Admin lead's two links share its record).
    floorWrites: Math.ceil(leadRecordsWritten / WRITE),
    recordsWritten,
    leadRecordsWritten,
    githubGets: github.filter((r) => !isGitHubWrite(r)).length,
    githubListings: github.filter((r) => r.kind === "rest" && r.method === "GET" && /^\/repos\/[^/]+\/[^/]+\/issues$/.test(r.path)).length,
    githubNotModified: github.filter((r) => r.status === 304).length,
    githubWrites: github.filter(isGitHubWrite).length,
    leadIssues,
    recordsPerPatch: stats.byMethod.PATCH ? leadRecordsWritten / stats.byMethod.PATCH : 0,
  };
}

async function runWorld(coalesce: boolean): Promise<PassRow[]> {
  const workDir = await mkdtemp(join(tmpdir(), "hub-sales-full-pass-"));
  const configPath = join(workDir, "hub-sales.yml");
  await writeFile(configPath, CONFIG);
  const standIn = await startAirtableStandIn({
    requestsPerSecond: rate,
    bases: [
      {
        tables: hubSalesBaseSchema().map((t) =>
          t.name === "Leads" ? { ...t, records: Array.from({ length: leadCount }, (_, i) => seedLead(i)) } : t,
        ),
      },
    ],
  });
  let world: SandboxWorld | null = null;
  try {
    // Hubs link to leads by record id, known only once the stand-in made them; seeding this
    // way sends no request, so it neither counts nor spends the rate.
    const leads = standIn.records("Leads");
    const served = leads.filter((r) => r.fields.Status === "Active Service");
    const former = leads.filter((r) => r.fields.Status === "Inactive Service");
    [...served, ...former].slice(0, hubCount).forEach((lead, i) =>
      standIn.editAsPerson({
        table: "Active Hubs",
        fields: { Hub: `hub-${String(i).padStart(5, "0")}`, Community: [lead.id], URL: `https://hub-${i}.example.org`, "Live since": "2025-01-01" },
      }),
    );
    for (let i = standIn.records("Active Hubs").length; i < hubCount; i++) {
      standIn.editAsPerson({ table: "Active Hubs", fields: { Hub: `unlinked-${String(i).padStart(5, "0")}` } });
    }

    const env = {
      HUB_SALES_DB: join(workDir, "hub-sales.db"),
      HUB_SALES_OUTBOX: join(workDir, "outbox"),
      HUB_SALES_CONFIG: configPath,
      AIRTABLE_TOKEN: standIn.token,
      AIRTABLE_BASE_ID: standIn.baseId,
      AIRTABLE_ENDPOINT_URL: standIn.url,
    };
    // Opened here rather than from the environment only to choose coalescing; otherwise what
    // `openStore` opens for this environment.
    const store = await openAirtableLeadStore({
      token: standIn.token,
      baseId: standIn.baseId,
      endpointUrl: standIn.url,
      appState: SqliteLeadStore.open(env.HUB_SALES_DB),
      policy: { requestsPerSecond: rate },
      coalesceWrites: coalesce,
    });
    world = await startSandboxWorld({
      config: CONFIG,
      env,
      store,
      app: { queue: { concurrency, baseDelayMs: 20, maxDelayMs: 500, pollIntervalMs: 50 } },
      // GitHub.com's pace: the throttling plugin's own spacing, as in production.
      ...(githubPacing === "github" ? { retryPolicy: { writeIntervalMs: undefined } } : {}),
    });
    const first = await measurePass({ world, standIn, pass: "first (daily)", coalesce, kind: "daily" });
    const second = await measurePass({ world, standIn, pass: "second (daily)", coalesce, kind: "daily" });
    const third = await measurePass({ world, standIn, pass: "periodic, unchanged", coalesce, kind: "periodic" });
    for (const later of [second, third]) {
      if (later.recordsWritten !== 0) throw new Error(`${later.pass} wrote ${later.recordsWritten} links`);
    }
    return [first, second, third];
  } finally {
    await world?.close();
    await standIn.close();
    await rm(workDir, { recursive: true, force: true });
  }
}

function table(rows: PassRow[]): string {
  const methods = [...new Set(rows.flatMap((r) => Object.keys(r.airtable)))].sort();
  const header = [
    "pass",
    "coalesce",
    ...methods.map((m) => `AT ${m}`),
    "AT total",
    "floor (reads+writes)",
    "AT/floor",
    "seconds",
    "floor s",
    "s/floor s",
    "429s",
    "max/s",
    "links written",
    "records written",
    "per PATCH",
    "GH GET",
    "of them listings",
    "GH 304",
    "GH counted",
    "GH writes",
  ];
  const body = rows.map((r) => {
    const floor = r.floorReads + r.floorWrites;
    return [
      r.pass,
      r.coalesce ? "on" : "off",
      ...methods.map((m) => String(r.airtable[m] ?? 0)),
      String(r.airtableTotal),
      `${floor} (${r.floorReads}+${r.floorWrites})`,
      (r.airtableTotal / floor).toFixed(2),
      r.seconds.toFixed(1),
      (Math.max(0, floor - 1) / rate).toFixed(1),
      (r.seconds / Math.max(0.001, Math.max(0, floor - 1) / rate)).toFixed(2),
      String(r.throttled),
      String(r.maxRate),
      String(r.recordsWritten),
      String(r.leadRecordsWritten),
      r.recordsPerPatch ? r.recordsPerPatch.toFixed(1) : "-",
      String(r.githubGets),
      String(r.githubListings),
      String(r.githubNotModified),
      String(r.githubGets - r.githubNotModified + r.githubWrites),
      String(r.githubWrites),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...body.map(line)].join("\n");
}

async function main(): Promise<void> {
  console.log(
    `Full reconcile pass on the AirTable store: ${leadCount} leads (${openCount} open), ${hubCount} hubs, ` +
      `${rate} requests/s per base, ${concurrency} leads reconciled at once` +
      `${githubPacing === "github" ? ", GitHub writes spaced as for GitHub.com (1 s; 3 s between content-creating ones)" : ""}\n`,
  );
  const rows: PassRow[] = [];
  for (const coalesce of modes) {
    process.stderr.write(`running with coalescing ${coalesce ? "on" : "off"}…\n`);
    rows.push(...(await runWorld(coalesce)));
  }
  console.log(table(rows));
  console.log(
    "\nfloor: ceil(leads/100) + ceil(hubs/100) page reads, plus ceil(records written/10) writes; " +
      "floor s: those requests spaced 1/rate apart. links written: lead-record link fields set by the pass " +
      "(lead issue, and request-information issue for Needs Admin leads); records written: lead records they are on; per PATCH: records per PATCH. GH: GitHub stand-in requests " +
      "(GraphQL mutations count as writes); listings: pages of a repo's issues read to adopt an issue made before a crash " +
      "(the whole repo once per process, then the newest page, only for a run that finds a note of an opening before it); GH 304: conditional reads of unchanged issues; GH counted: the requests " +
      "that count against GitHub's primary rate limit (all but the 304s).",
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
