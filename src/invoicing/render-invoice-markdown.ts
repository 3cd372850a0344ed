import { escapeMarkdown } from "../github/markdown-text.js";
import { formatMoneyForPeople } from "../domain/money.js";
import { renderIssueMarker } from "../github/issue-marker.js";
import type { CommunityInvoice, InvoiceBatch } from "./compute-invoice-batch.js";
import { formatMonth, invoiceBatchKey, invoiceFileBase, invoiceIssueTitle } from "./format-month.js";

/** GitHub refuses an issue body over 65,536 characters; a margin covers multi-unit characters. */
export const ISSUE_BODY_MAX_CHARS = 60_000;

/**
 * The body of the month's `Invoices YYYY-MM` issue (sales repo only: it holds fees and costs).
 * Deterministic (no timestamps), so a re-run with unchanged records renders the same text
 * and the issue is not rewritten. With `maxChars`, a batch too large for that (hundreds of
 * communities) is rendered compactly: what needs action first (not ready, anomalies),
 * then the totals, each cut with a count of what was left out; the outbox keeps it all.
 */
export function renderInvoiceMarkdown(batch: InvoiceBatch, options: { maxChars?: number } = {}): string {
  const full = renderFull(batch);
  if (options.maxChars === undefined || full.length <= options.maxChars) return full;
  return renderCompact(batch, options.maxChars, full.length);
}

function renderHeader(batch: InvoiceBatch, money: (cents: number) => string): string[] {
  const ready = batch.communities.filter((c) => c.ready).length;
  return [
    renderIssueMarker({ lead: invoiceBatchKey(batch.month), kind: "invoice" }),
    `# ${invoiceIssueTitle(batch.month)}`,
    "",
    `Managed hub service, ${formatMonth(batch.month)}. Amounts in ${batch.currency}; proration: ${batch.proration}.`,
    "",
    `**Total: ${money(batch.total)}** for ${plural(batch.communities.length, "community", "communities")}, ${ready} ready to invoice.`,
    "",
    renderCloudCostLine(batch, money),
    "",
  ];
}

/** The month's cloud costs in one line: billed beside unattributed, so nothing is out of sight. */
function renderCloudCostLine(batch: InvoiceBatch, money: (cents: number) => string): string {
  const { billed, unattributed, unattributedProjects, notBilled, otherCurrencies } = batch.cloudCosts;
  const parts = [
    `**Cloud costs:** ${money(billed)} billed`,
    `**${money(unattributed)} unattributed**${unattributedProjects.length > 0 ? ` (${plural(unattributedProjects.length, "project", "projects")}, see below)` : ""}`,
  ];
  if (notBilled > 0) parts.push(`${money(notBilled)} not billed (communities paying their own cloud bill or not in service)`);
  if (otherCurrencies.length > 0) parts.push(`${plural(otherCurrencies.length, "cost", "costs")} in other currencies left out (see the anomalies)`);
  return `${parts.join(" · ")}.`;
}

/** Every project billed to nobody, with its amount and why: the lead decides what to do. */
function renderUnattributed(batch: InvoiceBatch, money: (cents: number) => string): string[] {
  const { unattributed, unattributedProjects, notBilledProjects } = batch.cloudCosts;
  const out: string[] = [];
  if (unattributedProjects.length > 0) {
    out.push("## Unattributed cloud costs", "", "| Project | Amount | Why |", "|---|---:|---|");
    for (const cost of unattributedProjects) {
      const why =
        cost.reason === "unmatched"
          ? "no hub names it as Cloud project or hub"
          : cost.reason === "shared"
            ? `shared by ${cost.communities.map((c) => `${c.name} (${c.hubs.join(", ")})`).join(" and ")}: split not recorded`
            : `hub${cost.hubs.length > 1 ? "s" : ""} ${cost.hubs.join(", ")} without a community`;
      out.push(`| ${cell(cost.label ? `${cost.project} (${cost.label})` : cost.project)} | ${money(cost.amount)} | ${cell(why)} |`);
    }
    out.push(`| **Unattributed** | **${money(unattributed)}** | |`, "");
  }
  if (notBilledProjects.length > 0) {
    out.push("## Cloud costs not billed", "", "| Community | Project | Amount | Why |", "|---|---|---:|---|");
    for (const cost of notBilledProjects) {
      const why = cost.why === "own-cloud-billing" ? "no managed cloud billing" : "not in service this month";
      out.push(`| ${cell(cost.community)} | ${cell(cost.project)} | ${money(cost.amount)} | ${why} |`);
    }
    out.push("");
  }
  return out;
}

function renderFooter(batch: InvoiceBatch): string {
  return `The line items are in \`${invoiceFileBase(batch.month)}.csv\` in the outbox; rebuild with \`/invoice month=${batch.month}\` or \`hub-sales invoice --month ${batch.month}\`.`;
}

