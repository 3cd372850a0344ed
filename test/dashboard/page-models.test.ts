import { describe, expect, it } from "vitest";
import { newLeadFields, type Lead } from "../../src/domain/records.js";
import { computeInvoiceBatch } from "../../src/invoicing/compute-invoice-batch.js";
import { buildInvoicePage, chartMonths, layoutTotalsChart, shiftMonth } from "../../src/dashboard/invoice-page.js";
import { buildLeadPage } from "../../src/dashboard/lead-page.js";
import { buildPipelinePage, PIPELINE_ORDER } from "../../src/dashboard/pipeline-page.js";
import { buildWorkPage } from "../../src/dashboard/work-page.js";
import type { FailedEffect, LeadLogEntry, WorkItem } from "../../src/store/lead-store.js";
import { cost, delivered, hub, invoicingConfig, serviceLead } from "../invoicing/invoice-fixtures.js";

const NOW = new Date("2026-03-20T12:00:00.000Z");
const TODAY = "2026-03-20";

function lead(id: string, name: string, status: Lead["status"], extra: Partial<Lead> = {}): Lead {
  return { id, ...newLeadFields(name, status, extra) };
}

function statusLine(leadId: string, status: Lead["status"], at: string): LeadLogEntry {
  return { leadId, at, kind: "status", what: `status ${status}`, trigger: "periodic reconcile", status };
}

function work(key: string, extra: Partial<WorkItem> = {}): WorkItem {
  return { key, reason: "webhook", attempts: 0, generation: 1, notBefore: "2026-03-20T11:00:00.000Z", lastError: null, leaseOwner: null, leaseExpiresAt: null, ...extra };
}

function refused(leadId: string, effect: string, lastFailedAt = "2026-03-19T08:00:00.000Z"): FailedEffect {
  return {
    leadId,
    effect,
    what: `try ${effect}`,
    why: "GitHub answered 422: the repository is archived",
    fix: "unarchive the hub repo",
    status: 422,
    firstFailedAt: "2026-03-18T08:00:00.000Z",
    lastFailedAt,
    reported: true,
  };
}

const LEADS = [
  lead("lead-1", "Alpha University", "Needs Admin", {
    serviceTier: "Research",
    agreement: "email",
    leadIssue: "https://github.com/o/sales/issues/1",
    requestInformationIssue: "https://github.com/o/hubs/issues/7",
  }),
  lead("lead-2", "Beta College", "Active Lead"),
  lead("lead-3", "Gamma Lab", "Active Lead", { serviceTier: "Education" }),
  lead("lead-4", "Delta Institute", "Inactive Lead"),
];

