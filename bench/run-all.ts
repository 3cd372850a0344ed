/**
 * Runs every benchmark in `bench/`, one after another, each in a process of its own (so one
 * bench's JIT, heap and open handles do not colour the next). Quick by default: each gets the
 * smaller arguments its header comment gives (a few minutes in all); `--full` runs each with
 * its own defaults (the figures the README quotes; half an hour or more). A bench added to the
 * folder is run too, with its defaults when it has no quick arguments here.
 *
 *   npm run bench                       # quick
 *   npx tsx bench/run-all.ts --full
 *   npx tsx bench/run-all.ts webhook    # only those whose file name contains "webhook"
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const USAGE = "usage: npx tsx bench/run-all.ts [--full] [name filter]";

/** The smaller runs each bench documents; a missing entry runs with the bench's defaults. */
const QUICK_ARGUMENTS: Readonly<Record<string, readonly string[]>> = {
  "airtable-bench.ts": ["--leads", "2000", "--import", "500", "--rate", "50"],
  "cost-exports-bench.ts": ["--groups", "50", "--meters", "5"],
  "full-pass-bench.ts": ["--leads", "500", "--open", "50", "--rate", "50"],
  "import-bench.ts": ["--rows", "500", "--base", "2000"],
  "webhook-throughput-bench.ts": ["1000", "16", "3"],
};

/** Files in the folder that are not benchmarks. */
const NOT_BENCHES = new Set(["bench-args.ts", "run-all.ts"]);

const { values, positionals } = parseArgs({ options: { full: { type: "boolean", default: false } }, allowPositionals: true });
if (positionals.length > 1) {
  console.error(USAGE);
  process.exit(2);
}
const filter = positionals[0] ?? "";
const folder = dirname(fileURLToPath(import.meta.url));
const benches = readdirSync(folder)
  .filter((f) => f.endsWith(".ts") && !NOT_BENCHES.has(f) && f.includes(filter))
  .sort();
if (benches.length === 0) {
  console.error(`no benchmark in ${folder} matches "${filter}"`);
  process.exit(2);
}

const failed: string[] = [];
for (const file of benches) {
  const args = values.full ? [] : [...(QUICK_ARGUMENTS[file] ?? [])];
  console.log(`\n== ${basename(file)} ${args.join(" ")}`.trimEnd());
  const started = performance.now();
  // The same Node with tsx's loader that runs this file.
  const run = spawnSync(process.execPath, [...process.execArgv, join(folder, file), ...args], { stdio: "inherit" });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (run.status === 0) {
    console.log(`== ${file}: done in ${seconds} s`);
  } else {
    failed.push(file);
    console.log(`== ${file}: FAILED (${run.signal ?? `exit ${run.status}`}) after ${seconds} s`);
  }
}
if (failed.length > 0) {
  console.error(`\n${failed.length} of ${benches.length} benchmarks failed: ${failed.join(", ")}`);
  process.exit(1);
}
console.log(`\nall ${benches.length} benchmarks ran`);
