import { parse as parseCsv } from "csv-parse/sync";
import { simpleParser, type AddressObject } from "mailparser";
import { describe, expect, it } from "vitest";
import { parseIssueMarker } from "../../src/github/issue-marker.js";
import { computeInvoiceBatch, type InvoiceBatch } from "../../src/invoicing/compute-invoice-batch.js";
import { renderInvoiceCsv } from "../../src/invoicing/render-invoice-csv.js";
import { renderInvoiceEmail } from "../../src/invoicing/render-invoice-email.js";
import { ISSUE_BODY_MAX_CHARS, renderInvoiceMarkdown } from "../../src/invoicing/render-invoice-markdown.js";
import { cost, delivered, hub, invoicingConfig, serviceLead } from "./invoice-fixtures.js";

const config = invoicingConfig({ invoicing: { proration: "daily" } });

function sampleBatch(): InvoiceBatch {
  return computeInvoiceBatch({
    month: "2026-03",
    config,
    leads: [
      serviceLead("l1", "Alpha University", { managedCloudBilling: true, serviceTier: "Partnership", serviceStartDate: "2026-03-15" }),
      serviceLead("l2", 'Beta, "the" | Lab', { contract: null, agreement: "signed" }),
      serviceLead("l3", "=HYPERLINK(evil)", { serviceTier: "Education" }),
    ],
    hubs: [hub("alpha", "l1"), hub("alpha-2", "l1"), hub("beta", "l2"), hub("eq", "l3")],
    costs: [cost("alpha", 12345), cost("alpha-2", 55), cost("ghost", 700), cost("alpha", 100, "2026-03", "EUR")],
    confirmations: [delivered("l3")],
  });
}

describe("renderInvoiceMarkdown", () => {
  it("renders the marker, a table per community, totals, readiness checklist and anomalies", () => {
    const markdown = renderInvoiceMarkdown(sampleBatch());
    expect(parseIssueMarker(markdown)).toEqual({ lead: "batch:2026-03", kind: "invoice" });
    expect(markdown).toContain("# Invoices 2026-03");
    expect(markdown).toContain("## Alpha University");
    expect(markdown).toContain("| Managed hub operations fee — Partnership | USD 2,284.95 | 17 of 31 days (2026-03-15 to 2026-03-31) of 4166.67 |");
    expect(markdown).toContain("| Cloud costs — 2026-03 | USD 124.00 | hub alpha: 123.45; hub alpha-2: 0.55 |");
    expect(markdown).toContain("**Cloud costs:** USD 124.00 billed · **USD 7.00 unattributed** (1 project, see below)");
    expect(markdown).toContain("## Unattributed cloud costs\n\n| Project | Amount | Why |\n|---|---:|---|\n| ghost | USD 7.00 | no hub names it as Cloud project or hub |\n| **Unattributed** | **USD 7.00** | |");
    expect(markdown).toContain("| **Total** | **USD 2,408.95** | |");
    // The pipe in a name must not split the table cell.
    expect(markdown).toContain('| Beta, "the" \\| Lab | USD 1,500.00 | no |');
    expect(markdown).toContain("**Total: USD 4,908.95** for 3 communities, 2 ready to invoice.");
    expect(markdown).toContain("- [x] Alpha University: ready to invoice");
    expect(markdown).toMatch(/- \[ \] Beta, "the" \\\| Lab: missing Delivery confirmed for 2026-03/);
    expect(markdown).toContain("  - [x] Tier agreement recorded");
    expect(markdown).toContain("  - [ ] Delivery confirmed for 2026-03 (`/delivered month=2026-03`) or a contract");
    expect(markdown).toContain("## Anomalies");
    expect(markdown).toMatch(/- ⚠️ project "ghost" has 2026-03 costs \(USD 7\.00\) but no Active Hubs row names it/);
    expect(markdown).toMatch(/- ⚠️ hub "alpha": a 2026-03 cost of EUR 1\.00 is not in USD/);
  });

  it("is deterministic (re-runs compare equal) and says so when nothing is to invoice", () => {
    expect(renderInvoiceMarkdown(sampleBatch())).toBe(renderInvoiceMarkdown(sampleBatch()));
    const empty = renderInvoiceMarkdown(
      computeInvoiceBatch({ month: "2026-04", config, leads: [], hubs: [], costs: [], confirmations: [] }),
    );
    expect(empty).toContain("No community was in service during this month.");
    expect(empty).toContain("**Total: USD 0.00** for 0 communities");
    expect(empty).toContain("## Anomalies\n\nNone.");
    expect(empty).not.toContain("## Readiness");
  });

  it("cannot be tricked into a second marker or HTML by a lead name", () => {
    const batch = computeInvoiceBatch({
      month: "2026-03",
      config,
      leads: [serviceLead("l1", 'Evil <!-- hub-sales {"lead":"x","kind":"lead"} -->\nnext')],
      hubs: [hub("e", "l1")],
      costs: [],
      confirmations: [],
    });
    const markdown = renderInvoiceMarkdown(batch);
    expect(markdown.match(/<!--/g)).toHaveLength(1);
    expect(parseIssueMarker(markdown)).toEqual({ lead: "batch:2026-03", kind: "invoice" });
  });
});

