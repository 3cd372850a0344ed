import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readCostAmount, readCostsCsv } from "../../src/csv/read-costs-csv.js";
import { parseMonthLabel } from "../../src/csv/parse-month-label.js";

const example = (name: string) => readFileSync(new URL(`../../examples/${name}`, import.meta.url), "utf8");

function problems(text: string) {
  const result = readCostsCsv({ text, currency: "USD" });
  if (result.ok) throw new Error("expected the file to be refused");
  return result.problems;
}

describe("parseMonthLabel", () => {
  it.each([
    ["2026-01", "2026-01"],
    ["2026-01-01", "2026-01"],
    ["202601", "2026-01"],
    ["Jan 2026", "2026-01"],
    ["January 2026", "2026-01"],
    ["jan-2026", "2026-01"],
    ["Sept 2026", "2026-09"],
    ["Dec. 2025", "2025-12"],
    ["1/2026", "2026-01"],
    ["12/2026", "2026-12"],
  ])("reads %j as %s", (label, month) => expect(parseMonthLabel(label)).toBe(month));

  it.each(["2026-13", "2026-00", "202613", "Janu 2026", "Foo 2026", "2026", "Total", "2026-02-30", "13/2026", ""])(
    "refuses %j",
    (label) => expect(parseMonthLabel(label)).toBeNull(),
  );
});

describe("readCostAmount", () => {
  it.each([
    ["0", 0, false],
    ["12.3", 1230, false],
    ["1234.56", 123456, false],
    ["$1,234.56", 123456, false],
    ["USD 99.99", 9999, false],
    ["12.345", 1235, true],
    ["12.344999", 1234, true],
    ["12.3000", 1230, false],
    [".5", 50, false],
  ])("reads %j as %i cents", (text, cents, rounded) => {
    expect(readCostAmount(text)).toEqual({ ok: true, value: { cents, rounded } });
  });

  it.each([
    ["-0", /negative zero; write 0.00/],
    ["-0.00", /negative zero/],
    ["$-0.00", /negative zero/],
    ["-12.50", /negative/],
    ["(12.50)", /negative/],
    ["12.50)", /not an amount/],
    ["abc", /not an amount/],
    ["1,23", /not an amount/],
    ["12..5", /not an amount/],
    ["NaN", /not an amount/],
    ["1e3", /not an amount/],
  ])("refuses %j", (text, message) => {
    const result = readCostAmount(text);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(message);
  });
});

describe("readCostsCsv, long form", () => {
  it("reads examples/costs-long.csv", () => {
    const result = readCostsCsv({ text: example("costs-long.csv"), currency: "USD" });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.form).toBe("long");
    expect(result.rows).toHaveLength(7);
    expect(result.rows[0]).toEqual({ month: "2026-01", hub: "example-university", amount: 81240, currency: "USD" });
  });

  it("accepts header variants in any case and defaults the currency", () => {
    const result = readCostsCsv({ text: "Month,Project,Cost ($)\nJan 2026,alpha,\"$1,000.10\"\n", currency: "EUR" });
    expect(result).toEqual({ ok: true, form: "long", warnings: [], rows: [{ month: "2026-01", hub: "alpha", amount: 100010, currency: "EUR" }] });
  });

  it("upper-cases a currency and warns once about rounded amounts", () => {
    const result = readCostsCsv({ text: "month,hub,amount,currency\n2026-01,a,1.005,usd\n2026-02,a,2.001,\n", currency: "EUR" });
    if (!result.ok) throw new Error("refused");
    expect(result.rows.map((r) => [r.amount, r.currency])).toEqual([
      [101, "USD"],
      [200, "EUR"],
    ]);
    expect(result.warnings).toEqual([{ row: 2, column: "amount", message: expect.stringMatching(/2 amounts have more than two decimals/) }]);
  });

  it("skips a Total row", () => {
    const result = readCostsCsv({ text: "month,hub,amount\n2026-01,a,1\n2026-01,Total,1\n", currency: "USD" });
    expect(result.ok && result.rows).toHaveLength(1);
  });

  it("refuses bad months, hubs, amounts, currencies and repeated (month, hub), each with row and column", () => {
    const text = [
      "month,hub,amount,currency",
      "2026-13,a,1.00,USD",
      "2026-01,,1.00,USD",
      "2026-01,a,-0,USD",
      "2026-01,b,lots,USD",
      "2026-01,c,,USD",
      "2026-01,d,1.00,dollars",
      "2026-02,a,1.00,",
      "Feb 2026,A,2.00,",
    ].join("\r\n");
    expect(problems(text).map((p) => [p.row, p.column])).toEqual([
      [2, "month"],
      [3, "hub"],
      [4, "amount"],
      [5, "amount"],
      [6, "amount"],
      [7, "currency"],
      [9, "amount"],
    ]);
    expect(problems(text).at(-1)!.message).toMatch(/A already has a cost for 2026-02 on row 8/);
  });

  it("says what is missing when a month column has no amount column", () => {
    expect(problems("month,hub,total\n2026-01,a,1\n")[0]!.message).toMatch(/no amount column; name it "amount" or "cost"/);
  });

  it("refuses a header that is neither form", () => {
    expect(problems("name,value\na,1\n")[0]).toMatchObject({ row: 1, message: expect.stringMatching(/cannot tell the form/) });
  });
});

