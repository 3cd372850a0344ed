import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { HUB_REPO, SALES_REPO, startSandboxWorld, type SandboxWorld } from "../support/sandbox-world.js";

function capture() {
  let text = "";
  return { write: (s: string) => (text += s), get text() { return text; } };
}

describe("hub-sales reconcile (one pass from the command line)", () => {
  let world: SandboxWorld;
  let dir: string;
  let env: Record<string, string | undefined>;
  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    world = await startSandboxWorld();
    dir = await mkdtemp(join(tmpdir(), "hub-sales-cli-"));
    // The CLI has a store of its own; the sandbox's server is only there for the stand-in.
    env = { ...world.env, HUB_SALES_DB: join(dir, "cli.db"), HUB_SALES_CONFIG: "examples/hub-sales.yml", HUB_SALES_GITHUB_WRITE_INTERVAL_MS: "0" };
  });
  afterEach(async () => {
    await world.close();
    await rm(dir, { recursive: true, force: true });
    nock.enableNetConnect();
  });

  async function cli(args: string[]) {
    const stdout = capture();
    const stderr = capture();
    const code = await runCli(args, { stdout, stderr, env, now: () => new Date("2026-11-26T12:00:00Z") });
    return { code, out: stdout.text, err: stderr.text };
  }

  it("opens the issues of imported leads once, and a second pass writes nothing", async () => {
    expect((await cli(["leads", "import", "examples/leads.csv"])).code).toBe(0);
    const first = await cli(["reconcile"]);
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/reconciled \d+ leads; 0 failing/);
    const leadIssues = world.github.issues(SALES_REPO).map((i) => i.title).sort();
    expect(leadIssues).toEqual([
      "Lead: Coastal Climate Collective",
      "Lead: Example University",
      "Lead: Mountain Ecology Field School",
      "Lead: Open Genomics Lab, Inc.",
      "Lead: Prairie Data Science Initiative",
      "Lead: Riverbend Community College",
    ]);
    expect(world.github.issues(HUB_REPO).map((i) => i.title)).toEqual(["[Request Information] New Hub: Open Genomics Lab, Inc."]);

    world.github.clearRequests();
    const second = await cli(["reconcile"]);
    expect(second.code).toBe(0);
    expect(world.github.requests.filter((r) => r.method !== "GET" && !r.path.includes("access_tokens"))).toEqual([]);
  });

  it("--plan prints one lead's actions and changes nothing", async () => {
    await cli(["leads", "import", "examples/leads.csv"]);
    const planned = await cli(["reconcile", "--lead", "Prairie Data Science Initiative", "--plan"]);
    expect(planned.code).toBe(0);
    expect(planned.out).toContain('open lead issue "Lead: Prairie Data Science Initiative"');
    expect(world.github.issues(SALES_REPO)).toEqual([]);
  });

  it("refuses clearly without credentials or with --plan alone", async () => {
    env = { ...env, APP_ID: undefined };
    const missing = await cli(["reconcile"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("APP_ID");
    const planOnly = await cli(["reconcile", "--plan"]);
    expect(planOnly.code).toBe(2);
    expect(planOnly.err).toContain("--plan needs --lead");
  });
});
