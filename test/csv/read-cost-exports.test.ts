import { describe, expect, it } from "vitest";
import { readCostsCsv, type CostsCsvForm } from "../../src/csv/read-costs-csv.js";
import type { CloudCost } from "../../src/domain/records.js";

/** Fixtures shaped like the files the consoles download (column names as the clouds write them). */
const GCP_MULTI_MONTH = [
  "Month,Project name,Project ID,Project hierarchy,Cost ($),Discounts ($),Promotions and others ($),Subtotal ($)",
  '2026-09,Example University,example-university-hubs,/0123/,"1,352.95",-88.02,0.00,"1,264.93"',
  "2026-10,Example University,example-university-hubs,/0123/,900.10,-0.10,0.00,900.00",
  "2026-10,Coastal Climate,coastal-prod-4711,/0123/,50.25,0.00,-10.00,40.25",
  "Total,,,,,,,\"2,205.18\"",
].join("\n");

const GCP_SINGLE_MONTH = [
  "Project name,Project ID,Cost ($),Discounts ($),Promotions and others ($),Subtotal ($)",
  "Example University,example-university-hubs,100.00,-10.00,0.00,90.00",
  "Coastal Climate,coastal-prod-4711,20.50,0.00,0.00,20.50",
].join("\n");

// Without Subtotal the cost after credits is Cost plus the (negative) credit columns.
const GCP_NO_SUBTOTAL = ["Project name,Project ID,Cost (€),Discounts (€),Promotions and others (€)", "Lab,lab-1,100.00,-10.00,-0.50"].join("\n");

const AWS_TWO_ACCOUNTS = [
  "Linked account,111122223333,444455556666,",
  "Linked account name,coastal-climate ($),harbor-health ($),Total costs ($)",
  'Linked account total,"5,165.61",143.88,"5,309.49"',
  '2026-02-01,"2,475.50",,"2,475.50"',
  '2026-03-01,"2,690.11",143.88,"2,833.99"',
].join("\n");

const AZURE_DAILY = [
  "SubscriptionId,SubscriptionName,ResourceGroup,Date,MeterCategory,CostInBillingCurrency,BillingCurrencyCode",
  "6b1f-0001,Research,rg-example-university,10/01/2026,Virtual Machines,40.1234567,EUR",
  "6b1f-0001,Research,rg-example-university,10/01/2026,Storage,2.4999999,EUR",
  "6b1f-0001,Research,rg-example-university,10/02/2026,Virtual Machines,-0.6234566,EUR",
  "6b1f-0001,Research,,10/02/2026,Support,5.00,EUR",
  "6b1f-0001,Research,rg-coastal,11/01/2026,Virtual Machines,7.005,EUR",
].join("\n");

const AZURE_MONTHLY_MCA = [
  "billingMonth,subscriptionName,subscriptionId,costInBillingCurrency,billingCurrency",
  "2026-10,Example University,0000-aaaa,120.50,usd",
  "2026-10,Coastal Climate,0000-bbbb,9.99,USD",
].join("\n");

const cost = (month: string, hub: string, amount: number, currency: string, label: string | null = null): CloudCost => ({
  month,
  hub,
  amount,
  currency,
  label,
});