describe("the pipeline page", () => {
  const build = (filter = { statuses: [] as Lead["status"][], search: "" }, entries: LeadLogEntry[] = [], items: WorkItem[] = [], failedEffects: FailedEffect[] = []) =>
    buildPipelinePage({ leads: LEADS, hubs: [], statusEntries: entries, work: items, failedEffects, filter, today: TODAY, now: NOW });

  it("has one column per status in pipeline order, each lead in its status's column", () => {
    const page = build();
    expect(page.columns.map((c) => c.status)).toEqual(PIPELINE_ORDER);
    expect(page.columns.find((c) => c.status === "Active Lead")!.cards.map((c) => c.name)).toEqual(["Beta College", "Gamma Lab"]);
    expect(page.columns.find((c) => c.status === "Waiting")!.count).toBe(0);
    expect(page).toMatchObject({ shown: 4, total: 4 });
  });

  it("shows tier, what is missing for the next step, the issue links and the lead page", () => {
    const [card] = build().columns.find((c) => c.status === "Needs Admin")!.cards;
    expect(card).toMatchObject({ id: "lead-1", tier: "Research", href: "/hub-sales/dashboard/leads/lead-1" });
    expect(card!.issues).toEqual([
      { label: "lead issue", url: "https://github.com/o/sales/issues/1" },
      { label: "request information", url: "https://github.com/o/hubs/issues/7" },
    ]);
    expect(card!.missing.join(" ")).toContain("For Active Service");
    const beta = build().columns.find((c) => c.status === "Active Lead")!.cards[0]!;
    expect(beta.missing.join(" ")).toMatch(/For Needs Admin: no service tier/);
  });

  it("links only http(s) addresses: a javascript: URL typed into the table is never clickable", () => {
    const page = buildPipelinePage({
      leads: [lead("lead-9", "Sneaky", "Active Lead", { leadIssue: "javascript:alert(1)", deploymentIssue: "https://github.com/o/hubs/issues/2" })],
      hubs: [],
      statusEntries: [],
      work: [],
      failedEffects: [],
      filter: { statuses: [], search: "" },
      today: TODAY,
      now: NOW,
    });
    expect(page.columns[0]!.cards[0]!.issues).toEqual([{ label: "deployment", url: "https://github.com/o/hubs/issues/2" }]);
  });

  it("counts whole days in the current status from the newest status line, unknown when that line is about another status", () => {
    const page = build(undefined, [
      statusLine("lead-1", "Needs Admin", "2026-03-10T13:00:00.000Z"),
      statusLine("lead-2", "Waiting", "2026-03-01T00:00:00.000Z"),
    ]);
    const cards = page.columns.flatMap((c) => c.cards);
    expect(cards.find((c) => c.id === "lead-1")!.daysInStatus).toBe(9);
    expect(cards.find((c) => c.id === "lead-2")!.daysInStatus).toBeNull();
    expect(cards.find((c) => c.id === "lead-3")!.daysInStatus).toBeNull();
  });

  it.each([
    [{ statuses: ["Active Lead" as const], search: "" }, ["Active Lead"], ["Beta College", "Gamma Lab"]],
    [{ statuses: [], search: "  GAMMA " }, PIPELINE_ORDER, ["Gamma Lab"]],
    [{ statuses: ["Inactive Lead" as const, "Needs Admin" as const], search: "a" }, ["Needs Admin", "Inactive Lead"], ["Alpha University", "Delta Institute"]],
    [{ statuses: [], search: "nobody" }, PIPELINE_ORDER, []],
  ])("filters by status and searches by name: %j", (filter, columns, names) => {
    const page = build(filter);
    expect(page.columns.map((c) => c.status)).toEqual(columns);
    expect(page.columns.flatMap((c) => c.cards.map((card) => card.name))).toEqual(names);
    expect(page.total).toBe(4);
  });

  it("marks leads whose work fails or whose effects GitHub refused, and keeps the token route's data", () => {
    const page = build(
      undefined,
      [],
      [work("lead:lead-2", { attempts: 3, lastError: "GitHub answered 502", leaseOwner: "host-1", leaseExpiresAt: "2026-03-20T12:01:00.000Z" }), work("lead:lead-3")],
      [refused("lead-1", "link-sub-issue:request-information")],
    );
    const cards = page.columns.flatMap((c) => c.cards);
    expect(cards.filter((c) => c.failing).map((c) => c.id)).toEqual(["lead-2"]);
    expect(cards.filter((c) => c.refused > 0).map((c) => c.id)).toEqual(["lead-1"]);
    expect(page.failing).toBe(1);
    expect(page.queued).toEqual([
      { key: "lead:lead-2", reason: "webhook", attempts: 3, notBefore: "2026-03-20T11:00:00.000Z", lastError: "GitHub answered 502", leaseOwner: "host-1", leaseExpiresAt: "2026-03-20T12:01:00.000Z" },
      { key: "lead:lead-3", reason: "webhook", attempts: 0, notBefore: "2026-03-20T11:00:00.000Z", lastError: null, leaseOwner: null, leaseExpiresAt: null },
    ]);
    expect(page.failedEffects).toEqual([
      {
        leadId: "lead-1",
        effect: "link-sub-issue:request-information",
        what: "try link-sub-issue:request-information",
        why: "GitHub answered 422: the repository is archived",
        fix: "unarchive the hub repo",
        status: 422,
        firstFailedAt: "2026-03-18T08:00:00.000Z",
        lastFailedAt: "2026-03-19T08:00:00.000Z",
        reportedOnLeadIssue: true,
      },
    ]);
  });
});

