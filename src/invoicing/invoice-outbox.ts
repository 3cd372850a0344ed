import { randomUUID } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { createTransport } from "nodemailer";
import type { SMTPSentMessageInfo } from "nodemailer/lib/smtp-transport";
import { z } from "zod";
import { isCalendarMonth, type CalendarMonth } from "../domain/calendar-date.js";
import type { LeadStore } from "../store/lead-store.js";
import { InvalidMonthError } from "./compute-invoice-batch.js";
import { invoiceFileBase } from "./format-month.js";
import type { InvoiceEmail } from "./render-invoice-email.js";

export const DEFAULT_OUTBOX = "data/outbox";

/** `HUB_SALES_OUTBOX`, default `data/outbox` (SPEC §7), resolved against the working directory. */
export function outboxDirFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const value = env.HUB_SALES_OUTBOX?.trim();
  return resolve(value ? value : DEFAULT_OUTBOX);
}

export interface InvoiceOutboxFiles {
  dir: string;
  markdown: string;
  csv: string;
  eml: string;
}

/**
 * Writes the batch to `<outbox>/<YYYY-MM>/invoices-YYYY-MM.{md,csv,eml}`. Each file is
 * written beside and renamed into place, so a reader never sees half a file and a re-run
 * replaces the previous batch whole.
 */
export async function writeInvoiceOutbox(input: {
  outboxDir: string;
  month: CalendarMonth;
  markdown: string;
  csv: string;
  email: Pick<InvoiceEmail, "raw">;
}): Promise<InvoiceOutboxFiles> {
  if (!isCalendarMonth(input.month)) throw new InvalidMonthError(input.month);
  const dir = join(input.outboxDir, input.month);
  await mkdir(dir, { recursive: true });
  const base = join(dir, invoiceFileBase(input.month));
  const files: InvoiceOutboxFiles = { dir, markdown: `${base}.md`, csv: `${base}.csv`, eml: `${base}.eml` };
  await writeAtomically(files.markdown, input.markdown);
  await writeAtomically(files.csv, input.csv);
  await writeAtomically(files.eml, input.email.raw);
  return files;
}

async function writeAtomically(path: string, data: string | Buffer): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}

/** Store key of a month's send record. */
export function invoiceSentKey(month: CalendarMonth): string {
  return `invoice-sent:${month}`;
}

const sendRecordSchema = z.object({
  status: z.enum(["sending", "sent"]),
  startedAt: z.string(),
  sentAt: z.string().nullable(),
  messageId: z.string(),
  to: z.array(z.string()),
  /** How many sends before this one (0 for the first). */
  resends: z.number().int().min(0),
  response: z.string().nullable(),
});
export type InvoiceSendRecord = z.infer<typeof sendRecordSchema>;

/** Reads the month's send record, or null; a record that does not parse is reported, not ignored. */
export async function readInvoiceSendRecord(store: LeadStore, month: CalendarMonth): Promise<InvoiceSendRecord | null> {
  const value = await store.getState(invoiceSentKey(month));
  if (value === null) return null;
  const parsed = sendRecordSchema.safeParse(value);
  if (!parsed.success) {
    throw new Error(
      `the store's ${invoiceSentKey(month)} record is not a send record (${parsed.error.issues[0]?.message}); inspect it before sending`,
    );
  }
  return parsed.data;
}

export class InvoiceAlreadySentError extends Error {
  constructor(
    readonly month: CalendarMonth,
    readonly record: InvoiceSendRecord | null,
  ) {
    super(
      record?.status === "sending"
        ? `the ${month} invoices are being sent by another run (started ${record.startedAt}), or a run stopped mid-send; check the mailbox, then use --resend to send again`
        : `the ${month} invoices were already sent${record?.sentAt ? ` on ${record.sentAt}` : ""}${
            record ? ` (Message-ID ${record.messageId})` : ""
          }; use --resend to send them again`,
    );
    this.name = "InvoiceAlreadySentError";
  }
}

export class InvoiceSendError extends Error {
  constructor(
    readonly month: CalendarMonth,
    cause: unknown,
  ) {
    super(
      `sending the ${month} invoices failed: ${cause instanceof Error ? cause.message : String(cause)}; the send claim was released, so running again will retry`,
      { cause },
    );
    this.name = "InvoiceSendError";
  }
}

export class InvalidSmtpUrlError extends Error {
  constructor(reason: string) {
    super(`SMTP_URL ${reason}; use smtp://[user:password@]host[:port] or smtps://…, e.g. smtp://mail.example.org:587`);
    this.name = "InvalidSmtpUrlError";
  }
}

/** Checks `SMTP_URL` before anything is claimed, so a typo does not block the month. */
export function parseSmtpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new InvalidSmtpUrlError("is not a URL");
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") {
    throw new InvalidSmtpUrlError(`has protocol "${url.protocol}"`);
  }
  if (url.hostname === "") throw new InvalidSmtpUrlError("has no host");
  return url.toString();
}

export interface SendInvoiceBatchInput {
  store: LeadStore;
  month: CalendarMonth;
  email: InvoiceEmail;
  smtpUrl: string;
  /** Send even though the month was sent before. */
  resend?: boolean;
  now?: () => Date;
}

export interface SendInvoiceBatchResult {
  record: InvoiceSendRecord;
  /** Recipients the server accepted and rejected. */
  accepted: string[];
  rejected: string[];
}

/**
 * Sends the month's email over SMTP at most once: the store's atomic `claimState` decides
 * which of two racing runs sends. A failed send releases the claim (or restores the
 * previous record on a resend) so a retry can send. A run that dies mid-send leaves the
 * claim in place: whether the mail left is unknown, so a person decides (`--resend`).
 */
export async function sendInvoiceBatch(input: SendInvoiceBatchInput): Promise<SendInvoiceBatchResult> {
  const { store, month, email } = input;
  if (!isCalendarMonth(month)) throw new InvalidMonthError(month);
  const smtpUrl = parseSmtpUrl(input.smtpUrl);
  const now = input.now ?? (() => new Date());
  const key = invoiceSentKey(month);

  const previous = await readInvoiceSendRecord(store, month);
  const record: InvoiceSendRecord = {
    status: "sending",
    startedAt: now().toISOString(),
    sentAt: null,
    messageId: email.messageId,
    to: email.envelope.to,
    resends: previous ? previous.resends + 1 : 0,
    response: null,
  };
  if (input.resend && previous) {
    await store.setState(key, record);
  } else if (!(await store.claimState(key, record))) {
    throw new InvoiceAlreadySentError(month, await readInvoiceSendRecord(store, month));
  }

  const transport = createTransport(smtpUrl);
  let info: SMTPSentMessageInfo;
  try {
    info = await transport.sendMail({ raw: email.raw, envelope: email.envelope });
  } catch (error) {
    if (input.resend && previous) await store.setState(key, previous);
    else await store.deleteState(key);
    throw new InvoiceSendError(month, error);
  } finally {
    transport.close();
  }
  // The mail has left: should recording fail now, the claim ("sending") stays and still
  // blocks a duplicate, which is the safe side.
  const sent: InvoiceSendRecord = {
    ...record,
    status: "sent",
    sentAt: now().toISOString(),
    response: typeof info.response === "string" ? info.response : null,
  };
  await store.setState(key, sent);
  return {
    record: sent,
    accepted: (info.accepted ?? []).map(String),
    rejected: (info.rejected ?? []).map(String),
  };
}
