import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { computeInvoiceBatch } from "../../src/invoicing/compute-invoice-batch.js";
import {
  InvalidSmtpUrlError,
  InvoiceAlreadySentError,
  InvoiceSendError,
  invoiceSentKey,
  outboxDirFromEnv,
  readInvoiceSendRecord,
  sendInvoiceBatch,
  writeInvoiceOutbox,
} from "../../src/invoicing/invoice-outbox.js";
import { renderInvoiceEmail, type InvoiceEmail } from "../../src/invoicing/render-invoice-email.js";
import { runInvoiceBatch, SmtpNotConfiguredError } from "../../src/invoicing/run-invoice-batch.js";
import { FakeLeadStore } from "./fake-lead-store.js";
import { cost, hub, invoicingConfig, serviceLead } from "./invoice-fixtures.js";
import { startSmtpTestServer } from "./smtp-test-server.js";

const config = invoicingConfig();
const leads = [serviceLead("l1", "Alpha", { managedCloudBilling: true })];
const hubs = [hub("alpha", "l1")];
const costs = [cost("alpha", 4321)];

async function sampleEmail(): Promise<InvoiceEmail> {
  const batch = computeInvoiceBatch({ month: "2026-03", config, leads, hubs, costs, confirmations: [] });
  return renderInvoiceEmail({ batch, config });
}

let dir: string;
let smtp: Awaited<ReturnType<typeof startSmtpTestServer>>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "invoice-outbox-"));
  smtp = await startSmtpTestServer();
});

afterEach(async () => {
  await smtp.close();
  await rm(dir, { recursive: true, force: true });
});

describe("writeInvoiceOutbox", () => {
  it("writes Markdown, CSV and .eml under <outbox>/<month>/, replacing a previous run whole", async () => {
    const email = await sampleEmail();
    const files = await writeInvoiceOutbox({ outboxDir: dir, month: "2026-03", markdown: "# md", csv: "a,b\r\n", email });
    expect(files.dir).toBe(join(dir, "2026-03"));
    expect(await readFile(files.markdown, "utf8")).toBe("# md");
    expect(await readFile(files.csv, "utf8")).toBe("a,b\r\n");
    expect(Buffer.compare(await readFile(files.eml), email.raw)).toBe(0);

    await writeInvoiceOutbox({ outboxDir: dir, month: "2026-03", markdown: "# md 2", csv: "c\r\n", email });
    expect(await readFile(files.markdown, "utf8")).toBe("# md 2");
    expect((await readdir(files.dir)).sort()).toEqual(["invoices-2026-03.csv", "invoices-2026-03.eml", "invoices-2026-03.md"]);
  });

  it("refuses a bad month rather than writing to a strange folder", async () => {
    const email = await sampleEmail();
    await expect(writeInvoiceOutbox({ outboxDir: dir, month: "../x", markdown: "", csv: "", email })).rejects.toThrow(/YYYY-MM/);
  });

  it("reads HUB_SALES_OUTBOX, default data/outbox", () => {
    expect(outboxDirFromEnv({ HUB_SALES_OUTBOX: "/srv/outbox" })).toBe("/srv/outbox");
    expect(outboxDirFromEnv({})).toBe(join(process.cwd(), "data/outbox"));
  });
});