describe("the lead page", () => {
  const config = invoicingConfig();
  const alpha = lead("lead-1", "Alpha University", "Needs Admin", {
    serviceTier: "Research",
    contactEmail: "pi@alpha.example.edu",
    githubHandles: ["pi-alpha"],
    maniacT: { money: "NSF grant", authority: null, need: "course hub", impendingEvent: null, application: null, competition: null, timeline: "fall" },
  });
  const log: LeadLogEntry[] = [
    { leadId: "lead-1", at: "2026-03-12T10:00:00.000Z", kind: "action", what: 'open lead issue "Lead: Alpha University"', trigger: "comment /confirm-service by @alice", status: "Needs Admin" },
    statusLine("lead-1", "Needs Admin", "2026-03-12T10:00:00.000Z"),
  ];

  it("shows the record with its sensitive fields, the fee (the tier's when none is recorded), MANIAC-T and the log", () => {
    const page = buildLeadPage({ lead: alpha, hubs: [hub("alpha", "lead-1"), hub("other", "lead-9")], log, work: null, failedEffects: [], config, today: TODAY, now: NOW });
    const field = (label: string) => page.fields.find((f) => f.label === label)?.value;
    expect(field("Contact email")).toBe("pi@alpha.example.edu");
    expect(field("Monthly fee")).toBe("USD 1,500.00 (the tier's)");
    expect(field("GitHub handles")).toBe("@pi-alpha");
    expect(field("Agreement")).toBe("—");
    expect(page.maniacT.filter((m) => m.note !== null).map((m) => m.label)).toEqual(["Money", "Need", "Timeline"]);
    expect(page.maniacT).toHaveLength(7);
    expect(page.hubs.map((h) => h.name)).toEqual(["alpha"]);
    expect(page.daysInStatus).toBe(8);
    expect(page.log).toEqual(log);
    expect(page.missing.join(" ")).toMatch(/agreement/);
  });

  it("shows the lead's failing work and the failed effects it is given", () => {
    const page = buildLeadPage({
      lead: { ...alpha, monthlyFee: 120000 },
      hubs: [],
      log: [],
      work: work("lead:lead-1", { attempts: 4, lastError: "GitHub answered 403" }),
      failedEffects: [refused("lead-1", "create-issue:request-information")],
      config,
      today: TODAY,
      now: NOW,
    });
    expect(page.fields.find((f) => f.label === "Monthly fee")?.value).toBe("USD 1,200.00");
    expect(page.work).toMatchObject({ attempts: 4, lastError: "GitHub answered 403" });
    expect(page.failedEffects).toEqual([
      {
        effect: "create-issue:request-information",
        what: "try create-issue:request-information",
        why: "GitHub answered 422: the repository is archived",
        fix: "unarchive the hub repo",
        status: 422,
        since: "2026-03-18T08:00:00.000Z",
        last: "2026-03-19T08:00:00.000Z",
        reportedOnLeadIssue: true,
      },
    ]);
    expect(page.daysInStatus).toBeNull();
  });
});

describe("the work page", () => {
  it("lists failing work first (most attempts first), then the queue, with the lead, next try and whether it is due", () => {
    const page = buildWorkPage({
      now: NOW,
      leads: LEADS,
      failedEffects: [refused("lead-9", "a", "2026-03-10T00:00:00.000Z"), refused("lead-1", "b")],
      work: [
        work("lead:lead-2"),
        work("lead:lead-1", { attempts: 2, lastError: "502", notBefore: "2026-03-20T13:00:00.000Z" }),
        work("lead:lead-3", { attempts: 5, lastError: "403" }),
        work("airtable:payloads"),
      ],
    });
    expect(page.failing.map((r) => [r.key, r.attempts, r.due])).toEqual([
      ["lead:lead-3", 5, true],
      ["lead:lead-1", 2, false],
    ]);
    expect(page.failing[1]!.lead).toEqual({ id: "lead-1", name: "Alpha University", href: "/hub-sales/dashboard/leads/lead-1" });
    expect(page.refused.map((r) => [r.leadId, r.effect, r.lead?.name ?? null])).toEqual([
      ["lead-1", "b", "Alpha University"],
      ["lead-9", "a", null],
    ]);
    expect(page.queued.map((r) => [r.key, r.lead?.name ?? null])).toEqual([
      ["lead:lead-2", "Beta College"],
      ["airtable:payloads", null],
    ]);
  });
});