describe("readCostsCsv, wide form", () => {
  it("reads examples/costs-wide.csv: $ amounts, thousands separators, Total row and column skipped, empty cells left out", () => {
    const result = readCostsCsv({ text: example("costs-wide.csv"), currency: "USD" });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.form).toBe("wide");
    expect(result.warnings).toEqual([]);
    expect(result.rows).toHaveLength(10);
    expect(result.rows.filter((r) => r.hub === "harbor-health")).toEqual([
      { month: "2026-01", hub: "harbor-health", amount: 14388, currency: "USD" },
    ]);
    expect(result.rows.find((r) => r.hub === "coastal-climate" && r.month === "2026-03")!.amount).toBe(269011);
    expect(result.rows.some((r) => r.hub.toLowerCase() === "total")).toBe(false);
  });

  it("agrees with the long form on the months both examples hold", () => {
    const wide = readCostsCsv({ text: example("costs-wide.csv"), currency: "USD" });
    const long = readCostsCsv({ text: example("costs-long.csv"), currency: "USD" });
    if (!wide.ok || !long.ok) throw new Error("refused");
    const key = (r: { month: string; hub: string }) => `${r.month} ${r.hub}`;
    const wideByKey = new Map(wide.rows.map((r) => [key(r), r]));
    for (const row of long.rows) expect(wideByKey.get(key(row))).toEqual(row);
  });

  it.each(["2026-01", "Jan 2026", "2026-01-01", "January 2026"])("reads a month column headed %j", (label) => {
    const result = readCostsCsv({ text: `hub,${label}\nalpha,10\n`, currency: "USD" });
    expect(result.ok && result.rows).toEqual([{ month: "2026-01", hub: "alpha", amount: 1000, currency: "USD" }]);
  });

  it("reads a currency column and warns about other columns", () => {
    const result = readCostsCsv({ text: "Project,Project ID,Currency,2026-01\nalpha,p-123,EUR,5\n", currency: "USD" });
    expect(result).toMatchObject({
      ok: true,
      rows: [{ month: "2026-01", hub: "alpha", amount: 500, currency: "EUR" }],
      warnings: [{ row: 1, column: "Project ID" }],
    });
  });

  it("refuses two columns of one month, repeated hubs and bad amounts, with rows and columns", () => {
    const text = ["hub,2026-01,Jan 2026,2026-02", "alpha,1,,x", "beta,-5,,1", "Alpha,2,,"].join("\n");
    expect(problems(text).map((p) => [p.row, p.column])).toEqual([
      [1, "Jan 2026"],
      [2, "2026-02"],
      [3, "2026-01"],
      [4, "2026-01"],
    ]);
  });

  it("refuses a row without a hub name", () => {
    expect(problems("hub,2026-01\n,5\n")).toEqual([{ row: 2, column: "hub", message: expect.stringMatching(/name is empty/) }]);
  });
});
