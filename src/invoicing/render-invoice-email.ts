import MailComposer from "nodemailer/lib/mail-composer";
import { formatMoneyForPeople } from "../domain/money.js";
import type { InvoiceBatch } from "./compute-invoice-batch.js";
import type { InvoicingConfig } from "./compute-invoice-batch.js";
import { formatMonth, invoiceFileBase } from "./format-month.js";
import { renderInvoiceCsv } from "./render-invoice-csv.js";

export interface InvoiceEmail {
  /** The whole RFC 5322 message, CRLF line ends: what the `.eml` file holds and SMTP sends. */
  raw: Buffer;
  /** SMTP envelope: `from` and every To and Cc recipient. */
  envelope: { from: string; to: string[] };
  subject: string;
  messageId: string;
  attachmentName: string;
}

export interface RenderInvoiceEmailInput {
  batch: InvoiceBatch;
  config: Pick<InvoicingConfig, "invoicing">;
  /** Sender; defaults to the partnerships address (the first cc), else the operations address. */
  from?: string;
  /** Fixed in tests; the current time otherwise. */
  date?: Date;
}

export function invoiceEmailSubject(batch: Pick<InvoiceBatch, "month">): string {
  return `Invoices ${formatMonth(batch.month)} — managed hub service`;
}

/** The plain-text body: every community's line items, its total and whether it is ready. */
export function renderInvoiceEmailText(batch: InvoiceBatch): string {
  const money = (cents: number) => formatMoneyForPeople(cents, batch.currency);
  const monthName = formatMonth(batch.month);
  const width = Math.max(24, ...batch.communities.flatMap((c) => c.lineItems.map((l) => l.item.length + 2)));
  const row = (label: string, cents: number) => `  ${label.padEnd(width)}${money(cents).padStart(18)}`;
  const out: string[] = ["Hello,", ""];
  if (batch.communities.length === 0) {
    out.push(`No community was in managed hub service during ${monthName}: there is nothing to invoice.`);
  } else {
    const ready = batch.communities.filter((c) => c.ready).length;
    out.push(
      `Here are the managed hub service line items for ${monthName}, in ${batch.currency}. The same items are attached as ${invoiceFileBase(batch.month)}.csv.`,
    );
    if (ready < batch.communities.length) {
      out.push(
        "",
        `${ready} of ${batch.communities.length} communities are ready to invoice; please hold the others until the missing items named below arrive.`,
      );
    }
    for (const c of batch.communities) {
      out.push("", `${c.name.replace(/[\r\n]+/g, " ")}${c.ready ? "" : ` (NOT READY: missing ${c.missing.map(withoutCommandHint).join("; ")})`}`);
      for (const line of c.lineItems) out.push(row(line.item, line.amount) + (line.note ? `  (${line.note})` : ""));
      out.push(row("Total", c.total));
    }
    out.push("", `Total for ${monthName}: ${money(batch.total)}`);
  }
  out.push("", "Thank you,", "hub-sales-bot, on behalf of the partnerships team", "");
  return out.join("\n");
}

/** The sponsor has no use for the team's GitHub command hints: "(`/delivered month=…`)". */
function withoutCommandHint(label: string): string {
  return label.replace(/ \(`[^`]*`\)/g, "");
}

/**
 * The email to the fiscal sponsor (SPEC §6), built with nodemailer's MailComposer so the
 * same bytes are written to the outbox and sent over SMTP.
 */
export async function renderInvoiceEmail(input: RenderInvoiceEmailInput): Promise<InvoiceEmail> {
  const { batch, config } = input;
  const to = config.invoicing.to;
  const cc = config.invoicing.cc;
  const from = input.from ?? cc[0] ?? to;
  const subject = invoiceEmailSubject(batch);
  const attachmentName = `${invoiceFileBase(batch.month)}.csv`;
  const mail = new MailComposer({
    from,
    to,
    cc,
    subject,
    date: input.date ?? new Date(),
    text: renderInvoiceEmailText(batch),
    attachments: [{ filename: attachmentName, content: renderInvoiceCsv(batch), contentType: "text/csv; charset=utf-8" }],
    // Everything is in memory: refuse file or URL content should a field ever carry one.
    disableFileAccess: true,
    disableUrlAccess: true,
    newline: "win",
  });
  const node = mail.compile();
  const envelope = node.getEnvelope();
  const raw = await node.build();
  return {
    raw,
    envelope: { from: envelope.from === false ? from : envelope.from, to: envelope.to },
    subject,
    messageId: node.messageId(),
    attachmentName,
  };
}