describe("the month-end page", () => {
  const config = invoicingConfig();
  const leads = [serviceLead("lead-1", "Alpha"), serviceLead("lead-2", "Beta", { serviceTier: "Education", contract: null })];
  const hubs = [hub("alpha", "lead-1"), hub("beta", "lead-2")];
  const batch = computeInvoiceBatch({ month: "2026-03", leads, hubs, costs: [cost("alpha", 12345), cost("nobody", 500)], confirmations: [delivered("lead-1")], config });

  it("shows the batch's communities, their line items, totals, readiness, anomalies and the month total", () => {
    const page = buildInvoicePage({ batch, history: [{ month: "2026-03", total: batch.total }], sent: null });
    expect(page.title).toBe("Invoices March 2026");
    expect(page.total).toBe("USD 2,500.00");
    expect(page.batch).toBe(batch);
    expect(page.communities.map((c) => [c.name, c.total, c.ready])).toEqual([
      ["Alpha", "USD 1,500.00", true],
      ["Beta", "USD 1,000.00", false],
    ]);
    expect(page.communities[1]!.missing.join(" ")).toMatch(/delivery|contract/);
    expect(page.otherAnomalies.join(" ")).toContain("nobody");
    expect(page).toMatchObject({ readyCount: 1, sent: null, previousMonth: "2026-02", nextMonth: "2026-04" });
    expect(page.downloads).toEqual({ csv: "/hub-sales/dashboard/invoices/2026-03.csv", eml: "/hub-sales/dashboard/invoices/2026-03.eml" });
  });

  it("says when and to whom the batch was sent", () => {
    const page = buildInvoicePage({
      batch,
      history: [],
      sent: { status: "sent", startedAt: "2026-03-31T10:00:00Z", sentAt: "2026-03-31T10:00:02Z", messageId: "<m@x>", to: ["ops@example.org"], resends: 0, response: "250 ok" },
    });
    expect(page.sent).toEqual({ status: "sent", at: "2026-03-31T10:00:02Z", to: ["ops@example.org"], resends: 0 });
  });

  it.each([
    ["2026-03", -1, "2026-02"],
    ["2026-01", -1, "2025-12"],
    ["2026-12", 1, "2027-01"],
    ["2026-03", -11, "2025-04"],
  ])("shifts %s by %i months to %s", (month, delta, expected) => {
    expect(shiftMonth(month, delta)).toBe(expected);
  });

  it("charts the twelve months ending with this one, bars scaled to the highest, this month marked", () => {
    const months = chartMonths("2026-03");
    expect(months).toHaveLength(12);
    expect([months[0], months[11]]).toEqual(["2025-04", "2026-03"]);
    const chart = layoutTotalsChart(months.map((month, i) => ({ month, total: i === 11 ? 200_00 : i === 10 ? 100_00 : 0 })), "2026-03", "USD");
    const [first, , , , , , , , , , previous, current] = chart.bars;
    expect(current).toMatchObject({ current: true, height: 136, label: "USD 200.00", href: "/hub-sales/dashboard/invoices/2026-03" });
    expect(previous!.height).toBe(68);
    expect(first!.height).toBe(0);
    expect(chart.bars.filter((b) => b.current)).toHaveLength(1);
    expect(current!.y + current!.height).toBe(first!.y + first!.height);
    expect(chart.max).toBe("USD 200.00");
  });
});
