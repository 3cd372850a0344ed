import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../../src/cli/main.js";
import { startSandboxWorld, type SandboxWorld } from "../../src/sandbox/sandbox-world.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";

const example = (name: string) => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

/** The examples' configuration with a command team, so sign-in is decided by team membership (alice is in it). */
export const DASHBOARD_CONFIG = readFileSync(example("hub-sales.yml"), "utf8").replace(
  "commands: {}",
  "commands:\n  team: partnerships",
);

export interface DashboardWorld {
  world: SandboxWorld;
  dir: string;
  /** `hub-sales <args>` in-process on the world's store file and config. */
  cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

/**
 * The sandbox (GitHub stand-in + the real app server) on a SQLite file filled from
 * `examples/` with the real CLI, every lead reconciled once, so the dashboard shows the
 * examples as the demo does; the CLI runs against the same file.
 */
export async function startDashboardWorld(): Promise<DashboardWorld> {
  const dir = mkdtempSync(join(tmpdir(), "hub-sales-dashboard-"));
  const db = join(dir, "hub-sales.db");
  const configPath = join(dir, "hub-sales.yml");
  writeFileSync(configPath, DASHBOARD_CONFIG);
  const env = { HUB_SALES_DB: db, HUB_SALES_CONFIG: configPath, HUB_SALES_OUTBOX: join(dir, "outbox") };
  const cli = async (...args: string[]) => {
    let stdout = "";
    let stderr = "";
    const code = await runCli(args, {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      env,
    });
    return { code, stdout, stderr };
  };
  for (const args of [
    ["leads", "import", example("leads.csv")],
    ["hubs", "import", example("hubs.csv")],
    ["costs", "import", example("costs-wide.csv")],
  ]) {
    const run = await cli(...args);
    if (run.code !== 0) throw new Error(`hub-sales ${args.join(" ")}: ${run.stderr}`);
  }
  const world = await startSandboxWorld({
    config: DASHBOARD_CONFIG,
    store: SqliteLeadStore.open(db),
    env: { DASHBOARD_TOKEN: "dashboard-test-token" },
    users: ["alice-example", "bob-example", "coastal-ops", "genomics-lead", "gl-sysadmin", "riverbend-it", "prairie-ds", "mountain-eco", "harbor-health"],
  });
  await world.server.runtime.enqueueAll("daily");
  await world.settle();
  return {
    world,
    dir,
    cli,
    async close() {
      await world.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
