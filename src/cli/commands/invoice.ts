import { z } from "zod";
import { isCalendarMonth } from "../../domain/calendar-date.js";
import { formatMoneyForPeople } from "../../domain/money.js";
import { InvoiceAlreadySentError, InvoiceSendError, InvalidSmtpUrlError, outboxDirFromEnv } from "../../invoicing/invoice-outbox.js";
import { runInvoiceBatch, SmtpNotConfiguredError } from "../../invoicing/run-invoice-batch.js";
import { CliError, EXIT_OK, type CliCommand } from "../cli-command.js";
import { readSmtpFrom } from "../../config/operator-settings.js";

const args = z.object({
  month: z
    .string({ message: "is required, e.g. --month 2026-03" })
    .refine(isCalendarMonth, { message: "must be a month as YYYY-MM, e.g. 2026-03" }),
  send: z.boolean().optional().default(false),
  resend: z.boolean().optional().default(false),
});

export const invoiceCommand: CliCommand<z.output<typeof args>> = {
  name: "invoice",
  description: "Build a month's invoice batch: Markdown, CSV and email in the outbox; send it with --send",
  details: [
    "Writes invoices-YYYY-MM.md, .csv and .eml to $HUB_SALES_OUTBOX/YYYY-MM/ (default data/outbox).",
    "--send mails the batch over SMTP_URL to the configured operations address (cc partnerships),",
    "once per month: a second --send is refused; --resend sends again (and implies --send).",
    "SMTP_FROM sets the sender (default: the first cc address).",
    "Exit 0 done, 1 refused or failed (already sent, no SMTP_URL, SMTP error), 2 bad usage.",
  ].join("\n"),
  positionals: [],
  options: {
    month: { type: "string", valueName: "YYYY-MM", description: "the month to invoice" },
    send: { type: "boolean", description: "send the email over SMTP_URL (once per month)" },
    resend: { type: "boolean", description: "send again although the month was sent" },
  },
  examples: ["invoice --month 2026-03", "invoice --month 2026-03 --send", "invoice --month 2026-03 --resend"],
  args,
  async run({ month, send: sendAsked, resend }, ctx) {
    const env = ctx.io.env;
    const send = sendAsked || resend;
    const smtpUrl = env.SMTP_URL?.trim() || null;
    let from: string | null;
    try {
      from = readSmtpFrom(env);
    } catch (error) {
      throw new CliError(`${(error as Error).message}; nothing was sent`);
    }
    if (send && smtpUrl === null) {
      throw new CliError("--send needs SMTP_URL (e.g. smtp://user:password@mail.example.org:587); nothing was sent");
    }
    // Money: by the configuration the server uses (HUB_SALES_CONFIG, else the sales repo's), never the defaults.
    const config = await ctx.fullConfig();
    const store = await ctx.store();
    ctx.progress(`building the ${month} invoice batch…`);
    let result;
    try {
      result = await runInvoiceBatch({
        store,
        config,
        month,
        outboxDir: outboxDirFromEnv(env),
        send,
        resend,
        smtpUrl,
        from: from ?? undefined,
        now: ctx.io.now,
      });
    } catch (error) {
      if (
        error instanceof InvoiceAlreadySentError ||
        error instanceof InvoiceSendError ||
        error instanceof InvalidSmtpUrlError ||
        error instanceof SmtpNotConfiguredError
      ) {
        throw new CliError(error.message);
      }
      throw error;
    }

    const { batch, files, sent, previousSend } = result;
    const money = (cents: number) => formatMoneyForPeople(cents, batch.currency);
    const ready = batch.communities.filter((c) => c.ready).length;
    ctx.out(
      `Invoices ${batch.month}: ${batch.communities.length} ${batch.communities.length === 1 ? "community" : "communities"}, total ${money(batch.total)}, ${ready} ready to invoice`,
    );
    for (const c of batch.communities) {
      ctx.out(`  ${c.name}: ${money(c.total)}${c.ready ? "" : ` (not ready: missing ${c.missing.join("; ")})`}`);
    }
    for (const anomaly of batch.anomalies) ctx.out(`  anomaly: ${anomaly.message}`);
    ctx.out(`wrote ${files.markdown}`);
    ctx.out(`wrote ${files.csv}`);
    ctx.out(`wrote ${files.eml}`);
    if (sent) {
      ctx.out(`sent to ${sent.record.to.join(", ")} (Message-ID ${sent.record.messageId})`);
      if (sent.rejected.length > 0) ctx.err(`the SMTP server rejected: ${sent.rejected.join(", ")}`);
    } else if (previousSend) {
      ctx.out(
        `not sent: already ${previousSend.status === "sent" ? `sent on ${previousSend.sentAt}` : `being sent since ${previousSend.startedAt}`}; --resend sends again`,
      );
    } else {
      ctx.out("not sent: use --send (with SMTP_URL set) to mail it");
    }
    return EXIT_OK;
  },
};
