/**
 * Imports through the real CLI on the AirTable store, against the floor the limits allow
 * (SPEC §9: pages of 100, writes of 10, 5 requests/s per base), on the AirTable stand-in
 * running the real limits. Two jobs:
 *
 *  A. `hub-sales leads import` of 1,000 historic rows (all `Inactive Lead`) into an empty base,
 *     then `hub-sales reconcile` (the next full pass, against the GitHub stand-in);
 *  B. `hub-sales leads import` of 1,000 rows into a base of 5,000 leads, half of them updates.
 *
 * The CLI paces itself at AirTable's 5 requests/s (the store's default policy), and so does the
 * stand-in; the figures are those of a real base.
 *
 *   npx tsx bench/import-bench.ts                 # both (about 1.5 min)
 *   npx tsx bench/import-bench.ts --rows 500 --base 2000
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runCli } from "../src/cli/main.js";
import { startAirtableStandIn, type AirtableStandIn } from "../src/sandbox/airtable-stand-in/airtable-stand-in.js";
import { hubSalesBaseSchema } from "../src/sandbox/airtable-stand-in/hub-sales-base-schema.js";
import { SANDBOX_HUB_REPO, startSandboxWorld } from "../src/sandbox/sandbox-world.js";
import { DEFAULT_REQUEST_POLICY } from "../src/store/airtable/airtable-request-policy.js";
import { SqliteLeadStore } from "../src/store/sqlite-lead-store.js";
import { wholeNumberOption } from "./bench-args.js";

const USAGE = "usage: npx tsx bench/import-bench.ts [--rows 1000] [--base 5000]";
const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "1000" },
    base: { type: "string", default: "5000" },
  },
});

const wholeNumber = (name: string, raw: string, min: number) => wholeNumberOption({ name, raw, min, usage: USAGE });
const rowCount = wholeNumber("rows", values.rows, 1);
const baseCount = wholeNumber("base", values.base, 1);
const rate = DEFAULT_REQUEST_POLICY.requestsPerSecond;

const PAGE = 100;
const WRITE = 10;
/** Opening the store reads the token's user and the base's schema (SPEC §9: fail clearly on a missing field). */
const OPEN = 2;
const CONFIG = `hub_repo: ${SANDBOX_HUB_REPO}\n`;

interface Row {
  job: string;
  requests: number;
  byMethod: string;
  seconds: number;
  floor: number;
  floorNote: string;
  throttled: number;
}

const pages = (records: number) => Math.max(1, Math.ceil(records / PAGE));
const writes = (records: number) => Math.ceil(records / WRITE);
const name = (i: number) => `Community ${String(i).padStart(5, "0")}`;

function csv(rows: { name: string; status: string }[]): string {
  return ["Name,Status", ...rows.map((r) => `${r.name},${r.status}`)].join("\n") + "\n";
}

async function measure(standIn: AirtableStandIn, job: string, floor: number, floorNote: string, run: () => Promise<void>): Promise<Row> {
  standIn.resetStats();
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  const stats = standIn.stats();
  return {
    job,
    requests: stats.total,
    byMethod: Object.entries(stats.byMethod)
      .map(([m, n]) => `${m} ${n}`)
      .join(", "),
    seconds,
    floor,
    floorNote,
    throttled: stats.byStatus["429"] ?? 0,
  };
}

async function cli(args: string[], env: Record<string, string | undefined>): Promise<void> {
  let out = "";
  let err = "";
  const code = await runCli(args, { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env });
  if (code !== 0) throw new Error(`hub-sales ${args.join(" ")} exited ${code}:\n${out}${err}`);
  process.stderr.write(`  hub-sales ${args[0]} ${args[1] ?? ""}: ${out.trim().split("\n").at(-1)}\n`);
}