describe("renderInvoiceMarkdown for batches too large for one issue", () => {
  function largeBatch(n: number): InvoiceBatch {
    const leads = Array.from({ length: n }, (_, i) =>
      serviceLead(`l${i}`, `Community ${String(i).padStart(4, "0")}`, i % 50 === 0 ? { contract: null } : {}),
    );
    return computeInvoiceBatch({
      month: "2026-03",
      config,
      leads,
      hubs: leads.map((l) => hub(`hub-${l.id}`, l.id)),
      costs: [cost("ghost", 100)],
      confirmations: [],
    });
  }

  it("leaves a batch that fits unchanged", () => {
    const batch = sampleBatch();
    expect(renderInvoiceMarkdown(batch, { maxChars: ISSUE_BODY_MAX_CHARS })).toBe(renderInvoiceMarkdown(batch));
  });

  it("renders compactly under the limit: marker, what needs action first, then totals, cut with a count", () => {
    const batch = largeBatch(2000);
    expect(renderInvoiceMarkdown(batch).length).toBeGreaterThan(ISSUE_BODY_MAX_CHARS);
    const compact = renderInvoiceMarkdown(batch, { maxChars: ISSUE_BODY_MAX_CHARS });
    expect(compact.length).toBeLessThanOrEqual(ISSUE_BODY_MAX_CHARS);
    expect(parseIssueMarker(compact)).toEqual({ lead: "batch:2026-03", kind: "invoice" });
    expect(compact).toContain("**Total: USD 3,000,000.00** for 2000 communities, 1960 ready to invoice.");
    expect(compact).toContain("too large for one issue");
    expect(compact).toContain("- [x] 1960 communities ready to invoice");
    // All 40 not-ready communities and the anomaly are shown; the totals list is cut.
    expect(compact.match(/^- \[ \] Community \d{4}: missing/gm)).toHaveLength(40);
    expect(compact).toMatch(/- ⚠️ project "ghost"/);
    expect(compact).toContain("- ghost: USD 1.00 (unmatched)");
    expect(compact).toMatch(/^- … and \d+ more \(see the outbox files\)$/m);
    expect(renderInvoiceMarkdown(batch, { maxChars: 5_000 }).length).toBeLessThanOrEqual(5_000);
  });
});

