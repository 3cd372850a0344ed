import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LEAD_FIELD_NAMES } from "../../src/domain/record-field-names.js";
import { CliSandbox, examplePath } from "./cli-sandbox.js";
import { completeQueuedWork } from "../support/work-items.js";

let sandbox: CliSandbox;
beforeEach(() => {
  sandbox = new CliSandbox();
});
afterEach(() => sandbox.remove());

async function importExamples(): Promise<void> {
  const leads = await sandbox.run("leads", "import", examplePath("leads.csv"));
  expect(leads.code, leads.stderr).toBe(0);
  const hubs = await sandbox.run("hubs", "import", examplePath("hubs.csv"));
  expect(hubs.code, hubs.stderr).toBe(0);
}

async function listJson(...args: string[]): Promise<Record<string, unknown>[]> {
  const { code, stdout, stderr } = await sandbox.run("leads", "list", "--json", ...args);
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as Record<string, unknown>[];
}

describe("leads import", () => {
  it("imports the realistic export, then finds nothing to change on a second run", async () => {
    const csv = examplePath("leads.csv");
    const first = await sandbox.run("leads", "import", csv);
    expect(first).toEqual({ code: 0, stdout: `leads import: ${csv}: 8 created, 0 updated, 0 unchanged\n`, stderr: "" });
    const again = await sandbox.run("leads", "import", csv);
    expect(again.stdout).toBe(`leads import: ${csv}: 0 created, 0 updated, 8 unchanged\n`);
    const work = await sandbox.withStore((store) => store.listWork());
    expect(work).toHaveLength(8);
  });

  it("updates changed leads and keeps the fields the file has no column for", async () => {
    await importExamples();
    const csv = sandbox.file("status-only.csv", "Name,Status\r\nexample university,Inactive Service\r\nRiverbend Community College,Waiting\r\nNew Lead,Active Lead\r\n");
    const { code, stdout } = await sandbox.run("leads", "import", csv);
    expect(code).toBe(0);
    expect(stdout).toBe(`leads import: ${csv}: 1 created, 1 updated, 1 unchanged\n`);
    const leads = await listJson();
    const university = leads.find((l) => l.Name === "example university")!;
    expect(university).toMatchObject({ Status: "Inactive Service", "Monthly fee": "1500.00", "Service tier": "Research", "GitHub handles": ["alice-example", "bob-example"] });
    expect(leads).toHaveLength(9);
  });

  it.each([
    ["a bad cell", "Name,Status,Monthly fee\nAcme,Active Lead,100\nBeta,Active Lead,lots\n", [/:3:Monthly fee: "lots" is not an amount/]],
    ["an unknown status", "Name,Status\nAcme,Won\n", [/:2:Status: "Won" is not a status; use one of/]],
    ["a duplicate name", "Name,Status\nAcme,Active Lead\nacme,Waiting\n", [/:3:Name: "acme" is also on row 2/]],
    ["a missing Status column", "Name,Stage\nAcme,Waiting\n", [/:1:Status: the header has no "Status" column/]],
    ["an unclosed quote", 'Name,Status,Need\nAcme,Active Lead,"a need\nBeta,Waiting,\n', [/:2: a double quote opened/]],
    [
      "several problems",
      "Name,Status,Follow-up date,Managed cloud billing\nExample University,Waiting,someday,checked\n,Active Lead,,perhaps\n",
      [/:2:Follow-up date: "someday" is not a date/, /:3:Name: the name is empty/, /:3:Managed cloud billing: "perhaps" is not a checkbox value/],
    ],
  ])("refuses a file with %s: every problem as file:row:column, exit 1, nothing written", async (_case, text, expected) => {
    await importExamples();
    const before = await sandbox.snapshot();
    const csv = sandbox.file("broken.csv", text);
    const { code, stdout, stderr } = await sandbox.run("leads", "import", csv);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    const lines = stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(expected.length + 1);
    expected.forEach((pattern, i) => {
      expect(lines[i]!.startsWith(`${csv}:`)).toBe(true);
      expect(lines[i]).toMatch(pattern);
    });
    expect(lines.at(-1)).toBe(`hub-sales leads import: ${csv} refused, nothing written: ${expected.length} problem${expected.length > 1 ? "s" : ""} to fix`);
    expect(await sandbox.snapshot()).toEqual(before);
  });

  it("prints warnings for ignored columns and still imports", async () => {
    const csv = sandbox.file("extra.csv", "Name,Status,Created time\nAcme,Active Lead,1/2/2026 10:00am\n");
    const { code, stderr } = await sandbox.run("leads", "import", csv);
    expect(code).toBe(0);
    expect(stderr).toBe(`${csv}:1:Created time: warning: "Created time" is not a Leads field and is ignored\n`);
  });

  it("reads renamed columns from HUB_SALES_CONFIG", async () => {
    const config = sandbox.file("hub-sales.yml", "hub_repo: example-org/infrastructure\nairtable:\n  fields: { Status: Stage }\n");
    sandbox.env.HUB_SALES_CONFIG = config;
    const csv = sandbox.file("renamed.csv", "Name,Stage\nAcme,Waiting\n");
    expect((await sandbox.run("leads", "import", csv)).code).toBe(0);
    expect((await listJson())[0]).toMatchObject({ Name: "Acme", Status: "Waiting" });
  });

  it("fails with one line when the file cannot be read", async () => {
    const missing = `${sandbox.dir}/nope.csv`;
    expect(await sandbox.run("leads", "import", missing)).toEqual({ code: 1, stdout: "", stderr: `hub-sales: cannot read ${missing}: no such file\n` });
  });
});

