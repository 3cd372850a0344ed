import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HUB_FIELD_NAMES } from "../../src/domain/record-field-names.js";
import { CliSandbox, examplePath } from "./cli-sandbox.js";

let sandbox: CliSandbox;
beforeEach(async () => {
  sandbox = new CliSandbox();
  expect((await sandbox.run("leads", "import", examplePath("leads.csv"))).code).toBe(0);
});
afterEach(() => sandbox.remove());

describe("hubs import and hubs list", () => {
  it("imports the Active Hubs export, links each hub to its lead, and lists it as JSON", async () => {
    const csv = examplePath("hubs.csv");
    expect(await sandbox.run("hubs", "import", csv)).toEqual({ code: 0, stdout: `hubs import: ${csv}: 4 created, 0 updated, 0 unchanged\n`, stderr: "" });
    const { code, stdout } = await sandbox.run("hubs", "list", "--json");
    expect(code).toBe(0);
    const hubs = JSON.parse(stdout) as Record<string, unknown>[];
    expect(hubs).toHaveLength(4);
    for (const hub of hubs) expect(Object.keys(hub)).toEqual(["id", ...Object.values(HUB_FIELD_NAMES)]);
    expect(hubs.find((h) => h.Hub === "harbor-health")).toMatchObject({
      Community: "Harbor Health Research Network",
      URL: "https://harbor-health.hubs.example.org",
      "Deployment issue": "https://github.com/example-org/infrastructure/issues/64",
      "Live since": "2025-05-20",
    });
    expect((await sandbox.run("hubs", "import", csv)).stdout).toBe(`hubs import: ${csv}: 0 created, 0 updated, 4 unchanged\n`);
  });

  it("prints a table for people", async () => {
    await sandbox.run("hubs", "import", examplePath("hubs.csv"));
    const lines = (await sandbox.run("hubs", "list")).stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^Hub\s+Community\s+URL\s+Live since\s+Cloud project\s+id$/);
    expect(lines[2]).toMatch(/^coastal-climate\s+Coastal Climate Collective\s+https:\/\/coastal-climate\.hubs\.example\.org\s+2026-01-28\s+hub-/);
    expect(lines.at(-1)).toBe("4 hubs");
  });

  it("refuses a community that names no lead, or several, with its row; nothing written", async () => {
    const before = await sandbox.snapshot();
    const csv = sandbox.file(
      "hubs.csv",
      'Hub,Community,URL\nalpha,Example University,https://alpha.example.org\nbeta,Unknown College,\ngamma,"Example University, Coastal Climate Collective",\n',
    );
    const { code, stdout, stderr } = await sandbox.run("hubs", "import", csv);
    expect([code, stdout]).toEqual([1, ""]);
    expect(stderr.trimEnd().split("\n")).toEqual([
      `${csv}:3:Community: no lead is named "Unknown College"; use a lead's Name as in \`hub-sales leads list\` (import the leads first)`,
      `${csv}:4:Community: "Example University, Coastal Climate Collective" links 2 leads; a hub serves one community, so link exactly one`,
      `hub-sales hubs import: ${csv} refused, nothing written: 2 problems to fix`,
    ]);
    expect(await sandbox.snapshot()).toEqual(before);
  });

  it("refuses bad cells with file:row:column; nothing written", async () => {
    const before = await sandbox.snapshot();
    const csv = sandbox.file("hubs.csv", "Hub,Community,Live since\nalpha,Example University,yesterday\n");
    const { code, stderr } = await sandbox.run("hubs", "import", csv);
    expect(code).toBe(1);
    expect(stderr.split("\n")[0]).toBe(`${csv}:2:Live since: "yesterday" is not a date; use YYYY-MM-DD (2026-03-01) or AirTable's export form (3/1/2026)`);
    expect(await sandbox.snapshot()).toEqual(before);
  });

  it("keeps a hub without community unlinked, with a warning, and queues the leads of changed hubs", async () => {
    const csv = sandbox.file("hubs.csv", "Hub,Community\nalpha,\nbeta,Example University\n");
    const { code, stderr } = await sandbox.run("hubs", "import", csv);
    expect(code).toBe(0);
    expect(stderr).toBe(`${csv}:2:Community: warning: hub "alpha" names no community: it is kept unlinked and no lead is invoiced for it\n`);
    const hubs = JSON.parse((await sandbox.run("hubs", "list", "--json")).stdout) as Record<string, unknown>[];
    expect(hubs.map((h) => [h.Hub, h.Community])).toEqual([
      ["alpha", null],
      ["beta", "Example University"],
    ]);
  });
});