describe("sendInvoiceBatch", () => {
  it("delivers the message over SMTP_URL to the operations address, cc partnerships, and records it", async () => {
    const store = new FakeLeadStore();
    const email = await sampleEmail();
    const result = await sendInvoiceBatch({
      store: store.asLeadStore(),
      month: "2026-03",
      email,
      smtpUrl: smtp.url,
      now: () => new Date("2026-03-31T20:00:00Z"),
    });
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.from).toBe("partnerships@2i2c.org");
    expect(mail.to).toEqual(["operations@codeforsociety.org", "partnerships@2i2c.org"]);
    const parsed = await simpleParser(mail.raw);
    expect(parsed.subject).toBe("Invoices March 2026 — managed hub service");
    expect(parsed.attachments[0]?.filename).toBe("invoices-2026-03.csv");
    expect(parsed.attachments[0]?.content.toString()).toContain("Alpha,Cloud costs — 2026-03,43.21,USD");

    expect(result.accepted).toEqual(["operations@codeforsociety.org", "partnerships@2i2c.org"]);
    expect(await readInvoiceSendRecord(store.asLeadStore(), "2026-03")).toMatchObject({
      status: "sent",
      sentAt: "2026-03-31T20:00:00.000Z",
      messageId: email.messageId,
      resends: 0,
    });
  });

  it("never sends a month twice without resend; resend sends again and counts it", async () => {
    const store = new FakeLeadStore().asLeadStore();
    const email = await sampleEmail();
    await sendInvoiceBatch({ store, month: "2026-03", email, smtpUrl: smtp.url });
    const second = sendInvoiceBatch({ store, month: "2026-03", email, smtpUrl: smtp.url });
    await expect(second).rejects.toBeInstanceOf(InvoiceAlreadySentError);
    await expect(second).rejects.toThrow(/already sent on .*use --resend/);
    expect(smtp.received).toHaveLength(1);

    const again = await sendInvoiceBatch({ store, month: "2026-03", email, smtpUrl: smtp.url, resend: true });
    expect(smtp.received).toHaveLength(2);
    expect(again.record).toMatchObject({ status: "sent", resends: 1 });
    // Another month is independent.
    await sendInvoiceBatch({ store, month: "2026-04", email, smtpUrl: smtp.url });
    expect(smtp.received).toHaveLength(3);
  });

  it("sends once when two runs race", async () => {
    const store = new FakeLeadStore().asLeadStore();
    const email = await sampleEmail();
    const results = await Promise.allSettled(
      [1, 2, 3].map(() => sendInvoiceBatch({ store, month: "2026-03", email, smtpUrl: smtp.url })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(refused).toHaveLength(2);
    for (const r of refused) expect(r.reason).toBeInstanceOf(InvoiceAlreadySentError);
    expect(smtp.received).toHaveLength(1);
  });

  it("releases the claim when the SMTP server refuses, so a retry sends", async () => {
    const fake = new FakeLeadStore();
    const store = fake.asLeadStore();
    const email = await sampleEmail();
    smtp.failNext = { message: "mailbox busy", code: 451 };
    const failed = sendInvoiceBatch({ store, month: "2026-03", email, smtpUrl: smtp.url });
    await expect(failed).rejects.toBeInstanceOf(InvoiceSendError);
    await expect(failed).rejects.toThrow(/claim was released, so running again will retry/);
    expect(fake.state.has(invoiceSentKey("2026-03"))).toBe(false);
    expect(smtp.received).toHaveLength(0);

    await sendInvoiceBatch({ store, month: "2026-03", email, smtpUrl: smtp.url });
    expect(smtp.received).toHaveLength(1);
  });

  it("keeps the previous record when a resend fails", async () => {
    const store = new FakeLeadStore().asLeadStore();
    const email = await sampleEmail();
    await sendInvoiceBatch({ store, month: "2026-03", email, smtpUrl: smtp.url });
    const before = await readInvoiceSendRecord(store, "2026-03");
    smtp.failNext = { message: "try later", code: 451 };
    await expect(sendInvoiceBatch({ store, month: "2026-03", email, smtpUrl: smtp.url, resend: true })).rejects.toBeInstanceOf(
      InvoiceSendError,
    );
    expect(await readInvoiceSendRecord(store, "2026-03")).toEqual(before);
  });

  it("releases the claim when the server cannot be reached", async () => {
    const fake = new FakeLeadStore();
    const email = await sampleEmail();
    const closed = smtp.url;
    await smtp.close();
    smtp = await startSmtpTestServer(); // for afterEach
    await expect(sendInvoiceBatch({ store: fake.asLeadStore(), month: "2026-03", email, smtpUrl: closed })).rejects.toBeInstanceOf(
      InvoiceSendError,
    );
    expect(fake.state.size).toBe(0);
  });

  it("treats a send that never finished (a crash) as possibly sent: refused without resend", async () => {
    const fake = new FakeLeadStore();
    const email = await sampleEmail();
    fake.state.set(invoiceSentKey("2026-03"), {
      status: "sending",
      startedAt: "2026-03-31T20:00:00.000Z",
      sentAt: null,
      messageId: "<x@y>",
      to: [],
      resends: 0,
      response: null,
    });
    await expect(sendInvoiceBatch({ store: fake.asLeadStore(), month: "2026-03", email, smtpUrl: smtp.url })).rejects.toThrow(
      /stopped mid-send; check the mailbox, then use --resend/,
    );
    expect(smtp.received).toHaveLength(0);
  });

  it("rejects a bad SMTP_URL before claiming anything", async () => {
    const fake = new FakeLeadStore();
    const email = await sampleEmail();
    for (const url of ["http://mail.example.org", "not a url", "smtp://"]) {
      await expect(sendInvoiceBatch({ store: fake.asLeadStore(), month: "2026-03", email, smtpUrl: url })).rejects.toBeInstanceOf(
        InvalidSmtpUrlError,
      );
    }
    expect(fake.stateWrites).toEqual([]);
  });
});

describe("runInvoiceBatch", () => {
  it("writes the outbox and sends once; a second run writes but does not send", async () => {
    const store = new FakeLeadStore({ leads, hubs, costs }).asLeadStore();
    const first = await runInvoiceBatch({ store, config, month: "2026-03", outboxDir: dir, send: true, smtpUrl: smtp.url });
    expect(first.sent?.record.status).toBe("sent");
    expect(first.previousSend).toBeNull();
    expect(first.batch.total).toBe(150000 + 4321);
    expect(await readFile(first.files.csv, "utf8")).toContain("43.21");
    const eml = await simpleParser(await readFile(first.files.eml));
    expect(eml.subject).toBe("Invoices March 2026 — managed hub service");

    const second = await runInvoiceBatch({ store, config, month: "2026-03", outboxDir: dir, send: false, smtpUrl: smtp.url });
    expect(second.sent).toBeNull();
    expect(second.previousSend?.status).toBe("sent");
    await expect(
      runInvoiceBatch({ store, config, month: "2026-03", outboxDir: dir, send: true, smtpUrl: smtp.url }),
    ).rejects.toBeInstanceOf(InvoiceAlreadySentError);
    expect(smtp.received).toHaveLength(1);
  });

  it("refuses --send without SMTP_URL before writing anything", async () => {
    const store = new FakeLeadStore({ leads, hubs, costs }).asLeadStore();
    await expect(runInvoiceBatch({ store, config, month: "2026-03", outboxDir: dir, send: true, smtpUrl: null })).rejects.toBeInstanceOf(
      SmtpNotConfiguredError,
    );
    expect(await readdir(dir)).toEqual([]);
  });
});