describe("leads list", () => {
  it("--json prints one array: id plus every field under the SPEC names, money as decimal strings, dates as YYYY-MM-DD", async () => {
    await importExamples();
    const leads = await listJson();
    expect(leads).toHaveLength(8);
    for (const lead of leads) {
      expect(Object.keys(lead)).toEqual(["id", ...Object.values(LEAD_FIELD_NAMES)]);
      expect(typeof lead.id).toBe("string");
    }
    expect(leads.find((l) => l.Name === "Coastal Climate Collective")).toMatchObject({
      Status: "Active Service",
      "Monthly fee": "4166.67",
      "Service start date": "2026-02-01",
      "Managed cloud billing": false,
      "GitHub handles": ["coastal-ops"],
      "Lead issue": null,
    });
    expect(leads.find((l) => l.Name === "Riverbend Community College")).toMatchObject({ "Monthly fee": null, "Follow-up date": "2026-03-15" });
  });

  it("filters by status, given by name or slug, repeated or comma-separated", async () => {
    await importExamples();
    expect((await listJson("--status", "waiting")).map((l) => l.Name)).toEqual(["Riverbend Community College"]);
    const two = await listJson("--status", "Needs Admin", "--status", "inactive-lead");
    expect(two.map((l) => l.Status).sort()).toEqual(["Inactive Lead", "Needs Admin"]);
    expect((await listJson("--status", "active-lead,active-service")).map((l) => l.Status)).toHaveLength(4);
  });

  it("prints a table for people, one line per lead, multi-line values kept on one line", async () => {
    await importExamples();
    const { code, stdout } = await sandbox.run("leads", "list", "--status", "active-service");
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^Name\s+Status\s+Service tier\s+Monthly fee\s+Start\s+GitHub handles\s+id$/);
    expect(lines[1]).toMatch(/^-+\s+-+/);
    expect(lines[2]).toMatch(/^Coastal Climate Collective\s+Active Service\s+Partnership\s+4166\.67\s+2026-02-01\s+@coastal-ops\s+lead-/);
    expect(lines[3]).toMatch(/^Example University\s+Active Service\s+Research\s+1500\.00\s+2026-01-05\s+@alice-example @bob-example/);
    expect(lines.at(-1)).toBe("2 leads");
  });

  it("says so when there are none; --json prints []", async () => {
    expect((await sandbox.run("leads", "list")).stdout).toMatch(/^no leads yet/);
    expect(await listJson()).toEqual([]);
  });
});

