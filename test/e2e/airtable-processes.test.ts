import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startAirtableStandIn, type AirtableStandIn } from "../../src/sandbox/airtable-stand-in/airtable-stand-in.js";
import type { GitHubStandIn } from "../../src/sandbox/github-stand-in/github-stand-in.js";
import { sandboxAppEnv, startSandboxGitHub } from "../../src/sandbox/sandbox-world.js";
import { runCliProcess, startServerProcess, type ServerProcess } from "../support/app-processes.js";
import { SANDBOX_CONFIG } from "../support/sandbox-world.js";

/** SPEC §9: all processes working on one AirTable base stay within its 5 requests/s together. */
describe("AirTable with three processes on one base", () => {
  let github: GitHubStandIn;
  let airtable: AirtableStandIn;
  let dir: string;
  let server: ServerProcess | null = null;
  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    github = await startSandboxGitHub({ config: SANDBOX_CONFIG, users: ["rep-one"] });
    // AirTable's own limits: 5 requests/s per base, 30 s of 429s for the whole base after one.
    airtable = await startAirtableStandIn();
    dir = await mkdtemp(join(tmpdir(), "hub-sales-airtable-"));
  });
  afterEach(async () => {
    await server?.stop();
    await github.close();
    await airtable.close();
    await rm(dir, { recursive: true, force: true });
    nock.enableNetConnect();
  });

  it("the server, a CLI pass and a CLI import at once draw no 429", async () => {
    const env = {
      ...sandboxAppEnv(github),
      AIRTABLE_TOKEN: airtable.token,
      AIRTABLE_BASE_ID: airtable.baseId,
      AIRTABLE_ENDPOINT_URL: airtable.url,
      HUB_SALES_DB: join(dir, "bookkeeping.db"),
      HUB_SALES_TIMERS: "off",
      HUB_SALES_LEASE_SECONDS: "5",
      HUB_SALES_GITHUB_WRITE_INTERVAL_MS: "0",
    };
    const seeded = await runCliProcess(env, ["leads", "import", "examples/leads.csv"]);
    expect(seeded.code, seeded.err).toBe(0);
    server = await startServerProcess(env);
    const [pass, imported] = await Promise.all([
      runCliProcess(env, ["reconcile"]),
      runCliProcess(env, ["hubs", "import", "examples/hubs.csv"]),
    ]);
    expect(imported.code, imported.err).toBe(0);
    expect(pass.code, pass.err).toBe(0);
    const stats = airtable.stats();
    expect(stats.total).toBeGreaterThan(20);
    expect(stats.byStatus["429"] ?? 0).toBe(0);
    expect(stats.maxObservedRate).toBeLessThanOrEqual(5);
    console.info(`AirTable stand-in, three processes: ${stats.total} requests, ${stats.byStatus["429"] ?? 0} answered 429, at most ${stats.maxObservedRate} in any second`);
  }, 180_000);
});
