import type { CalendarMonth } from "../domain/calendar-date.js";
import type { LeadStore } from "../store/lead-store.js";
import { buildInvoiceBatch } from "./build-invoice-batch.js";
import type { InvoiceBatch, InvoicingConfig } from "./compute-invoice-batch.js";
import {
  readInvoiceSendRecord,
  sendInvoiceBatch,
  writeInvoiceOutbox,
  type InvoiceOutboxFiles,
  type InvoiceSendRecord,
  type SendInvoiceBatchResult,
} from "./invoice-outbox.js";
import { renderInvoiceCsv } from "./render-invoice-csv.js";
import { renderInvoiceEmail, type InvoiceEmail } from "./render-invoice-email.js";
import { renderInvoiceMarkdown } from "./render-invoice-markdown.js";

export interface RunInvoiceBatchInput {
  store: LeadStore;
  config: InvoicingConfig;
  month: CalendarMonth;
  outboxDir: string;
  /** Send over SMTP (needs `smtpUrl`); otherwise the batch is only written to the outbox. */
  send: boolean;
  resend?: boolean;
  smtpUrl?: string | null;
  from?: string;
  now?: () => Date;
}

export interface RunInvoiceBatchResult {
  batch: InvoiceBatch;
  files: InvoiceOutboxFiles;
  email: InvoiceEmail;
  /** The send of this run, or null when it did not send. */
  sent: SendInvoiceBatchResult | null;
  /** The month's send record before this run (to tell people it was sent already). */
  previousSend: InvoiceSendRecord | null;
}

export class SmtpNotConfiguredError extends Error {
  constructor() {
    super("sending needs SMTP_URL (e.g. smtp://user:password@mail.example.org:587); without it the batch is only written to the outbox");
    this.name = "SmtpNotConfiguredError";
  }
}

/**
 * One month's batch end to end: compute from the store, write Markdown, CSV and `.eml` to
 * the outbox, and send at most once when asked. What the CLI `invoice` command runs.
 */
export async function runInvoiceBatch(input: RunInvoiceBatchInput): Promise<RunInvoiceBatchResult> {
  const smtpUrl = input.smtpUrl?.trim() || null;
  // Refuse before any work so a missing setting never looks like a sent batch.
  if (input.send && smtpUrl === null) throw new SmtpNotConfiguredError();
  const now = input.now ?? (() => new Date());

  const batch = await buildInvoiceBatch({ store: input.store, config: input.config, month: input.month });
  const email = await renderInvoiceEmail({ batch, config: input.config, from: input.from, date: now() });
  const files = await writeInvoiceOutbox({
    outboxDir: input.outboxDir,
    month: input.month,
    markdown: renderInvoiceMarkdown(batch),
    csv: renderInvoiceCsv(batch),
    email,
  });
  const previousSend = await readInvoiceSendRecord(input.store, input.month);
  const sent =
    input.send && smtpUrl !== null
      ? await sendInvoiceBatch({ store: input.store, month: input.month, email, smtpUrl, resend: input.resend, now })
      : null;
  return { batch, files, email, sent, previousSend };
}