describe("leads set-status", () => {
  const setStatus = (...args: string[]) => sandbox.run("leads", "set-status", ...args);
  const statusOf = async (name: string) => (await listJson()).find((l) => l.Name === name)?.Status;

  beforeEach(importExamples);

  it("makes an allowed change, by name ignoring case and status slug, and queues the lead", async () => {
    await sandbox.withStore(async (store) => {
      for (const item of await store.listWork()) await completeQueuedWork(store, item.key);
    });
    const { code, stdout, stderr } = await setStatus("riverbend community college", "active-lead");
    expect([code, stderr]).toEqual([0, ""]);
    expect(stdout).toBe("Riverbend Community College: Waiting → Active Lead\n");
    expect(await statusOf("Riverbend Community College")).toBe("Active Lead");
    const work = await sandbox.withStore((store) => store.listWork());
    const lead = (await listJson()).find((l) => l.Name === "Riverbend Community College")!;
    expect(work.map((w) => w.key)).toEqual([`lead:${lead.id}`]);
  });

  it("finds a lead by its id", async () => {
    const lead = (await listJson()).find((l) => l.Name === "Prairie Data Science Initiative")!;
    const { code, stdout } = await setStatus(String(lead.id), "Inactive Lead");
    expect(code).toBe(0);
    expect(stdout).toBe("Prairie Data Science Initiative: Active Lead → Inactive Lead\n");
  });

  it("treats the current status as a no-op: exit 0, nothing written", async () => {
    const before = await sandbox.snapshot();
    const { code, stdout } = await setStatus("Example University", "Active Service");
    expect(code).toBe(0);
    expect(stdout).toBe("Example University is already Active Service; nothing changed\n");
    expect(await sandbox.snapshot()).toEqual(before);
  });

  it("refuses a transition the pipeline does not have, naming where the lead can go; --force does not help", async () => {
    const before = await sandbox.snapshot();
    for (const extra of [[], ["--force"]]) {
      const { code, stdout, stderr } = await setStatus("Northern Lights Observatory", "active-service", ...extra);
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr.split("\n")[0]).toBe("hub-sales leads set-status: Northern Lights Observatory cannot go from Inactive Lead to Active Service:");
      expect(stderr).toContain("from Inactive Lead it can go to Active Lead");
    }
    expect(await sandbox.snapshot()).toEqual(before);
  });

  it("refuses when a guard fails, with the reasons, and suggests --force", async () => {
    const before = await sandbox.snapshot();
    const { code, stderr } = await setStatus("Mountain Ecology Field School", "needs-admin");
    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot go from Active Lead to Needs Admin:\n {2}- no service tier is recorded.*\n {2}- no agreement to the service tier is recorded.*\n {2}\(record it anyway with --force/);
    expect(await sandbox.snapshot()).toEqual(before);
  });

  it("--force records a guarded change, listing the failed guards as warnings", async () => {
    const { code, stdout, stderr } = await setStatus("Mountain Ecology Field School", "waiting", "--force");
    expect(code).toBe(0);
    expect(stdout).toBe("Mountain Ecology Field School: Active Lead → Waiting (forced)\n");
    expect(stderr).toMatch(/^warning: recorded with --force although a guard fails: no follow-up date is recorded/);
    expect(await statusOf("Mountain Ecology Field School")).toBe("Waiting");
  });

  it("checks Active Service against the hubs and today's date", async () => {
    // Open Genomics Lab starts on 2026-04-01 and has no hub yet.
    const refused = await setStatus("Open Genomics Lab, Inc.", "Active Service");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("no live hub is recorded for this lead");
    const hubs = sandbox.file("genomics-hub.csv", 'Hub,Community\ngenomics,"Open Genomics Lab, Inc."\n');
    expect((await sandbox.run("hubs", "import", hubs)).code).toBe(0);
    const early = await setStatus("Open Genomics Lab, Inc.", "Active Service");
    expect(early.code).toBe(1);
    expect(early.stderr).toContain("the service starts on 2026-04-01");
    sandbox.now = new Date("2026-04-01T08:00:00Z");
    const onTime = await setStatus("Open Genomics Lab, Inc.", "Active Service");
    expect([onTime.code, onTime.stdout]).toEqual([0, "Open Genomics Lab, Inc.: Needs Admin → Active Service\n"]);
  });

  it("fails with one line for an unknown lead", async () => {
    expect(await setStatus("Nobody", "waiting")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'hub-sales: no lead with id or name "Nobody"; see `hub-sales leads list`\n',
    });
  });
});
