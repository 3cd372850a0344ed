import { describe, expect, it } from "vitest";
import {
  computeInvoiceBatch,
  InvalidMonthError,
  type ComputeInvoiceBatchInput,
  type InvoiceAnomalyKind,
} from "../../src/invoicing/compute-invoice-batch.js";
import { cost, delivered, hub, invoicingConfig, serviceLead } from "./invoice-fixtures.js";

const DAILY = invoicingConfig({ invoicing: { proration: "daily" } });
const NONE = invoicingConfig();

type Lines = Record<string, [item: string, cents: number][]>;

interface Case {
  name: string;
  input: Partial<ComputeInvoiceBatchInput>;
  /** Line items per community name; communities not listed must not be in the batch. */
  lines: Lines;
  total: number;
  anomalies?: InvoiceAnomalyKind[];
}

const FEE_RESEARCH = "Managed hub operations fee — Research";
const FEE_EDUCATION = "Managed hub operations fee — Education";
const FEE_PARTNERSHIP = "Managed hub operations fee — Partnership";
const CLOUD = "Cloud costs — 2026-03";

const cases: Case[] = [
  {
    name: "fee only: the tier's fee, no cloud line without managed billing (even with costs)",
    input: { leads: [serviceLead("l1", "Alpha")], hubs: [hub("alpha", "l1")], costs: [cost("alpha", 9999)] },
    lines: { Alpha: [[FEE_RESEARCH, 150000]] },
    total: 150000,
  },
  {
    name: "the lead's own monthly fee wins over the tier's",
    input: { leads: [serviceLead("l1", "Alpha", { monthlyFee: 123456 })], hubs: [hub("alpha", "l1")] },
    lines: { Alpha: [[FEE_RESEARCH, 123456]] },
    total: 123456,
  },
  {
    name: "fee plus cloud costs for managed billing",
    input: {
      leads: [serviceLead("l1", "Alpha", { managedCloudBilling: true })],
      hubs: [hub("alpha", "l1")],
      costs: [cost("alpha", 12345), cost("alpha", 777, "2026-02")],
    },
    lines: { Alpha: [[FEE_RESEARCH, 150000], [CLOUD, 12345]] },
    total: 162345,
  },
  {
    name: "several hubs per community: their costs summed in one line, hub names matched ignoring case",
    input: {
      leads: [serviceLead("l1", "Alpha", { managedCloudBilling: true })],
      hubs: [hub("alpha-staging", "l1"), hub("alpha-prod", "l1"), hub("alpha-idle", "l1")],
      costs: [cost("alpha-prod", 100001), cost("ALPHA-staging ", 2999)],
    },
    lines: { Alpha: [[FEE_RESEARCH, 150000], [CLOUD, 103000]] },
    total: 253000,
  },
  {
    name: "proration daily, service starting on the first: the full fee",
    input: { leads: [serviceLead("l1", "Alpha", { serviceStartDate: "2026-03-01" })], config: DAILY },
    lines: { Alpha: [[FEE_RESEARCH, 150000]] },
    total: 150000,
    anomalies: ["no-hub"],
  },
  {
    name: "proration daily, mid-month start: 4166.67 × 17/31 = 2284.948… rounds to 2284.95",
    input: {
      leads: [serviceLead("l1", "Alpha", { serviceTier: "Partnership", serviceStartDate: "2026-03-15" })],
      hubs: [hub("alpha", "l1")],
      config: DAILY,
    },
    lines: { Alpha: [[FEE_PARTNERSHIP, 228495]] },
    total: 228495,
  },
  {
    name: "proration daily, start on the last day: 1 of 31 days of 1500.00 = 48.39",
    input: { leads: [serviceLead("l1", "Alpha", { serviceStartDate: "2026-03-31" })], hubs: [hub("alpha", "l1")], config: DAILY },
    lines: { Alpha: [[FEE_RESEARCH, 4839]] },
    total: 4839,
  },
  {
    name: "proration none: a mid-month start pays the full month",
    input: { leads: [serviceLead("l1", "Alpha", { serviceStartDate: "2026-03-15" })], hubs: [hub("alpha", "l1")], config: NONE },
    lines: { Alpha: [[FEE_RESEARCH, 150000]] },
    total: 150000,
  },
  {
    name: "service ended mid-month (Inactive Service, end 2026-03-10): 10/31 of 1000.00 = 322.58",
    input: {
      leads: [serviceLead("l1", "Alpha", { status: "Inactive Service", serviceTier: "Education", serviceEndDate: "2026-03-10" })],
      hubs: [hub("alpha", "l1")],
      config: DAILY,
    },
    lines: { Alpha: [[FEE_EDUCATION, 32258]] },
    total: 32258,
  },
  {
    name: "started and ended inside the month: both ends counted, 16/31 of 1500.00",
    input: {
      leads: [
        serviceLead("l1", "Alpha", { status: "Inactive Service", serviceStartDate: "2026-03-05", serviceEndDate: "2026-03-20" }),
      ],
      hubs: [hub("alpha", "l1")],
      config: DAILY,
    },
    lines: { Alpha: [[FEE_RESEARCH, 77419]] },
    total: 77419,
  },
  {
    name: "Active Service with an end date inside the month (status not flipped yet): charged to the end date",
    input: { leads: [serviceLead("l1", "Alpha", { serviceEndDate: "2026-03-15" })], hubs: [hub("alpha", "l1")], config: DAILY },
    lines: { Alpha: [[FEE_RESEARCH, 72581]] },
    total: 72581,
  },
  {
    name: "a leap February: 15 of 29 days",
    input: {
      month: "2028-02",
      leads: [serviceLead("l1", "Alpha", { serviceStartDate: "2028-02-15" })],
      hubs: [hub("alpha", "l1")],
      config: DAILY,
    },
    lines: { Alpha: [[FEE_RESEARCH, 77586]] },
    total: 77586,
  },
  {
    name: "who is in the month: ended before, starting after, other statuses are left out; ended after is in",
    input: {
      leads: [
        serviceLead("l1", "Ended in February", { status: "Inactive Service", serviceEndDate: "2026-02-28" }),
        serviceLead("l2", "Starts in April", { serviceStartDate: "2026-04-01" }),
        serviceLead("l3", "Needs admin", { status: "Needs Admin" }),
        serviceLead("l4", "Inactive, no end date", { status: "Inactive Service" }),
        serviceLead("l5", "Ended in April", { status: "Inactive Service", serviceEndDate: "2026-04-02" }),
        serviceLead("l6", "Active", {}),
      ],
      hubs: ["l1", "l2", "l3", "l4", "l5", "l6"].map((id) => hub(`hub-${id}`, id)),
      config: DAILY,
    },
    lines: { Active: [[FEE_RESEARCH, 150000]], "Ended in April": [[FEE_RESEARCH, 150000]] },
    total: 300000,
  },
  {
    name: "several communities: sorted by name, overall total exact",
    input: {
      leads: [
        serviceLead("l2", "beta", { monthlyFee: 10 }),
        serviceLead("l1", "Alpha", { monthlyFee: 20, managedCloudBilling: true }),
      ],
      hubs: [hub("a", "l1"), hub("b", "l2")],
      costs: [cost("a", 1)],
    },
    lines: { Alpha: [[FEE_RESEARCH, 20], [CLOUD, 1]], beta: [[FEE_RESEARCH, 10]] },
    total: 31,
  },
  {
    name: "no communities: an empty batch, total zero",
    input: { leads: [serviceLead("l1", "Lead", { status: "Active Lead" })] },
    lines: {},
    total: 0,
  },
  // Anomalies
  {
    name: "anomaly no-hub: Active Service with no hub",
    input: { leads: [serviceLead("l1", "Alpha")] },
    lines: { Alpha: [[FEE_RESEARCH, 150000]] },
    total: 150000,
    anomalies: ["no-hub"],
  },
  {
    name: "anomaly orphan-costs: costs of an unknown hub, an unlinked hub, a hub linked to no known lead",
    input: {
      leads: [serviceLead("l1", "Alpha", { managedCloudBilling: true })],
      hubs: [hub("alpha", "l1"), hub("unlinked", null), hub("dangling", "rec-gone")],
      costs: [cost("alpha", 500), cost("mystery", 100), cost("unlinked", 200), cost("dangling", 300)],
    },
    lines: { Alpha: [[FEE_RESEARCH, 150000], [CLOUD, 500]] },
    total: 150500,
    anomalies: ["orphan-costs", "orphan-costs", "orphan-costs"],
  },
  {
    name: "anomaly foreign-currency: excluded from the sum and flagged",
    input: {
      leads: [serviceLead("l1", "Alpha", { managedCloudBilling: true })],
      hubs: [hub("alpha", "l1"), hub("alpha-eu", "l1")],
      costs: [cost("alpha", 1000), cost("alpha-eu", 5000, "2026-03", "EUR")],
    },
    lines: { Alpha: [[FEE_RESEARCH, 150000], [CLOUD, 1000]] },
    total: 151000,
    anomalies: ["foreign-currency"],
  },
  {
    name: "anomaly no-cost-data: a managed community without the month's costs (only other months', or foreign ones)",
    input: {
      leads: [
        serviceLead("l1", "Alpha", { managedCloudBilling: true }),
        serviceLead("l2", "Beta", { managedCloudBilling: true }),
      ],
      hubs: [hub("alpha", "l1"), hub("beta", "l2")],
      costs: [cost("alpha", 1000, "2026-02"), cost("beta", 1000, "2026-03", "EUR")],
    },
    lines: { Alpha: [[FEE_RESEARCH, 150000]], Beta: [[FEE_RESEARCH, 150000]] },
    total: 300000,
    anomalies: ["no-cost-data", "no-cost-data", "foreign-currency"],
  },
  {
    name: "anomaly unknown-fee: tier not in config and no fee; no tier and no fee",
    input: {
      leads: [serviceLead("l1", "Alpha", { serviceTier: "Enterprise" }), serviceLead("l2", "Beta", { serviceTier: null })],
      hubs: [hub("alpha", "l1"), hub("beta", "l2")],
    },
    lines: { Alpha: [], Beta: [] },
    total: 0,
    anomalies: ["unknown-fee", "unknown-fee"],
  },
  {
    name: "anomaly no-start-date: kept in the batch at the full fee, flagged",
    input: { leads: [serviceLead("l1", "Alpha", { serviceStartDate: null })], hubs: [hub("alpha", "l1")], config: DAILY },
    lines: { Alpha: [[FEE_RESEARCH, 150000]] },
    total: 150000,
    anomalies: ["no-start-date"],
  },
  {
    name: "anomaly ended-before-month: Active Service whose end date passed is not billed",
    input: { leads: [serviceLead("l1", "Alpha", { serviceEndDate: "2026-01-31" })], hubs: [hub("alpha", "l1")] },
    lines: {},
    total: 0,
    anomalies: ["ended-before-month"],
  },
  {
    name: "anomaly costs-not-invoiced: a managed community out of service still has costs",
    input: {
      leads: [serviceLead("l1", "Alpha", { status: "Inactive Service", serviceEndDate: "2026-02-15", managedCloudBilling: true })],
      hubs: [hub("alpha", "l1")],
      costs: [cost("alpha", 4200)],
    },
    lines: {},
    total: 0,
    anomalies: ["costs-not-invoiced"],
  },
  {
    name: "anomaly end-before-start: no fee charged",
    input: {
      leads: [
        serviceLead("l1", "Alpha", { status: "Inactive Service", serviceStartDate: "2026-03-20", serviceEndDate: "2026-03-10" }),
      ],
      hubs: [hub("alpha", "l1")],
    },
    lines: { Alpha: [] },
    total: 0,
    anomalies: ["end-before-start"],
  },
];

