import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { simpleParser } from "mailparser";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { CLI_COMMANDS } from "../../src/cli/command-registry.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";
import { cost, delivered, hub, serviceLead } from "./invoice-fixtures.js";
import { startSmtpTestServer } from "./smtp-test-server.js";

function withoutId<T extends { id: string }>(record: T): Omit<T, "id"> {
  const { id: _id, ...fields } = record;
  return fields;
}

let dir: string;
let dbPath: string;
let smtp: Awaited<ReturnType<typeof startSmtpTestServer>>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "invoice-cli-"));
  dbPath = join(dir, "hub-sales.db");
  smtp = await startSmtpTestServer();
  const store = SqliteLeadStore.open(dbPath);
  const a = await store.createLead(withoutId(serviceLead("-", "Alpha", { managedCloudBilling: true, contract: null })));
  const b = await store.createLead(withoutId(serviceLead("-", "Beta, Inc.", { serviceTier: "Education" })));
  await store.createHub(withoutId(hub("alpha", a.id)));
  await store.createHub(withoutId(hub("beta", b.id)));
  await store.upsertCloudCosts([cost("alpha", 12345), cost("alpha", 111, "2026-02")]);
  await store.recordDeliveryConfirmation(delivered(a.id));
  await store.close();
});

afterEach(async () => {
  await smtp.close();
  await rm(dir, { recursive: true, force: true });
});

function cli(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    stdout: { write: (t: string) => out.push(t) },
    stderr: { write: (t: string) => err.push(t) },
    env: { HUB_SALES_DB: dbPath, HUB_SALES_OUTBOX: join(dir, "outbox"), HUB_SALES_CONFIG: "examples/hub-sales.yml", ...env },
    now: () => new Date("2026-03-31T18:00:00Z"),
  };
  return runCli(argv, io).then((code) => ({ code, stdout: out.join(""), stderr: err.join("") }));
}

describe("hub-sales invoice", () => {
  it("is registered", () => {
    expect(CLI_COMMANDS.get("invoice")?.name).toBe("invoice");
  });

  it("writes the outbox files and prints a summary, without sending", async () => {
    const result = await cli(["invoice", "--month", "2026-03"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Invoices 2026-03: 2 communities, total USD 2,623.45, 2 ready to invoice");
    expect(result.stdout).toContain("  Alpha: USD 1,623.45");
    expect(result.stdout).toContain("not sent: use --send");
    const monthDir = join(dir, "outbox", "2026-03");
    expect((await readdir(monthDir)).sort()).toEqual(["invoices-2026-03.csv", "invoices-2026-03.eml", "invoices-2026-03.md"]);
    const rows = parseCsv(await readFile(join(monthDir, "invoices-2026-03.csv")), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.community, r.item, r.amount])).toEqual([
      ["Alpha", "Managed hub operations fee — Research", "1500.00"],
      ["Alpha", "Cloud costs — 2026-03", "123.45"],
      ["Beta, Inc.", "Managed hub operations fee — Education", "1000.00"],
    ]);
    expect(smtp.received).toHaveLength(0);
  });

  it("--send mails once over SMTP_URL; a second --send is refused; --resend sends again", async () => {
    const first = await cli(["invoice", "--month", "2026-03", "--send"], { SMTP_URL: smtp.url });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("sent to operations@codeforsociety.org, partnerships@2i2c.org");
    expect(smtp.received).toHaveLength(1);
    const parsed = await simpleParser(smtp.received[0]!.raw);
    expect(parsed.subject).toBe("Invoices March 2026 — managed hub service");
    expect(parsed.date?.toISOString()).toBe("2026-03-31T18:00:00.000Z");

    const second = await cli(["invoice", "--month", "2026-03", "--send"], { SMTP_URL: smtp.url });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^hub-sales: the 2026-03 invoices were already sent on .*use --resend/);
    expect(smtp.received).toHaveLength(1);

    const plain = await cli(["invoice", "--month", "2026-03"], { SMTP_URL: smtp.url });
    expect(plain.stdout).toContain("not sent: already sent on");

    const again = await cli(["invoice", "--month", "2026-03", "--resend"], { SMTP_URL: smtp.url, SMTP_FROM: "bot@example.org" });
    expect(again.code).toBe(0);
    expect(smtp.received).toHaveLength(2);
    expect(smtp.received[1]!.from).toBe("bot@example.org");
  });

  it("two racing CLI runs on the same database send once", async () => {
    const results = await Promise.all([1, 2].map(() => cli(["invoice", "--month", "2026-03", "--send"], { SMTP_URL: smtp.url })));
    expect(results.map((r) => r.code).sort()).toEqual([0, 1]);
    expect(smtp.received).toHaveLength(1);
  });

  it("--send without SMTP_URL is a clear error and nothing is written", async () => {
    const result = await cli(["invoice", "--month", "2026-03", "--send"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^hub-sales: --send needs SMTP_URL/);
    await expect(readdir(join(dir, "outbox"))).rejects.toThrow();
  });

  it("answers a missing or malformed --month with usage (exit 2)", async () => {
    const missing = await cli(["invoice"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--month: is required, e.g. --month 2026-03");
    expect(missing.stderr).toContain("Usage: hub-sales invoice [--month <YYYY-MM>] [--send] [--resend]");
    const bad = await cli(["invoice", "--month", "March"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--month: must be a month as YYYY-MM, e.g. 2026-03");
  });

  it("reports an SMTP failure as one line, exit 1, and a retry sends", async () => {
    smtp.failNext = { message: "greylisted, try again", code: 451 };
    const failed = await cli(["invoice", "--month", "2026-03", "--send"], { SMTP_URL: smtp.url });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^hub-sales: sending the 2026-03 invoices failed: .*greylisted.*running again will retry/);
    const retry = await cli(["invoice", "--month", "2026-03", "--send"], { SMTP_URL: smtp.url });
    expect(retry.code).toBe(0);
    expect(smtp.received).toHaveLength(1);
  });
});