describe("readCostsCsv: the exports as the clouds produce them", () => {
  it.each<[string, { text: string; fileName?: string; month?: string }, CostsCsvForm, CloudCost[]]>([
    [
      "GCP, several months (Month column), Subtotal taken, Total row skipped",
      { text: GCP_MULTI_MONTH },
      "gcp-billing-report",
      [
        cost("2026-09", "example-university-hubs", 126493, "USD", "Example University"),
        cost("2026-10", "example-university-hubs", 90000, "USD", "Example University"),
        cost("2026-10", "coastal-prod-4711", 4025, "USD", "Coastal Climate"),
      ],
    ],
    [
      "GCP, one month, the period in the file name as Google names it",
      { text: GCP_SINGLE_MONTH, fileName: "My Billing Account_Reports, 2026-10-01 — 2026-10-31.csv" },
      "gcp-billing-report",
      [cost("2026-10", "example-university-hubs", 9000, "USD", "Example University"), cost("2026-10", "coastal-prod-4711", 2050, "USD", "Coastal Climate")],
    ],
    [
      "GCP, one month, renamed, with --month",
      { text: GCP_SINGLE_MONTH, fileName: "october.csv", month: "2026-10" },
      "gcp-billing-report",
      [cost("2026-10", "example-university-hubs", 9000, "USD", "Example University"), cost("2026-10", "coastal-prod-4711", 2050, "USD", "Coastal Climate")],
    ],
    [
      "GCP without Subtotal: Cost plus credits, currency from the column's unit",
      { text: GCP_NO_SUBTOTAL, fileName: "Reports, 2026-11-01 — 2026-11-30.csv" },
      "gcp-billing-report",
      [cost("2026-11", "lab-1", 8950, "EUR", "Lab")],
    ],
    [
      "AWS Cost Explorer, two linked accounts: total row and column skipped, empty cell is no cost",
      { text: AWS_TWO_ACCOUNTS },
      "aws-cost-explorer",
      [
        cost("2026-02", "111122223333", 247550, "USD", "coastal-climate"),
        cost("2026-03", "111122223333", 269011, "USD", "coastal-climate"),
        cost("2026-03", "444455556666", 14388, "USD", "harbor-health"),
      ],
    ],
    [
      "AWS Cost Explorer with an ids row shorter than the header (no cell above the total)",
      { text: AWS_TWO_ACCOUNTS.replace("444455556666,\n", "444455556666\n") },
      "aws-cost-explorer",
      [
        cost("2026-02", "111122223333", 247550, "USD", "coastal-climate"),
        cost("2026-03", "111122223333", 269011, "USD", "coastal-climate"),
        cost("2026-03", "444455556666", 14388, "USD", "harbor-health"),
      ],
    ],
    [
      "AWS Cost Explorer without the ids row: accounts keyed by name",
      { text: AWS_TWO_ACCOUNTS.split("\n").slice(1).join("\n") },
      "aws-cost-explorer",
      [cost("2026-02", "coastal-climate", 247550, "USD"), cost("2026-03", "coastal-climate", 269011, "USD"), cost("2026-03", "harbor-health", 14388, "USD")],
    ],
    [
      "Azure daily export: days summed exactly, then rounded once; a charge without resource group counts to its subscription",
      { text: AZURE_DAILY },
      "azure-cost-export",
      [
        // 40.1234567 + 2.4999999 - 0.6234566 = 42.0000000 exactly; per-row rounding would give 42.01.
        cost("2026-10", "rg-example-university", 4200, "EUR"),
        cost("2026-10", "Research", 500, "EUR", "6b1f-0001"),
        cost("2026-11", "rg-coastal", 701, "EUR"),
      ],
    ],
    [
      "Azure monthly MCA export: per subscription, its id kept beside the name",
      { text: AZURE_MONTHLY_MCA },
      "azure-cost-export",
      [cost("2026-10", "Example University", 12050, "USD", "0000-aaaa"), cost("2026-10", "Coastal Climate", 999, "USD", "0000-bbbb")],
    ],
  ])("%s", (_name, input, form, rows) => {
    const result = readCostsCsv({ currency: "USD", ...input });
    expect(result).toMatchObject({ ok: true, form });
    if (!result.ok) return;
    expect(result.rows).toEqual(rows);
  });

  it.each<[string, { text: string; fileName?: string; month?: string }, { row: number; column: string | null; message: string }]>([
    [
      "GCP: an unknown currency in a column's unit",
      { text: GCP_SINGLE_MONTH.replace("Subtotal ($)", "Subtotal (XQZ)"), month: "2026-10" },
      { row: 1, column: "Subtotal (XQZ)", message: '"XQZ" is not a currency this import knows' },
    ],
    [
      "GCP: a Month that is not a month",
      { text: GCP_MULTI_MONTH.replace("2026-10,Coastal", "Q4 2026,Coastal") },
      { row: 4, column: "Month", message: '"Q4 2026" is not a month' },
    ],
    [
      "GCP: credits larger than the cost",
      { text: GCP_MULTI_MONTH.replace("50.25,0.00,-10.00,40.25", "50.25,0.00,-60.00,-9.75") },
      { row: 4, column: "Subtotal ($)", message: "the credits of coastal-prod-4711 in 2026-10 are larger than its cost (the month comes to USD -9.75)" },
    ],
    [
      "GCP: a single-month file whose name lost its period",
      { text: GCP_SINGLE_MONTH, fileName: "october.csv" },
      { row: 1, column: null, message: "give the month with --month YYYY-MM" },
    ],
    [
      "GCP: a file name whose period spans two months",
      { text: GCP_SINGLE_MONTH, fileName: "Reports, 2026-09-15 — 2026-10-14.csv" },
      { row: 1, column: null, message: "covers 2026-09-15 to 2026-10-14 (from its file name), more than one calendar month" },
    ],
    [
      "GCP: --month contradicting the file name",
      { text: GCP_SINGLE_MONTH, fileName: "Reports, 2026-10-01 — 2026-10-31.csv", month: "2026-09" },
      { row: 1, column: null, message: "--month 2026-09 contradicts the period 2026-10-01 to 2026-10-31" },
    ],
    [
      "AWS: an unknown currency in an account column",
      { text: AWS_TWO_ACCOUNTS.replace("harbor-health ($)", "harbor-health (XQZ)") },
      { row: 2, column: "harbor-health (XQZ)", message: '"XQZ" is not a currency this import knows' },
    ],
    [
      "AWS: a month row that is not a month",
      { text: AWS_TWO_ACCOUNTS.replace("2026-03-01,", "March,") },
      { row: 5, column: "Linked account name", message: '"March" is not a month' },
    ],
    [
      "AWS: a credit larger than the cost",
      { text: AWS_TWO_ACCOUNTS.replace("143.88,\"2,833.99\"", "-143.88,\"2,546.23\"") },
      { row: 5, column: "harbor-health ($)", message: "the credits of 444455556666 in 2026-03 are larger than its cost (the month comes to USD -143.88)" },
    ],
    [
      "Azure: an unknown currency",
      { text: AZURE_DAILY.replace("Support,5.00,EUR", "Support,5.00,EUX") },
      { row: 5, column: "BillingCurrencyCode", message: '"EUX" is not a known currency' },
    ],
    [
      "Azure: a date that is not a date",
      { text: AZURE_DAILY.replace("10/02/2026,Support", "someday,Support") },
      { row: 5, column: "Date", message: '"someday" is not a date or month' },
    ],
    [
      "Azure: a refund larger than the month's cost",
      { text: AZURE_DAILY.replace("-0.6234566", "-50.00") },
      { row: 4, column: "CostInBillingCurrency", message: "the credits of rg-example-university in 2026-10 are larger than its cost (the month comes to EUR -7.38)" },
    ],
  ])("refuses %s, at its row and column", (_name, input, problem) => {
    const result = readCostsCsv({ currency: "USD", ...input });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toMatchObject({ row: problem.row, column: problem.column });
    expect(result.problems[0]!.message).toContain(problem.message);
  });

  it("keeps the long and wide forms as they were, and refuses --month for them", () => {
    expect(readCostsCsv({ currency: "USD", text: "month,hub,amount\n2026-01,alpha,1.00\n" })).toMatchObject({ ok: true, form: "long" });
    expect(readCostsCsv({ currency: "USD", text: "hub,2026-01\nalpha,1.00\n" })).toMatchObject({ ok: true, form: "wide" });
    const refused = readCostsCsv({ currency: "USD", text: "hub,2026-01\nalpha,1.00\n", month: "2026-01" });
    expect(refused).toMatchObject({ ok: false, problems: [{ row: 1, message: expect.stringContaining("--month is only for a single-month GCP billing report") }] });
  });
});
