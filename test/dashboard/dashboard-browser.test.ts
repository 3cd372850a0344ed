import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import nock from "nock";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { failQueuedWork } from "../support/work-items.js";
import { startDashboardWorld, type DashboardWorld } from "./dashboard-world.js";

/**
 * The dashboard in a real Chromium (Debian's package, driven by playwright-core; no
 * browser download), signed in through the GitHub stand-in's OAuth pages like a person.
 * Screenshots go to test-output/screenshots (git-ignored); with UPDATE_DOCS_SCREENSHOTS=1
 * the pipeline and month-end ones are copied to docs/ for the README.
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SHOTS = join(ROOT, "test-output", "screenshots");
const MONTH = "2026-03";

let dw: DashboardWorld;
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  mkdirSync(SHOTS, { recursive: true });
  dw = await startDashboardWorld();
  profile = mkdtempSync(join(tmpdir(), "hub-sales-chromium-"));
  // A persistent context is how playwright gives Chromium a --user-data-dir: a fresh one per run.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1400, height: 900 },
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dw?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  nock.enableNetConnect();
}, 60_000);

async function shot(page: Page, name: string, docsName?: string): Promise<void> {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  if (docsName && process.env.UPDATE_DOCS_SCREENSHOTS === "1") copyFileSync(path, join(ROOT, "docs", docsName));
}

/** Opens a dashboard page signed out, follows "Sign in with GitHub" and authorizes in the stand-in as `login`. */
async function signInAs(login: string, path = "/hub-sales/dashboard"): Promise<Page> {
  await browser.clearCookies();
  const page = await browser.newPage();
  const first = await page.goto(`${dw.world.server.url}${path}`);
  expect(first?.status()).toBe(401);
  await page.getByRole("link", { name: "Sign in with GitHub" }).click();
  await page.waitForURL(/\/login\/oauth\/authorize/);
  await page.getByLabel("Sign in to the GitHub stand-in as").fill(login);
  await page.getByRole("button", { name: /Authorize/ }).click();
  await page.waitForLoadState("load");
  return page;
}

