import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readLeadsCsv } from "../../src/csv/read-leads-csv.js";
import type { CsvProblem } from "../../src/csv/csv-table.js";

const exampleLeads = readFileSync(new URL("../../examples/leads.csv", import.meta.url), "utf8");

const HEADER = "Name,Status,GitHub handles,Contact email,Monthly fee,Service start date,Managed cloud billing,Need,Lead issue";

function problemsOf(text: string, input: Partial<Parameters<typeof readLeadsCsv>[0]> = {}): CsvProblem[] {
  const result = readLeadsCsv({ text, ...input });
  if (result.ok) throw new Error("expected the file to be refused");
  return result.problems;
}

describe("readLeadsCsv on the realistic AirTable export (examples/leads.csv)", () => {
  const result = readLeadsCsv({ text: exampleLeads, tiers: ["Education", "Research", "Partnership"] });
  if (!result.ok) throw new Error(JSON.stringify(result.problems, null, 2));

  it("starts with a byte-order mark and CRLF line ends, as AirTable writes it", () => {
    expect(exampleLeads.charCodeAt(0)).toBe(0xfeff);
    expect(exampleLeads).toContain("\r\n");
  });

  it("reads every lead, across all six statuses, without warnings", () => {
    expect(result.rows.map((r) => r.name)).toHaveLength(8);
    expect(new Set(result.rows.map((r) => r.status))).toEqual(
      new Set(["Active Lead", "Inactive Lead", "Waiting", "Needs Admin", "Active Service", "Inactive Service"]),
    );
    expect(result.warnings).toEqual([]);
    expect(result.columns).toHaveLength(22);
  });

  it("reads quoted values with commas and line breaks, money, US dates, checkboxes and handles", () => {
    const university = result.rows.find((r) => r.name === "Example University")!;
    expect(university).toMatchObject({
      status: "Active Service",
      githubHandles: ["alice-example", "bob-example"],
      contactEmail: "alice@example.edu",
      serviceTier: "Research",
      monthlyFee: 150000,
      serviceStartDate: "2026-01-05",
      serviceEndDate: null,
      agreement: "Email from Alice (PI), 12/10/2025: agreed to the Research tier",
      managedCloudBilling: true,
      leadIssue: null,
    });
    expect(university.maniacT.need).toBe(
      "A shared JupyterHub for a 120-student data science course, with GPUs for the capstone projects.\nToday every student installs Python locally, which eats the first two weeks of term.",
    );
    expect(result.rows.find((r) => r.name === "Open Genomics Lab, Inc.")!.githubHandles).toEqual(["genomics-lead", "gl-sysadmin"]);
    const coastal = result.rows.find((r) => r.name === "Coastal Climate Collective")!;
    expect(coastal.monthlyFee).toBe(416667);
    expect(coastal.managedCloudBilling).toBe(false);
    const harbor = result.rows.find((r) => r.name === "Harbor Health Research Network")!;
    expect([harbor.serviceStartDate, harbor.serviceEndDate]).toEqual(["2025-06-01", "2026-01-31"]);
    expect(result.rows.find((r) => r.name === "Riverbend Community College")!.followUpDate).toBe("2026-03-15");
  });

  it("leaves empty cells empty", () => {
    const observatory = result.rows.find((r) => r.name === "Northern Lights Observatory")!;
    expect(observatory).toMatchObject({ githubHandles: [], contactEmail: null, monthlyFee: null, serviceTier: null });
    expect(Object.values(observatory.maniacT).every((v) => v === null)).toBe(true);
  });
});

describe("readLeadsCsv columns", () => {
  it("reads renamed fields from airtable.fields and reports only the columns present", () => {
    const result = readLeadsCsv({ text: "Lead name,Stage\nAcme,Waiting\n", fieldRenames: { Name: "Lead name", Status: "Stage" } });
    expect(result).toMatchObject({ ok: true, columns: ["name", "status"] });
    expect(result.ok && result.rows[0]).toMatchObject({ name: "Acme", status: "Waiting" });
  });

  it("matches column names ignoring case and surrounding spaces", () => {
    const result = readLeadsCsv({ text: " name , STATUS ,monthly fee\nAcme,Active Lead,10\n" });
    expect(result.ok && result.rows[0]).toMatchObject({ name: "Acme", monthlyFee: 1000 });
  });

  it("ignores unknown columns with a warning, pointing hub columns to hubs import", () => {
    const result = readLeadsCsv({ text: "Name,Status,Created,URL\nAcme,Active Lead,1/1/2026,https://x.org\n" });
    if (!result.ok) throw new Error("refused");
    expect(result.warnings.map((w) => [w.row, w.column])).toEqual([
      [1, "Created"],
      [1, "URL"],
    ]);
    expect(result.warnings[1]!.message).toMatch(/hubs import/);
  });

  it("refuses a file without Name or Status, naming the columns it found", () => {
    expect(problemsOf("Title,Stage\nAcme,Waiting\n")).toEqual([
      { row: 1, column: "Name", message: expect.stringMatching(/no "Name" column.*"Title", "Stage"/) },
      { row: 1, column: "Status", message: expect.stringMatching(/no "Status" column/) },
    ]);
  });

  it("refuses the default name when the config renames it", () => {
    expect(problemsOf("Name,Status\nAcme,Waiting\n", { fieldRenames: { Status: "Stage" } })).toEqual([
      expect.objectContaining({ column: "Stage" }),
    ]);
  });
});