function run(input: Partial<ComputeInvoiceBatchInput>) {
  return computeInvoiceBatch({
    month: "2026-03",
    leads: [],
    hubs: [],
    costs: [],
    confirmations: [],
    config: NONE,
    ...input,
  });
}

describe("computeInvoiceBatch", () => {
  it.each(cases)("$name", ({ input, lines, total, anomalies }) => {
    const batch = run(input);
    const actual: Lines = Object.fromEntries(
      batch.communities.map((c) => [c.name, c.lineItems.map((l) => [l.item, l.amount] as [string, number])]),
    );
    expect(actual).toEqual(lines);
    expect(batch.communities.map((c) => c.name)).toEqual(Object.keys(lines));
    expect(batch.total).toBe(total);
    expect(Number.isInteger(batch.total)).toBe(true);
    for (const c of batch.communities) expect(c.total).toBe(c.lineItems.reduce((s, l) => s + l.amount, 0));
    expect(batch.anomalies.map((a) => a.kind).sort()).toEqual([...(anomalies ?? [])].sort());
    expect(batch.currency).toBe("USD");
  });

  it("names the hub, amounts and fix in anomaly messages", () => {
    const batch = run({
      leads: [serviceLead("l1", "Alpha", { managedCloudBilling: true })],
      hubs: [hub("alpha", "l1")],
      costs: [cost("alpha", 100), cost("mystery", 12345), cost("alpha", 5000, "2026-03", "EUR")],
    });
    const byKind = Object.fromEntries(batch.anomalies.map((a) => [a.kind, a]));
    expect(byKind["orphan-costs"]).toMatchObject({ hub: "mystery", leadId: null });
    expect(byKind["orphan-costs"]!.message).toContain("USD 123.45");
    expect(byKind["foreign-currency"]).toMatchObject({ hub: "alpha", leadId: "l1" });
    expect(byKind["foreign-currency"]!.message).toContain("EUR 50.00");
  });

  it("explains a prorated fee in the line's note", () => {
    const batch = run({
      leads: [serviceLead("l1", "Alpha", { serviceStartDate: "2026-03-15" })],
      hubs: [hub("alpha", "l1")],
      config: DAILY,
    });
    expect(batch.communities[0]!.lineItems[0]!.note).toBe("17 of 31 days (2026-03-15 to 2026-03-31) of 1500.00");
    expect(batch.communities[0]!.period).toEqual({ from: "2026-03-15", to: "2026-03-31", days: 17, daysInMonth: 31 });
  });

  it("rejects a month that is not YYYY-MM", () => {
    expect(() => run({ month: "2026-3" })).toThrow(InvalidMonthError);
    expect(() => run({ month: "2026-13" })).toThrow(/use YYYY-MM/);
  });
});

