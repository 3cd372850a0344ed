import { describe, expect, it } from "vitest";
import type { IssuePatch, IssueSnapshot, NewIssue, RepoRef } from "../../src/github/github-gateway.js";
import { parseIssueMarker, type IssueKind } from "../../src/github/issue-marker.js";
import { buildInvoiceBatch } from "../../src/invoicing/build-invoice-batch.js";
import { computeInvoiceBatch } from "../../src/invoicing/compute-invoice-batch.js";
import { publishInvoiceIssue, type InvoiceIssueGateway } from "../../src/invoicing/publish-invoice-issue.js";
import { renderInvoiceMarkdown } from "../../src/invoicing/render-invoice-markdown.js";
import { refreshInvoiceIssue } from "../../src/invoicing/refresh-invoice-issue.js";
import { FakeLeadStore } from "./fake-lead-store.js";
import { cost, delivered, hub, invoicingConfig, serviceLead } from "./invoice-fixtures.js";

const SALES: RepoRef = { owner: "2i2c-org", repo: "sales" };

/** Issues in memory; records every call so tests can assert "no write". */
class RecordingGateway implements InvoiceIssueGateway {
  readonly calls: string[] = [];
  readonly issues: IssueSnapshot[] = [];

  async listOwnedIssues(repo: RepoRef, kind: IssueKind): Promise<IssueSnapshot[]> {
    this.calls.push(`list ${kind}`);
    return this.issues.filter((i) => i.repo.repo === repo.repo && i.author === "hub-sales-bot[bot]" && i.marker?.kind === kind);
  }
  async createIssue(repo: RepoRef, issue: NewIssue): Promise<IssueSnapshot> {
    this.calls.push(`create ${issue.title}`);
    const number = this.issues.length + 1;
    const snapshot: IssueSnapshot = {
      repo,
      number,
      id: 1000 + number,
      nodeId: `I_${number}`,
      htmlUrl: `https://github.com/${repo.owner}/${repo.repo}/issues/${number}`,
      title: issue.title,
      body: issue.body,
      state: "open",
      stateReason: null,
      labels: issue.labels,
      author: "hub-sales-bot[bot]",
      marker: parseIssueMarker(issue.body),
    };
    this.issues.push(snapshot);
    return { ...snapshot };
  }
  async updateIssue(repo: RepoRef, number: number, patch: IssuePatch): Promise<IssueSnapshot> {
    this.calls.push(`update #${number}`);
    const issue = this.issues.find((i) => i.number === number && i.repo.repo === repo.repo);
    if (!issue) throw new Error(`no issue #${number}`);
    Object.assign(issue, patch, patch.body === undefined ? {} : { marker: parseIssueMarker(patch.body) });
    return { ...issue };
  }
}

const config = invoicingConfig();
const leads = [serviceLead("l1", "Alpha", { managedCloudBilling: true, contract: null })];
const hubs = [hub("alpha", "l1")];

function batchFor(month: string, costs = [cost("alpha", 1000, month)], confirmations: ReturnType<typeof delivered>[] = []) {
  return computeInvoiceBatch({ month, config, leads, hubs, costs, confirmations });
}

