import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readHubsCsv } from "../../src/csv/read-hubs-csv.js";

const exampleHubs = readFileSync(new URL("../../examples/hubs.csv", import.meta.url), "utf8");

describe("readHubsCsv", () => {
  it("reads the Active Hubs export (examples/hubs.csv) with row numbers for the caller", () => {
    const result = readHubsCsv({ text: exampleHubs });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.rows).toHaveLength(4);
    expect(result.rows[0]).toEqual({
      row: 2,
      hub: "example-university",
      community: "Example University",
      url: "https://example-university.hubs.example.org",
      deploymentIssue: "https://github.com/example-org/infrastructure/issues/101",
      liveSince: "2026-01-05",
      cloudProject: null,
    });
    expect(result.columns).toEqual(["hub", "community", "url", "deploymentIssue", "liveSince"]);
    expect(result.warnings).toEqual([]);
  });

  it("reports which columns the file has, for updates that keep the others", () => {
    const result = readHubsCsv({ text: "Hub,URL,Notes\nalpha,https://alpha.example.org,\n" });
    expect(result).toMatchObject({ ok: true, columns: ["hub", "url"], warnings: [{ row: 1, column: "Notes" }] });
  });

  it("uses renamed field names", () => {
    const result = readHubsCsv({ text: "Hub name,Community\nalpha,Acme\n", fieldRenames: { Hub: "Hub name" } });
    expect(result.ok && result.rows[0]).toMatchObject({ hub: "alpha", community: "Acme" });
  });

  it("refuses a file without a Hub column", () => {
    expect(readHubsCsv({ text: "Name,URL\nalpha,https://a.org\n" })).toEqual({
      ok: false,
      problems: [{ row: 1, column: "Hub", message: expect.stringMatching(/no "Hub" column/) }],
    });
  });

  it("refuses bad cells and repeated hubs, every one with its row and column", () => {
    const text = [
      "Hub,Community,URL,Live since",
      "alpha,Acme,alpha.example.org,1/5/2026",
      ",Acme,,",
      "ALPHA,Acme,,13/45/2026",
    ].join("\n");
    const result = readHubsCsv({ text });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => [p.row, p.column, p.message.slice(0, 30)])).toEqual([
      [2, "URL", '"alpha.example.org" is not a l'],
      [3, "Hub", "the hub name is empty; every A"],
      [4, "Hub", '"ALPHA" is also on row 2; each'],
      [4, "Live since", '"13/45/2026" is not a date; us'],
    ]);
  });
});
