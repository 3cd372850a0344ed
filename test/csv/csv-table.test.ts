import { describe, expect, it } from "vitest";
import { parseCsvTable } from "../../src/csv/csv-table.js";

describe("parseCsvTable", () => {
  it("numbers rows by the line where each record starts, counting lines inside quoted values", () => {
    const text = '\uFEFFName,Notes\r\n"Acme, Inc.","line one\r\nline two\r\n\r\nline four"\r\n\r\nBeta,\r\nGamma,"x"\r\n\r\n\r\n';
    const result = parseCsvTable(text);
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.table.header).toEqual(["Name", "Notes"]);
    expect(result.table.records).toEqual([
      { row: 2, cells: ["Acme, Inc.", "line one\nline two\n\nline four"] },
      { row: 7, cells: ["Beta", ""] },
      { row: 8, cells: ["Gamma", "x"] },
    ]);
  });

  it("treats LF, CRLF and CR files alike", () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      const result = parseCsvTable(["A,B", "1,2", "", "3,4"].join(eol));
      expect(result.ok && result.table.records.map((r) => r.row)).toEqual([2, 4]);
    }
  });

  it("skips rows whose cells are all blank, as spreadsheets leave them", () => {
    const result = parseCsvTable("A,B\n1,2\n,\n  ,  \n3,4\n");
    expect(result.ok && result.table.records.map((r) => r.cells)).toEqual([
      ["1", "2"],
      ["3", "4"],
    ]);
  });

  it.each([
    ["an empty file", "", 1, /empty/],
    ["only blank lines", "\n\n\r\n", 1, /empty/],
    ["an unclosed quote", 'A,B\n1,2\n"3,4\n5,6\n', 3, /never closed/],
    ["a quote inside an unquoted value", 'A,B\n1,2\n3 "x",4\n', 3, /double quote/],
    ["a row with too many values", "A,B\n1,2\n3,4,5\n", 3, /3 values but the header has 2 columns/],
    ["a row with too few values", "A,B\n1,2\n3\n", 3, /1 values but the header has 2 columns/],
    ["a repeated column name", "A,B,a\n1,2,3\n", 1, /appears twice/],
  ])("refuses %s with the row of the problem", (_name, text, row, message) => {
    const result = parseCsvTable(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toMatchObject({ row, message: expect.stringMatching(message) });
  });
});