interface ReadinessCase {
  name: string;
  agreement: string | null;
  contract: string | null;
  confirmations: ReturnType<typeof delivered>[];
  ready: boolean;
  missing: string[];
}

const AGREEMENT = "Tier agreement recorded";
const DELIVERY = "Delivery confirmed for 2026-03 (`/delivered month=2026-03`) or a contract";

const readinessCases: ReadinessCase[] = [
  { name: "agreement + contract", agreement: "signed", contract: "https://c", confirmations: [], ready: true, missing: [] },
  { name: "agreement + delivery confirmation", agreement: "signed", contract: null, confirmations: [delivered("l1")], ready: true, missing: [] },
  { name: "agreement only", agreement: "signed", contract: null, confirmations: [], ready: false, missing: [DELIVERY] },
  {
    name: "confirmation of another month does not count",
    agreement: "signed",
    contract: null,
    confirmations: [delivered("l1", "2026-02")],
    ready: false,
    missing: [DELIVERY],
  },
  {
    name: "confirmation of another lead does not count",
    agreement: "signed",
    contract: null,
    confirmations: [delivered("l2")],
    ready: false,
    missing: [DELIVERY],
  },
  { name: "contract but no agreement", agreement: null, contract: "https://c", confirmations: [], ready: false, missing: [AGREEMENT] },
  { name: "blank agreement counts as none", agreement: "  ", contract: "https://c", confirmations: [], ready: false, missing: [AGREEMENT] },
  { name: "nothing", agreement: null, contract: null, confirmations: [], ready: false, missing: [AGREEMENT, DELIVERY] },
];

describe("computeInvoiceBatch readiness", () => {
  it.each(readinessCases)("$name", ({ agreement, contract, confirmations, ready, missing }) => {
    const batch = run({
      leads: [serviceLead("l1", "Alpha", { agreement, contract })],
      hubs: [hub("alpha", "l1")],
      confirmations,
    });
    expect(batch.communities[0]!.ready).toBe(ready);
    expect(batch.communities[0]!.missing).toEqual(missing);
  });

  it("names the missing cost import, fee and start date as blockers", () => {
    const batch = run({
      leads: [
        serviceLead("l1", "Alpha", { managedCloudBilling: true }),
        serviceLead("l2", "Beta", { serviceTier: "Unknown" }),
        serviceLead("l3", "Gamma", { serviceStartDate: null }),
      ],
      hubs: [hub("alpha", "l1"), hub("beta", "l2"), hub("gamma", "l3")],
    });
    expect(batch.communities.map((c) => [c.name, c.missing])).toEqual([
      ["Alpha", ["Cloud costs for 2026-03 imported"]],
      ["Beta", ["Monthly fee known"]],
      ["Gamma", ["Service start date recorded"]],
    ]);
  });
});
