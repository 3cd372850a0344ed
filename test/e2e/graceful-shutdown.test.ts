import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sandboxAppEnv, startSandboxGitHub } from "../../src/sandbox/sandbox-world.js";
import type { GitHubStandIn } from "../../src/sandbox/github-stand-in/github-stand-in.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";
import type { LeadStore } from "../../src/store/lead-store.js";
import { runCliProcess, startServerProcess, waitUntil, type ServerProcess } from "../support/app-processes.js";
import { SALES_REPO, SANDBOX_CONFIG } from "../support/sandbox-world.js";

/** Long enough that a takeover by expiry could not pass the test: only a handed-back lease can. */
const LEASE_SECONDS = 30;

let github: GitHubStandIn;
let dir: string;
let env: Record<string, string | undefined>;
let servers: ServerProcess[] = [];

beforeEach(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  github = await startSandboxGitHub({ config: SANDBOX_CONFIG, users: ["rep-one"] });
  dir = await mkdtemp(join(tmpdir(), "hub-sales-shutdown-"));
  env = {
    ...sandboxAppEnv(github),
    HUB_SALES_DB: join(dir, "hub-sales.db"),
    HUB_SALES_TIMERS: "off",
    HUB_SALES_LEASE_SECONDS: String(LEASE_SECONDS),
    HUB_SALES_SHUTDOWN_GRACE_SECONDS: "1",
    HUB_SALES_GITHUB_WRITE_INTERVAL_MS: "0",
  };
});

afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
  await github.close();
  await rm(dir, { recursive: true, force: true });
  nock.enableNetConnect();
});

async function withStore<T>(use: (store: LeadStore) => Promise<T>): Promise<T> {
  const store = SqliteLeadStore.open(env.HUB_SALES_DB!);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

describe("graceful shutdown", () => {
  it("a replica sent SIGTERM mid-run hands its lease back and another picks the work up in under 2 s", async () => {
    const csv = join(dir, "one-lead.csv");
    await writeFile(csv, "Name,Status,GitHub handles\nPrairie Data Science Initiative,Active Lead,@rep-one\n");
    const imported = await runCliProcess(env, ["leads", "import", csv]);
    expect(imported.code, imported.err).toBe(0);
    // A's run hangs on GitHub's answer well past the grace period.
    github.delayNext({ method: "POST", path: `/repos/${SALES_REPO}/issues`, ms: 20_000 });
    const a = await startServerProcess(env);
    servers.push(a);
    await waitUntil("server A to open the lead issue", () => github.issues(SALES_REPO).length === 1);
    const [held] = await withStore((s) => s.listWork());
    expect(held?.leaseOwner).not.toBeNull();
    const b = await startServerProcess(env);
    servers.push(b);

    const exit = new Promise<number | null>((resolve) => a.child.once("exit", (code) => resolve(code)));
    const sent = performance.now();
    a.child.kill("SIGTERM");
    expect(await exit).toBe(0);
    const exitedAfterMs = performance.now() - sent;
    const pickedUpMs = await waitUntil("server B to finish the lead's work", async () => (await withStore((s) => s.listWork())).length === 0, 10_000);
    console.log(`graceful shutdown: A exited ${Math.round(exitedAfterMs)} ms after SIGTERM (grace 1 s); B finished the work ${Math.round(pickedUpMs)} ms later`);
    expect(exitedAfterMs).toBeLessThan(1_000 + 2_000);
    expect(pickedUpMs).toBeLessThan(2_000);
    // B adopted A's issue by its marker: still one.
    expect(github.issues(SALES_REPO)).toHaveLength(1);
    expect(a.output()).toMatch(/handed back the leases of 1 unfinished run/);
  }, 90_000);
});
