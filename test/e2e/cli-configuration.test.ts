import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sandboxAppEnv, startSandboxGitHub } from "../../src/sandbox/sandbox-world.js";
import type { GitHubStandIn } from "../../src/sandbox/github-stand-in/github-stand-in.js";
import { runCliProcess } from "../support/app-processes.js";
import { HUB_REPO } from "../support/sandbox-world.js";

/** SPEC §7: without HUB_SALES_CONFIG the CLI reads the sales repo's file, as the server does. */
describe("the CLI and the sales repo's configuration", () => {
  let github: GitHubStandIn;
  let dir: string;
  let env: Record<string, string | undefined>;
  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    github = await startSandboxGitHub({
      config: [
        `hub_repo: ${HUB_REPO}`,
        "tiers:",
        "  - { name: Education, monthly_fee: 1000.00 }",
        "invoicing:",
        "  to: billing@sponsor.example",
        "  cc: [sales@hubs.example]",
        "  proration: daily",
        "",
      ].join("\n"),
    });
    dir = await mkdtemp(join(tmpdir(), "hub-sales-cli-config-"));
    env = { ...sandboxAppEnv(github), HUB_SALES_DB: join(dir, "hub-sales.db"), HUB_SALES_OUTBOX: join(dir, "outbox") };
    const csv = join(dir, "leads.csv");
    await writeFile(
      csv,
      'Name,Status,Service tier,Monthly fee,Service start date,Agreement,Contract\nHalf Month Lab,Active Service,Education,"$1,000.00",3/16/2026,email of 3/1/2026,https://contracts.example/1\n',
    );
    const imported = await runCliProcess(env, ["leads", "import", csv]);
    expect([imported.code, imported.err]).toEqual([0, ""]);
  });
  afterEach(async () => {
    await github.close();
    await rm(dir, { recursive: true, force: true });
    nock.enableNetConnect();
  });

  it("invoice without HUB_SALES_CONFIG bills by the repo's configuration: daily proration, its addresses", async () => {
    const run = await runCliProcess(env, ["invoice", "--month", "2026-03"]);
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    // 16 of March's 31 days of 1,000.00: 516.13, not the whole month.
    expect(run.out).toContain("Half Month Lab: USD 516.13");
    const email = await readFile(join(dir, "outbox", "2026-03", "invoices-2026-03.eml"), "utf8");
    expect(email).toMatch(/^To: billing@sponsor\.example/m);
    expect(github.countRequests({ method: "GET", path: "/repos/example-org/sales/contents/.github/hub-sales.yml" })).toBeGreaterThan(0);
  }, 60_000);

  it("invoice refuses with one line when the repo's configuration cannot be read", async () => {
    const run = await runCliProcess({ ...env, HUB_SALES_REPO: "example-org/no-such-repo" }, ["invoice", "--month", "2026-03"]);
    expect(run.code).toBe(1);
    const lines = run.err.trim().split("\n");
    expect(lines[0]).toMatch(/^hub-sales: HUB_SALES_CONFIG is not set and \.github\/hub-sales\.yml in example-org\/no-such-repo could not be read \(.+\): this command needs the configuration the server uses/);
    expect(run.out).toBe("");
  }, 60_000);
});