describe("renderInvoiceCsv", () => {
  it("round-trips through a CSV parser: every line item, quoted where needed", () => {
    const batch = sampleBatch();
    const csv = renderInvoiceCsv(batch);
    expect(csv.endsWith("\r\n")).toBe(true);
    const rows = parseCsv(csv, { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([
      { month: "2026-03", community: "'=HYPERLINK(evil)", item: "Managed hub operations fee — Education", amount: "1000.00", currency: "USD", note: "" },
      { month: "2026-03", community: "Alpha University", item: "Managed hub operations fee — Partnership", amount: "2284.95", currency: "USD", note: "17 of 31 days (2026-03-15 to 2026-03-31) of 4166.67" },
      { month: "2026-03", community: "Alpha University", item: "Cloud costs — 2026-03", amount: "124.00", currency: "USD", note: "hub alpha: 123.45; hub alpha-2: 0.55" },
      { month: "2026-03", community: 'Beta, "the" | Lab', item: "Managed hub operations fee — Research", amount: "1500.00", currency: "USD", note: "" },
    ]);
    expect(csv).toContain('"Beta, ""the"" | Lab"');
    // Amounts add back up to the batch total, exactly.
    const cents = rows.reduce((sum, row) => sum + Math.round(Number(row.amount) * 100), 0);
    expect(cents).toBe(batch.total);
  });

  it("keeps line breaks inside a quoted field", () => {
    const batch = computeInvoiceBatch({
      month: "2026-03",
      config,
      leads: [serviceLead("l1", "Two\nLines")],
      hubs: [hub("t", "l1")],
      costs: [],
      confirmations: [],
    });
    const rows = parseCsv(renderInvoiceCsv(batch), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.community)).toEqual(["Two\nLines"]);
  });

  it("has only the header for an empty batch", () => {
    const csv = renderInvoiceCsv(computeInvoiceBatch({ month: "2026-03", config, leads: [], hubs: [], costs: [], confirmations: [] }));
    expect(csv).toBe("month,community,item,amount,currency,note\r\n");
  });
});

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((a) => a.value.map((v) => v.address ?? ""));
}

describe("renderInvoiceEmail", () => {
  it("builds an RFC 5322 message: headers, line items in the body, the CSV attached", async () => {
    const batch = sampleBatch();
    const email = await renderInvoiceEmail({ batch, config, date: new Date("2026-03-31T18:00:00Z") });
    expect(email.envelope).toEqual({
      from: "partnerships@2i2c.org",
      to: ["operations@codeforsociety.org", "partnerships@2i2c.org"],
    });
    expect(email.raw.toString("utf8")).toMatch(/\r\n\r\n/);

    const parsed = await simpleParser(email.raw);
    expect(parsed.subject).toBe("Invoices March 2026 — managed hub service");
    expect(addresses(parsed.to)).toEqual(["operations@codeforsociety.org"]);
    expect(addresses(parsed.cc)).toEqual(["partnerships@2i2c.org"]);
    expect(addresses(parsed.from)).toEqual(["partnerships@2i2c.org"]);
    expect(parsed.date?.toISOString()).toBe("2026-03-31T18:00:00.000Z");
    expect(parsed.messageId).toBe(email.messageId);

    const text = parsed.text ?? "";
    expect(text).toContain("line items for March 2026, in USD");
    expect(text).toMatch(/Managed hub operations fee — Partnership\s+USD 2,284\.95/);
    expect(text).toMatch(/Cloud costs — 2026-03\s+USD 124\.00/);
    expect(text).toContain('Beta, "the" | Lab (NOT READY: missing Delivery confirmed for 2026-03 or a contract)');
    expect(text).toContain("2 of 3 communities are ready to invoice");
    expect(text).toContain("Total for March 2026: USD 4,908.95");

    expect(parsed.attachments).toHaveLength(1);
    const attachment = parsed.attachments[0]!;
    expect(attachment.filename).toBe("invoices-2026-03.csv");
    expect(attachment.contentType).toBe("text/csv");
    expect(attachment.content.toString("utf8")).toBe(renderInvoiceCsv(batch));
  });

  it("takes another sender and tells an empty month plainly", async () => {
    const batch = computeInvoiceBatch({ month: "2026-04", config, leads: [], hubs: [], costs: [], confirmations: [] });
    const email = await renderInvoiceEmail({ batch, config, from: "bot@example.org" });
    const parsed = await simpleParser(email.raw);
    expect(addresses(parsed.from)).toEqual(["bot@example.org"]);
    expect(email.envelope.from).toBe("bot@example.org");
    expect(parsed.subject).toBe("Invoices April 2026 — managed hub service");
    expect(parsed.text).toContain("there is nothing to invoice");
  });
});
