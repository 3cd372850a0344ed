import { mkdirSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadCliConfig, loadFullCliConfig } from "../../src/cli/cli-config.js";
import { CliSandbox, examplePath } from "./cli-sandbox.js";

let sandbox: CliSandbox;
beforeEach(() => {
  sandbox = new CliSandbox();
});
afterEach(() => sandbox.remove());

describe("configuration", () => {
  it("runs store commands on the defaults without HUB_SALES_CONFIG", async () => {
    const config = await loadCliConfig({});
    expect(config.hub_repo).toBeNull();
    expect(config.currency).toBe("USD");
    expect(config.tiers.map((t) => t.name)).toEqual(["Education", "Research", "Partnership"]);
  });

  it("loads examples/hub-sales.yml whole", async () => {
    const config = await loadFullCliConfig({ HUB_SALES_CONFIG: examplePath("hub-sales.yml") });
    expect(config.hub_repo).toBe("example-org/infrastructure");
    expect(config.backlog).toMatchObject({ org: "example-org", project: 1 });
    expect(config.commands.team).toBeUndefined();
  });

  it("asks for HUB_SALES_CONFIG where the full configuration is needed", async () => {
    await expect(loadFullCliConfig({})).rejects.toThrow(/set HUB_SALES_CONFIG to a local copy of \.github\/hub-sales\.yml/);
  });

  it("says so when a store command runs on the defaults, and refuses to compute money on them", async () => {
    sandbox.env = {};
    const imported = await sandbox.run("leads", "import", examplePath("leads.csv"));
    expect(imported.code).toBe(0);
    expect(imported.stderr).toMatch(/^note: HUB_SALES_CONFIG is not set and the sales repo's configuration cannot be read \(APP_ID, PRIVATE_KEY \(or PRIVATE_KEY_PATH\), HUB_SALES_REPO are not set\); running on the built-in defaults/);
    const invoice = await sandbox.run("invoice", "--month", "2026-03");
    expect(invoice.code).toBe(1);
    expect(invoice.stderr.split("\n")[0]).toMatch(/^hub-sales: HUB_SALES_CONFIG is not set .*: this command needs the configuration the server uses/);
    expect(invoice.stdout).toBe("");
  });

  it("refuses an invalid HUB_SALES_CONFIG with one line per problem, exit 1, nothing written", async () => {
    const path = sandbox.file("bad.yml", "hub_repo: not-a-repo\ninvoicing:\n  proration: weekly\n");
    sandbox.env.HUB_SALES_CONFIG = path;
    const { code, stdout, stderr } = await sandbox.run("leads", "import", examplePath("leads.csv"));
    expect([code, stdout]).toEqual([1, ""]);
    const lines = stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(`hub-sales: invalid configuration in ${path} (HUB_SALES_CONFIG)`);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^.*bad\.yml: hub_repo: must be "owner\/repo"/), expect.stringMatching(/bad\.yml: invoicing\.proration: must be one of "none", "daily"/)]);
  });
});

describe("unexpected errors", () => {
  it("are one line without a stack trace, exit 1", async () => {
    mkdirSync(sandbox.db, { recursive: true }); // a folder where the database file should be
    const { code, stderr } = await sandbox.run("leads", "list");
    expect(code).toBe(1);
    const lines = stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^hub-sales: \S/);
    expect(lines.slice(1)).toEqual(["(set HUB_SALES_DEBUG=1 for details)"]);
  });

  it("show the stack trace with HUB_SALES_DEBUG=1", async () => {
    mkdirSync(sandbox.db, { recursive: true });
    sandbox.env.HUB_SALES_DEBUG = "1";
    const { code, stderr } = await sandbox.run("leads", "list");
    expect(code).toBe(1);
    expect(stderr).toMatch(/\n\s+at /);
  });
});

describe("progress", () => {
  it("is drawn on stderr only when both stdout and stderr are terminals", async () => {
    const { runCli } = await import("../../src/cli/main.js");
    for (const [stdoutTTY, stderrTTY] of [
      [true, true],
      [false, true],
      [true, false],
    ] as const) {
      let stderr = "";
      const code = await runCli(["leads", "import", examplePath("leads.csv")], {
        stdout: { write: () => true, isTTY: stdoutTTY },
        stderr: { write: (text: string) => (stderr += text), isTTY: stderrTTY },
        env: { HUB_SALES_DB: `${sandbox.dir}/progress-${stdoutTTY}-${stderrTTY}.db`, HUB_SALES_CONFIG: examplePath("hub-sales.yml") },
      });
      expect(code).toBe(0);
      expect(stderr).toBe(stdoutTTY && stderrTTY ? "\r\x1b[Kleads import: 8/8 records\n" : "");
    }
  });
});