describe("the dashboard in Chromium", () => {
  it("signs a team member in through the stand-in and shows the pipeline", async () => {
    const page = await signInAs("alice");
    expect(new URL(page.url()).pathname).toBe("/hub-sales/dashboard");
    await expect(page.locator("h1").textContent()).resolves.toBe("Pipeline");
    await expect(page.getByText("Signed in as @alice")).toBeDefined();
    const columns = await page.locator("section.column h2").allTextContents();
    expect(columns.map((c) => c.replace(/\s+\d+$/, "").trim())).toEqual([
      "Active Lead",
      "Waiting",
      "Needs Admin",
      "Active Service",
      "Inactive Service",
      "Inactive Lead",
    ]);
    const card = page.locator("article.card", { hasText: "Open Genomics Lab, Inc." });
    await expect(card.textContent()).resolves.toContain("Research");
    await expect(card.textContent()).resolves.toContain("0 days in status");
    expect(await card.getByRole("link", { name: "lead issue" }).getAttribute("href")).toMatch(/\/example-org\/sales\/issues\/\d+$/);
    expect(await card.getByRole("link", { name: "request information" }).getAttribute("href")).toMatch(/\/example-org\/infrastructure\/issues\/\d+$/);
    await shot(page, "pipeline", "dashboard-pipeline.png");

    // Filter by status and search by name, without JavaScript: a plain GET form.
    await page.getByRole("checkbox", { name: "Needs Admin" }).check();
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/status=Needs\+Admin/);
    expect((await page.locator("section.column h2").allTextContents()).map((t) => t.trim())).toEqual(["Needs Admin 1"]);
    await page.goto(`${dw.world.server.url}/hub-sales/dashboard?q=coastal`);
    expect(await page.locator("article.card h3").allTextContents()).toEqual(["Coastal Climate Collective"]);
    await page.close();
  }, 60_000);

  it("opens a lead and reconciles it now; the action log shows what was done and why", async () => {
    const lead = (await dw.world.store.findLeadByName("Open Genomics Lab, Inc."))!;
    // A change in the table the app has not seen yet: reconcile now brings the lead issue up to date.
    await dw.world.store.updateLead(lead.id, { maniacT: { ...lead.maniacT, competition: "a university-run JupyterHub" } });
    const page = await signInAs("alice", `/hub-sales/dashboard/leads/${lead.id}`);
    await expect(page.locator("h1").textContent()).resolves.toBe("Open Genomics Lab, Inc.");
    await expect(page.locator("table.record").textContent()).resolves.toContain("it@opengenomics.example.com");
    await expect(page.locator(".checklist").textContent()).resolves.toContain("Competition: a university-run JupyterHub");
    await page.getByRole("button", { name: "Reconcile now" }).click();
    await page.waitForURL(/done=reconciled/);
    await expect(page.locator(".notice").textContent()).resolves.toMatch(/Reconciled just now: \d+ actions?/);
    const log = await page.locator("table.log").textContent();
    expect(log).toContain("update lead issue (body)");
    expect(log).toContain("dashboard: reconcile now by @alice");
    const issue = dw.world.github.issue("example-org/sales", Number(/(\d+)$/.exec(lead.leadIssue ?? (await dw.world.store.getLead(lead.id))!.leadIssue!)![1]));
    expect(issue?.body).toContain("a university-run JupyterHub");
    await shot(page, "lead");
    await page.close();
  }, 60_000);

  it("retries a failing item now; it runs and leaves the queue", async () => {
    const lead = (await dw.world.store.findLeadByName("Riverbend Community College"))!;
    const key = `lead:${lead.id}`;
    // Work with something to do: the follow-up date moved in the table.
    await dw.world.store.updateLead(lead.id, { followUpDate: "2026-04-20" });
    // The server's queue is paused so the test, not the server, records the failed attempt.
    await dw.world.server.runtime.queue.stop();
    await dw.world.store.enqueueWork(key, "test: a run that failed");
    // Backing off for an hour: only "retry now" runs it before then.
    await failQueuedWork(dw.world.store, key, "GitHub answered 502 Bad Gateway", new Date(Date.now() + 3_600_000));
    dw.world.server.runtime.queue.start();
    const page = await signInAs("alice", "/hub-sales/dashboard/work");
    const row = page.locator(`tr[data-key="${key}"]`);
    await expect(row.textContent()).resolves.toContain("GitHub answered 502 Bad Gateway");
    await shot(page, "work");
    await row.getByRole("button", { name: "Retry now" }).click();
    await page.waitForURL(/done=retried/);
    await dw.world.settle();
    expect((await dw.world.store.listWork()).map((w) => w.key)).not.toContain(key);
    await page.reload();
    expect(await page.locator(`tr[data-key="${key}"]`).count()).toBe(0);
    const logged = await dw.world.store.listLeadLog(lead.id, { limit: 50 });
    expect(logged.filter((e) => e.trigger.includes("dashboard: retry now by @alice")).map((e) => e.what)).toContain("update lead issue (body)");
    await page.close();
  }, 60_000);

  it("shows a month's preview whose totals equal the CLI batch", async () => {
    const page = await signInAs("alice", `/hub-sales/dashboard/invoices/${MONTH}`);
    await expect(page.locator("h1").textContent()).resolves.toBe("Invoices March 2026");
    const cli = await dw.cli("invoice", "--month", MONTH);
    expect(cli.code).toBe(0);
    // "Invoices 2026-03: 2 communities, total USD 11,339.65, 2 ready to invoice"
    const total = /total (USD [\d,]+\.\d\d)/.exec(cli.stdout)![1]!;
    await expect(page.locator(".totals .big strong").textContent()).resolves.toBe(total);
    for (const line of cli.stdout.split("\n").filter((l) => /^ {2}[^ ].*: USD /.test(l) && !l.startsWith("  anomaly"))) {
      const [, name, amount] = /^ {2}(.+): (USD [\d,]+\.\d\d)/.exec(line)!;
      const section = page.locator("section.community", { has: page.getByRole("heading", { name: new RegExp(`^${name!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`) }) });
      await expect(section.locator("tr.sum td.num").textContent()).resolves.toBe(amount);
    }
    expect(await page.locator("svg rect.bar").count()).toBe(12);
    expect(await page.locator("svg rect.bar.current").count()).toBe(1);
    const csv = await page.request.get(`${dw.world.server.url}/hub-sales/dashboard/invoices/${MONTH}.csv`);
    expect(csv.status()).toBe(200);
    expect(await csv.text()).toContain("month,community,item,amount,currency");
    await shot(page, "month-end", "dashboard-month-end.png");
    await page.close();
  }, 60_000);

  it("refuses an outsider: a page says who may sign in, and no session is made", async () => {
    const page = await signInAs("bob");
    await expect(page.locator("h1").textContent()).resolves.toBe("Not allowed");
    await expect(page.locator("main").textContent()).resolves.toContain("@bob, the dashboard is only for members of the example-org/partnerships team.");
    const cookies = await browser.cookies();
    expect(cookies.find((c) => c.name === "hub_sales_session")).toBeUndefined();
    const again = await page.goto(`${dw.world.server.url}/hub-sales/dashboard`);
    expect(again?.status()).toBe(401);
    await shot(page, "outsider");
    await page.close();
  }, 60_000);
});