describe("costs import", () => {
  beforeEach(async () => {
    expect((await sandbox.run("hubs", "import", examplePath("hubs.csv"))).code).toBe(0);
  });

  it("imports the wide form, then the long form replaces the months it names", async () => {
    const wide = examplePath("costs-wide.csv");
    expect(await sandbox.run("costs", "import", wide)).toEqual({
      code: 0,
      stdout: `costs import: ${wide} (wide form; 2026-01, 2026-02, 2026-03; 4 projects: coastal-climate, example-university, example-university-staging, harbor-health; sum USD 11,374.61): 10 created, 0 updated, 0 unchanged\n`,
      stderr: "",
    });
    const long = examplePath("costs-long.csv");
    const same = await sandbox.run("costs", "import", long);
    expect(same.stdout).toBe(
      `costs import: ${long} (long form; 2026-01, 2026-02; 4 projects: coastal-climate, example-university, example-university-staging, harbor-health; sum USD 7,190.95): 0 created, 0 updated, 7 unchanged\n`,
    );
    const corrected = sandbox.file("corrected.csv", "month,hub,amount\n2026-02,Example_University,1300.00\n2026-02,coastal-climate,2475.50\n");
    expect((await sandbox.run("costs", "import", corrected)).stdout).toMatch(/: 0 created, 1 updated, 1 unchanged\n$/);
    expect((await sandbox.run("costs", "import", corrected)).stdout).toMatch(/: 0 created, 0 updated, 2 unchanged\n$/);
    const february = await sandbox.withStore((store) => store.listCloudCosts({ month: "2026-02" }));
    expect(february.map((c) => [c.hub, c.amount])).toEqual([
      ["coastal-climate", 247550],
      ["example-university", 130000],
      ["example-university-staging", 8802],
    ]);
    const costs = await sandbox.withStore((store) => store.listCloudCosts({ month: "2026-03" }));
    expect(costs.map((c) => [c.hub, c.amount]).sort()).toEqual([
      ["coastal-climate", 269011],
      ["example-university", 140218],
      ["example-university-staging", 9137],
    ]);
  });

  it("warns about hubs that are not in Active Hubs and about other currencies, and still imports", async () => {
    const csv = sandbox.file("costs.csv", "month,hub,amount,currency\n2026-01,mystery-hub,5.00,EUR\n");
    const { code, stderr } = await sandbox.run("costs", "import", csv);
    expect(code).toBe(0);
    expect(stderr).toContain(`${csv}: warning: "mystery-hub" matches no hub's Cloud project or name`);
    expect(stderr).toContain("1 cost is not in USD, the invoicing currency");
  });

  it.each([
    ["a bad month", "month,hub,amount\n2026-13,alpha,1\n", `:2:month: "2026-13" is not a month; write it like 2026-01 or Jan 2026`],
    ["a negative amount", "hub,2026-01\nalpha,-3.00\n", `:2:2026-01: "-3.00" is negative`],
    ["negative zero", "hub,2026-01\nalpha,-0.00\n", `:2:2026-01: "-0.00" is a negative zero; write 0.00`],
    ["a non-amount", "Month,Hub,Cost\n2026-01,alpha,n/a\n", `:2:Cost: "n/a" is not an amount`],
    ["a repeated (month, hub)", "month,hub,amount\n2026-01,alpha,1\n2026-01,alpha,2\n", `:3:amount: alpha already has a cost for 2026-01 on row 2`],
    ["an unknown form", "a,b\n1,2\n", `:1: cannot tell the form of this cost file`],
  ])("refuses %s with file:row:column; nothing written", async (_case, text, expected) => {
    await sandbox.run("costs", "import", examplePath("costs-wide.csv"));
    const before = await sandbox.snapshot();
    const csv = sandbox.file("costs.csv", text);
    const { code, stdout, stderr } = await sandbox.run("costs", "import", csv);
    expect([code, stdout]).toEqual([1, ""]);
    expect(stderr.split("\n")[0]).toContain(`${csv}${expected}`);
    expect(stderr).toContain(`hub-sales costs import: ${csv} refused, nothing written`);
    expect(await sandbox.snapshot()).toEqual(before);
  });

  it("defaults the currency from HUB_SALES_CONFIG", async () => {
    sandbox.env.HUB_SALES_CONFIG = sandbox.file("hub-sales.yml", "hub_repo: example-org/infrastructure\ncurrency: EUR\n");
    const csv = sandbox.file("costs.csv", "hub,2026-05\nexample-university,10\n");
    expect((await sandbox.run("costs", "import", csv)).code).toBe(0);
    const costs = await sandbox.withStore((store) => store.listCloudCosts({ month: "2026-05" }));
    expect(costs).toEqual([{ month: "2026-05", hub: "example-university", amount: 1000, currency: "EUR" }]);
  });
});