describe("publishInvoiceIssue", () => {
  it("creates the month's issue once, then updates it in place rather than duplicating", async () => {
    const gateway = new RecordingGateway();
    const first = await publishInvoiceIssue({ gateway, repo: SALES, batch: batchFor("2026-03") });
    expect(first.action).toBe("created");
    expect(first.issue.title).toBe("Invoices 2026-03");
    expect(first.issue.labels).toEqual(["hub-sales"]);
    expect(first.issue.marker).toEqual({ lead: "batch:2026-03", kind: "invoice" });

    // Someone retitles it; the delivery confirmation arrives and costs change.
    gateway.issues[0]!.title = "March invoices (renamed)";
    const changed = batchFor("2026-03", [cost("alpha", 2000, "2026-03")], [delivered("l1")]);
    const second = await publishInvoiceIssue({ gateway, repo: SALES, batch: changed });
    expect(second.action).toBe("updated");
    expect(gateway.issues).toHaveLength(1);
    expect(gateway.issues[0]!.body).toBe(renderInvoiceMarkdown(changed));
    expect(gateway.issues[0]!.body).toContain("USD 20.00");
    expect(gateway.calls).toEqual(["list invoice", "create Invoices 2026-03", "list invoice", "update #1"]);
  });

  it("makes no write when the body is unchanged (CRLF from the browser included)", async () => {
    const gateway = new RecordingGateway();
    await publishInvoiceIssue({ gateway, repo: SALES, batch: batchFor("2026-03") });
    gateway.issues[0]!.body = gateway.issues[0]!.body.replace(/\n/g, "\r\n");
    gateway.calls.length = 0;
    const again = await publishInvoiceIssue({ gateway, repo: SALES, batch: batchFor("2026-03") });
    expect(again.action).toBe("unchanged");
    expect(gateway.calls).toEqual(["list invoice"]);
  });

  it("keeps one issue per month and ignores other kinds and other months", async () => {
    const gateway = new RecordingGateway();
    await gateway.createIssue(SALES, {
      title: "Lead: Alpha",
      body: '<!-- hub-sales {"lead":"batch:2026-03","kind":"lead"} -->',
      labels: [],
    });
    await publishInvoiceIssue({ gateway, repo: SALES, batch: batchFor("2026-02") });
    const march = await publishInvoiceIssue({ gateway, repo: SALES, batch: batchFor("2026-03") });
    expect(march.action).toBe("created");
    const marchAgain = await publishInvoiceIssue({ gateway, repo: SALES, batch: batchFor("2026-03", [cost("alpha", 5, "2026-03")]) });
    expect(marchAgain.action).toBe("updated");
    expect(marchAgain.issue.number).toBe(march.issue.number);
    expect(gateway.issues.map((i) => i.title)).toEqual(["Lead: Alpha", "Invoices 2026-02", "Invoices 2026-03"]);
  });

  it("keeps the body of a very large batch within GitHub's 65,536 characters", async () => {
    const gateway = new RecordingGateway();
    const many = Array.from({ length: 1500 }, (_, i) => serviceLead(`m${i}`, `Member ${i}`));
    const batch = computeInvoiceBatch({ month: "2026-03", config, leads: many, hubs: [], costs: [], confirmations: [] });
    const result = await publishInvoiceIssue({ gateway, repo: SALES, batch });
    expect(result.issue.body.length).toBeLessThanOrEqual(65_536);
    expect(result.issue.marker).toEqual({ lead: "batch:2026-03", kind: "invoice" });
    // Re-running with the same records does not write again.
    expect((await publishInvoiceIssue({ gateway, repo: SALES, batch })).action).toBe("unchanged");
  });

  it("adopts the oldest when two issues carry the month's marker", async () => {
    const gateway = new RecordingGateway();
    const body = renderInvoiceMarkdown(batchFor("2026-03"));
    await gateway.createIssue(SALES, { title: "Invoices 2026-03", body: body + "old", labels: [] });
    await gateway.createIssue(SALES, { title: "Invoices 2026-03", body: body + "newer", labels: [] });
    const result = await publishInvoiceIssue({ gateway, repo: SALES, batch: batchFor("2026-03") });
    expect(result).toMatchObject({ action: "updated", issue: { number: 1 } });
  });
});

describe("refreshInvoiceIssue", () => {
  it("builds from the store and publishes; a /delivered confirmation then updates the same issue", async () => {
    const gateway = new RecordingGateway();
    const data = { leads, hubs, costs: [cost("alpha", 250)], confirmations: [] as ReturnType<typeof delivered>[] };
    const store = new FakeLeadStore(data).asLeadStore();
    const fullConfig = invoicingConfig({ issues: { lead: { labels: ["hub-sales", "sales"] } } });
    const first = await refreshInvoiceIssue({ store, gateway, repo: SALES, config: fullConfig, month: "2026-03" });
    expect(first.action).toBe("created");
    expect(first.issue.labels).toEqual(["hub-sales", "sales"]);
    expect(first.issue.body).toContain("- [ ] Alpha: missing Delivery confirmed for 2026-03");

    data.confirmations.push(delivered("l1"));
    const second = await refreshInvoiceIssue({ store, gateway, repo: SALES, config: fullConfig, month: "2026-03" });
    expect(second).toMatchObject({ action: "updated", issue: { number: first.issue.number } });
    expect(second.issue.body).toContain("- [x] Alpha: ready to invoice");
    expect((await refreshInvoiceIssue({ store, gateway, repo: SALES, config: fullConfig, month: "2026-03" })).action).toBe("unchanged");
  });
});

describe("buildInvoiceBatch", () => {
  it("loads every record the month needs from the store", async () => {
    const store = new FakeLeadStore({
      leads: [...leads, serviceLead("l2", "Gone", { status: "Inactive Service", serviceEndDate: "2025-12-31", managedCloudBilling: true })],
      hubs: [...hubs, hub("gone", "l2")],
      costs: [cost("alpha", 700), cost("alpha", 999, "2026-02"), cost("gone", 50)],
      confirmations: [delivered("l1"), delivered("l1", "2026-02")],
    });
    const batch = await buildInvoiceBatch({ store: store.asLeadStore(), config, month: "2026-03" });
    expect(batch.communities.map((c) => [c.name, c.total, c.ready])).toEqual([["Alpha", 150700, true]]);
    // The out-of-service lead was loaded too: its hub's costs are "not invoiced", not "no community".
    expect(batch.anomalies.map((a) => a.kind)).toEqual(["costs-not-invoiced"]);
  });

  it("rejects a bad month", async () => {
    await expect(buildInvoiceBatch({ store: new FakeLeadStore().asLeadStore(), config, month: "March" })).rejects.toThrow(
      /not a month: "March"; use YYYY-MM/,
    );
  });
});