describe("readLeadsCsv cells", () => {
  it.each([
    ["Active Lead", "Active Lead"],
    ["active lead", "Active Lead"],
    ["NEEDS ADMIN", "Needs Admin"],
    ["needs-admin", "Needs Admin"],
    [" Waiting ", "Waiting"],
  ])("reads status %j as %s", (cell, status) => {
    const result = readLeadsCsv({ text: `Name,Status\nAcme,${cell}\n` });
    expect(result.ok && result.rows[0]!.status).toBe(status);
  });

  it.each([
    ["checked", true],
    ["", false],
    ["TRUE", true],
    ["false", false],
    ["yes", true],
    ["No", false],
    ["1", true],
    ["0", false],
  ])("reads the checkbox %j as %s", (cell, value) => {
    const result = readLeadsCsv({ text: `Name,Status,Managed cloud billing\nAcme,Active Lead,${cell}\n` });
    expect(result.ok && result.rows[0]!.managedCloudBilling).toBe(value);
  });

  it.each([
    ["2026-03-01", "2026-03-01"],
    ["3/1/2026", "2026-03-01"],
    ["12/31/2025", "2025-12-31"],
    ["2026-03-01T00:00:00.000Z", "2026-03-01"],
    ["March 1, 2026", "2026-03-01"],
  ])("reads the date %j as %s", (cell, date) => {
    const result = readLeadsCsv({ text: `Name,Status,Service start date\nAcme,Active Lead,"${cell}"\n` });
    expect(result.ok && result.rows[0]!.serviceStartDate).toBe(date);
  });

  it.each([
    ["Status", "Pending", /"Pending" is not a status; use one of "Active Lead"/],
    ["Status", "", /the status is empty/],
    ["Name", "", /the name is empty/],
    ["Monthly fee", "lots", /"lots" is not an amount; write it like 1500.00/],
    ["Monthly fee", "12.345", /not an amount/],
    ["Monthly fee", "-10", /negative/],
    ["Monthly fee", "-0", /negative/],
    ["Service start date", "31/12/2026", /not a date; use YYYY-MM-DD/],
    ["Service start date", "2026-02-30", /not a date/],
    ["Managed cloud billing", "maybe", /not a checkbox value; use checked or an empty cell/],
    ["Contact email", "alice at example.edu", /not one email address/],
    ["GitHub handles", "@alice, bob smith!", /"smith!" is not a GitHub handle/],
    ["Lead issue", "issue 12", /not a link/],
    ["Lead issue", "ftp://example.org/12", /must start with https:\/\//],
  ])("refuses a bad %s cell %j with its row and column", (column, cell, message) => {
    const cells: Record<string, string> = { Name: "Acme", Status: "Active Lead", [column]: cell };
    const header = HEADER.split(",");
    const line = header.map((h) => `"${cells[h] ?? ""}"`).join(",");
    expect(problemsOf(`${HEADER}\nBeta,Waiting,,,,,,,\n${line}\n`)).toEqual([{ row: 3, column, message: expect.stringMatching(message) }]);
  });

  it("refuses a name that appears twice, ignoring case, pointing at the first", () => {
    expect(problemsOf("Name,Status\nAcme,Active Lead\nBeta,Waiting\nACME,Waiting\n")).toEqual([
      { row: 4, column: "Name", message: expect.stringMatching(/"ACME" is also on row 2/) },
    ]);
  });

  it("collects every problem of the file in reading order, each at its real line", () => {
    const text = 'Name,Status,Need,Monthly fee\r\nAcme,Active Lead,"first line\r\nsecond line",oops\r\n\r\nBeta,Bogus,,10\r\n';
    expect(problemsOf(text).map((p) => [p.row, p.column])).toEqual([
      [2, "Monthly fee"],
      [5, "Status"],
    ]);
  });

  it("warns about a tier that is not configured and adopts the configured spelling", () => {
    const result = readLeadsCsv({ text: "Name,Status,Service tier\nA,Active Lead,research\nB,Active Lead,Platinum\n", tiers: ["Research"] });
    if (!result.ok) throw new Error("refused");
    expect(result.rows.map((r) => r.serviceTier)).toEqual(["Research", "Platinum"]);
    expect(result.warnings).toEqual([{ row: 3, column: "Service tier", message: expect.stringMatching(/"Platinum" is not a configured tier/) }]);
  });

  it("gives every row its own MANIAC-T notes", () => {
    const result = readLeadsCsv({ text: "Name,Status,Money\nA,Active Lead,grant\nB,Active Lead,\n" });
    expect(result.ok && result.rows.map((r) => r.maniacT.money)).toEqual(["grant", null]);
  });
});
