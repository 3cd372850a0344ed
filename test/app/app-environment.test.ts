import { describe, expect, it } from "vitest";
import { readAppEnvironment } from "../../src/app/app-environment.js";
import { CliSandbox } from "../cli/cli-sandbox.js";

/* Operator settings are validated at start, one clear line each (SPEC §7). */

const BASE = { HUB_SALES_REPO: "example-org/sales" };

describe("readAppEnvironment", () => {
  it("accepts good settings", () => {
    const read = readAppEnvironment({
      ...BASE,
      SMTP_FROM: "Partnerships <partnerships@2i2c.org>",
      SMTP_URL: "smtp://user:secret@mail.example.org:587",
      HUB_SALES_PUBLIC_URL: "https://bot.example.org",
    });
    expect(read).toMatchObject({ ok: true, environment: { smtpFrom: "Partnerships <partnerships@2i2c.org>", publicUrl: "https://bot.example.org" } });
    expect(readAppEnvironment({ ...BASE, SMTP_FROM: "partnerships@2i2c.org" }).ok).toBe(true);
  });

  it.each([
    ["SMTP_FROM with CR/LF", { SMTP_FROM: "ops@2i2c.org\r\nBcc: attacker@example.com" }, /^SMTP_FROM must be one address/],
    ["SMTP_FROM with a bare LF", { SMTP_FROM: "Ops <ops@2i2c.org>\nX-Evil: 1" }, /^SMTP_FROM must be one address/],
    ["SMTP_FROM with two addresses", { SMTP_FROM: "a@2i2c.org, b@2i2c.org" }, /^SMTP_FROM must be one address/],
    ["SMTP_URL that is not smtp", { SMTP_URL: "http://mail.example.org" }, /^SMTP_URL has protocol "http:"/],
    ["SMTP_URL that is not a URL", { SMTP_URL: "not a url" }, /^SMTP_URL is not a URL/],
    ["HUB_SALES_PUBLIC_URL that is not http(s)", { HUB_SALES_PUBLIC_URL: "ftp://bot.example.org" }, /^HUB_SALES_PUBLIC_URL must be an http\(s\) URL/],
    ["HUB_SALES_REPO with a space", { HUB_SALES_REPO: "example-org/sales repo" }, /^HUB_SALES_REPO must be "owner\/repo"/],
    ["HUB_SALES_REPO with an owner GitHub does not allow", { HUB_SALES_REPO: "-org/sales" }, /^HUB_SALES_REPO must be "owner\/repo"/],
  ])("refuses %s with one clear line", (_case, env, message) => {
    const read = readAppEnvironment({ ...BASE, ...env });
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.problems).toHaveLength(1);
    expect(read.problems[0]).toMatch(message);
    expect(read.problems[0]).not.toMatch(/\n/);
  });
});

describe("hub-sales invoice", () => {
  it("refuses an SMTP_FROM with CR/LF before writing or sending anything", async () => {
    const sandbox = new CliSandbox();
    try {
      sandbox.env = { SMTP_FROM: "ops@2i2c.org\r\nBcc: attacker@example.com", HUB_SALES_OUTBOX: `${sandbox.dir}/outbox` };
      const run = await sandbox.run("invoice", "--month", "2026-02");
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(/SMTP_FROM must be one address.*nothing was sent/);
    } finally {
      sandbox.remove();
    }
  });
});