function renderCompact(batch: InvoiceBatch, maxChars: number, fullLength: number): string {
  const money = (cents: number) => formatMoneyForPeople(cents, batch.currency);
  const out = renderHeader(batch, money);
  out.push(
    `This batch is too large for one issue (${fullLength} characters): the tables per community are in \`${invoiceFileBase(batch.month)}.md\` and \`${invoiceFileBase(batch.month)}.csv\` in the outbox.`,
    "",
  );
  const footer = renderFooter(batch);
  // Room for the section headings, the "… more" lines and the footer.
  let budget = maxChars - out.join("\n").length - footer.length - 600;
  const addSection = (heading: string, lines: string[], empty: string) => {
    out.push(heading, "");
    if (lines.length === 0) out.push(empty);
    let shown = 0;
    for (const line of lines) {
      if (line.length + 1 > budget) break;
      out.push(line);
      budget -= line.length + 1;
      shown += 1;
    }
    if (shown < lines.length) out.push(`- … and ${lines.length - shown} more (see the outbox files)`);
    out.push("");
  };
  const notReady = batch.communities.filter((c) => !c.ready);
  addSection(
    "## Readiness",
    [
      `- [x] ${batch.communities.length - notReady.length} communities ready to invoice`,
      ...notReady.map((c) => `- [ ] ${inline(c.name)}: missing ${c.missing.join("; ")}`),
    ],
    "",
  );
  addSection(
    "## Unattributed cloud costs",
    batch.cloudCosts.unattributedProjects.map((c) => `- ${inline(c.project)}: ${money(c.amount)} (${c.reason})`),
    "None.",
  );
  addSection("## Anomalies", batch.anomalies.map((a) => `- ⚠️ ${inline(a.message)}`), "None.");
  addSection(
    "## Totals",
    batch.communities.map((c) => `- ${inline(c.name)}: ${money(c.total)}${c.ready ? "" : " (not ready)"}`),
    "",
  );
  out.push(footer);
  return `${out.join("\n")}\n`;
}

function renderFull(batch: InvoiceBatch): string {
  const money = (cents: number) => formatMoneyForPeople(cents, batch.currency);
  const ready = batch.communities.filter((c) => c.ready).length;
  const out = renderHeader(batch, money);

  if (batch.communities.length === 0) {
    out.push("No community was in service during this month.");
    out.push("");
  }
  for (const community of batch.communities) out.push(...renderCommunity(community, money), "");

  if (batch.communities.length > 0) {
    out.push("## Totals", "", "| Community | Total | Ready |", "|---|---:|:---:|");
    for (const c of batch.communities) out.push(`| ${cell(c.name)} | ${money(c.total)} | ${c.ready ? "yes" : "no"} |`);
    out.push(`| **All communities** | **${money(batch.total)}** | ${ready}/${batch.communities.length} |`, "");

    out.push("## Readiness", "");
    for (const c of batch.communities) {
      out.push(`- [${c.ready ? "x" : " "}] ${inline(c.name)}${c.ready ? ": ready to invoice" : `: missing ${c.missing.join("; ")}`}`);
      for (const check of c.readiness) out.push(`  - [${check.met ? "x" : " "}] ${check.label}`);
    }
    out.push("");
  }

  out.push(...renderUnattributed(batch, money));
  out.push("## Anomalies", "");
  if (batch.anomalies.length === 0) out.push("None.");
  for (const anomaly of batch.anomalies) out.push(`- ⚠️ ${inline(anomaly.message)}`);
  out.push("");
  out.push(renderFooter(batch));
  return `${out.join("\n")}\n`;
}

function renderCommunity(c: CommunityInvoice, money: (cents: number) => string): string[] {
  const lines = [`## ${inline(c.name)}`, ""];
  const facts = [`${c.status}`, `tier ${c.tier ?? "none"}`];
  if (c.period) {
    facts.push(
      c.period.days === c.period.daysInMonth
        ? "served the whole month"
        : `served ${c.period.from} to ${c.period.to} (${c.period.days} of ${c.period.daysInMonth} days)`,
    );
  }
  facts.push(c.hubs.length > 0 ? `hubs ${c.hubs.join(", ")}` : "no hub");
  if (c.managedCloudBilling) facts.push("managed cloud billing");
  lines.push(inline(facts.join(" · ")), "");
  lines.push("| Item | Amount | Note |", "|---|---:|---|");
  for (const line of c.lineItems) lines.push(`| ${cell(line.item)} | ${money(line.amount)} | ${cell(line.note ?? "")} |`);
  lines.push(`| **Total** | **${money(c.total)}** | |`);
  return lines;
}

/** Table cells: a `|` or a line break would end the cell or the row. */
/** Names come from the table: one line, escaped (`escapeMarkdown` also escapes `|` for table cells). */
const cell = escapeMarkdown;
const inline = escapeMarkdown;

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