async function withStandIn<T>(records: Record<string, unknown>[], work: (standIn: AirtableStandIn, dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "hub-sales-import-bench-"));
  const standIn = await startAirtableStandIn({
    requestsPerSecond: rate,
    bases: [{ tables: hubSalesBaseSchema().map((t) => (t.name === "Leads" ? { ...t, records } : t)) }],
  });
  try {
    await writeFile(join(dir, "hub-sales.yml"), CONFIG);
    return await work(standIn, dir);
  } finally {
    await standIn.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function airtableEnv(standIn: AirtableStandIn, dir: string): Record<string, string | undefined> {
  return {
    AIRTABLE_TOKEN: standIn.token,
    AIRTABLE_BASE_ID: standIn.baseId,
    AIRTABLE_ENDPOINT_URL: standIn.url,
    HUB_SALES_DB: join(dir, "hub-sales.db"),
    HUB_SALES_CONFIG: join(dir, "hub-sales.yml"),
  };
}

/** A: history imported, then the next pass (the GitHub stand-in answers the pass; the inactive leads need nothing of it). */
async function importThenPass(): Promise<Row[]> {
  return withStandIn([], async (standIn, dir) => {
    const file = join(dir, "history.csv");
    await writeFile(file, csv(Array.from({ length: rowCount }, (_, i) => ({ name: name(i), status: "Inactive Lead" }))));
    // The sandbox server only provides the GitHub stand-in and the app's credentials; the CLI has its own store.
    const world = await startSandboxWorld({ config: CONFIG, store: SqliteLeadStore.open(":memory:") });
    try {
      const env = { ...world.env, ...airtableEnv(standIn, dir), HUB_SALES_GITHUB_WRITE_INTERVAL_MS: "0" };
      const importFloor = OPEN + 1 + writes(rowCount);
      const imported = await measure(standIn, `A1 leads import: ${rowCount} historic rows, empty base`, importFloor, "open + 1 page + creates", () =>
        cli(["leads", "import", file], env),
      );
      const passFloor = OPEN + pages(rowCount) + pages(0);
      const pass = await measure(standIn, "A2 the next hub-sales reconcile", passFloor, "open + lead pages + hub page, 0 writes", () =>
        cli(["reconcile"], env),
      );
      const githubIssues = world.github.issues("example-org/sales").length + world.github.issues(SANDBOX_HUB_REPO).length;
      if (githubIssues !== 0) throw new Error(`the pass opened ${githubIssues} issues for historic leads`);
      if (standIn.records("Leads").length !== rowCount) throw new Error("the import lost or duplicated rows");
      const both: Row = {
        job: "A  import + pass",
        requests: imported.requests + pass.requests,
        byMethod: "",
        seconds: imported.seconds + pass.seconds,
        floor: importFloor,
        floorNote: "target ≤ 1.15 × the import's floor; the pass ≤ 20 requests",
        throttled: imported.throttled + pass.throttled,
      };
      return [imported, pass, both];
    } finally {
      await world.close();
    }
  });
}

/** B: half the rows update existing leads (matched by name, without case), half are new. */
async function importIntoBase(): Promise<Row[]> {
  const seeded = Array.from({ length: baseCount }, (_, i) => ({ Name: name(i), Status: "Inactive Lead" }));
  return withStandIn(seeded, async (standIn, dir) => {
    const half = Math.floor(rowCount / 2);
    const rows = Array.from({ length: rowCount }, (_, i) =>
      i < half ? { name: name(i).toUpperCase(), status: "Active Lead" } : { name: name(baseCount + i), status: "Active Lead" },
    );
    const file = join(dir, "import.csv");
    await writeFile(file, csv(rows));
    const env = airtableEnv(standIn, dir);
    const floor = OPEN + pages(baseCount) + writes(half) + writes(rowCount - half);
    const row = await measure(standIn, `B  leads import: ${rowCount} rows into ${baseCount} (${half} updates)`, floor, "open + pages + updates + creates", () =>
      cli(["leads", "import", file], env),
    );
    if (standIn.records("Leads").length !== baseCount + rowCount - half) throw new Error("the import lost or duplicated rows");
    return [row];
  });
}

async function main(): Promise<void> {
  console.log(`Imports on the AirTable store at ${rate} requests/s per base (${rowCount} rows; base of ${baseCount} for B)\n`);
  const rows = [...(await importThenPass()), ...(await importIntoBase())];
  console.table(
    rows.map((r) => {
      const floorSeconds = Math.max(0, r.floor - 1) / rate;
      return {
        job: r.job,
        requests: r.requests,
        "by method": r.byMethod,
        "wall s": r.seconds.toFixed(1),
        floor: r.floor,
        "floor s": floorSeconds.toFixed(1),
        "requests / floor": (r.requests / r.floor).toFixed(2),
        "wall / floor s": (r.seconds / Math.max(floorSeconds, 0.001)).toFixed(2),
        "429s": r.throttled,
        "floor is": r.floorNote,
      };
    }),
  );
  console.log(
    "\nfloor: the requests the limits allow for the job (pages of 100, writes of 10, 2 to open the store: the token's user\n" +
      "and the base's schema); floor s: those requests spaced 1/rate apart. Wall time includes both stand-ins' own work.",
  );
  if (rows.some((r) => r.throttled > 0)) process.exitCode = 1;
}

await main();
