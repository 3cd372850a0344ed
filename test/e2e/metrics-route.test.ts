import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newLeadFields } from "../../src/domain/records.js";
import { failQueuedWork } from "../support/work-items.js";
import { HUB_REPO, SALES_REPO, startSandboxWorld, type SandboxWorld } from "../support/sandbox-world.js";

const TOKEN = "metrics-secret-1";

/** The value of one sample of a Prometheus text exposition, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const given = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => given[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe("/metrics", () => {
  let world: SandboxWorld;
  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    world = await startSandboxWorld({ env: { HUB_SALES_METRICS_TOKEN: TOKEN } });
  });
  afterEach(async () => {
    await world.close();
    nock.enableNetConnect();
  });

  const scrape = async () => {
    const res = await fetch(`${world.server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  it("is guarded by HUB_SALES_METRICS_TOKEN", async () => {
    expect((await fetch(`${world.server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${world.server.url}/metrics`, { headers: { authorization: "Bearer wrong-token" } })).status).toBe(401);
    const text = await scrape();
    const names = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!));
    expect([...names].every((n) => n.startsWith("hub_sales_"))).toBe(true);
    for (const name of [
      "hub_sales_webhooks_total",
      "hub_sales_reconcile_runs_total",
      "hub_sales_reconcile_duration_seconds",
      "hub_sales_queue_depth",
      "hub_sales_queue_oldest_due_age_seconds",
      "hub_sales_queue_failing_items",
      "hub_sales_lease_takeovers_total",
      "hub_sales_github_requests_total",
      "hub_sales_airtable_requests_total",
    ]) {
      expect(names).toContain(name);
    }
  });

  it("counts webhooks, reconciles, GitHub requests with their 429s, and reads the queue", async () => {
    const { store, github, server } = world;
    const lead = await store.createLead(
      newLeadFields("Metrics Lab", "Needs Admin", { githubHandles: ["rep-one"], serviceTier: "Research", agreement: "email" }),
    );
    // GitHub refuses the first issue creation with a secondary rate limit; the app waits and retries.
    github.failNext({
      method: "POST",
      path: `/repos/${SALES_REPO}/issues`,
      status: 429,
      headers: { "retry-after": "1" },
      message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
    });
    await server.runtime.enqueue(lead.id, "test");
    await world.settle();
    const ri = github.issues(HUB_REPO)[0]!;
    github.as("alice").close({ repo: HUB_REPO, number: ri.number, reason: "completed" });
    await world.settle();

    const text = await scrape();
    expect(sample(text, "hub_sales_webhooks_total", { event: "issues.closed", outcome: "handled" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "hub_sales_reconcile_runs_total", { outcome: "changed" })).toBeGreaterThanOrEqual(2);
    expect(sample(text, "hub_sales_reconcile_duration_seconds_count", { outcome: "changed" })).toBeGreaterThanOrEqual(2);
    expect(sample(text, "hub_sales_github_requests_total", { method: "POST", status: "429" })).toBe(1);
    // Every request GitHub saw, counted once, by method and status.
    const seen = new Map<string, number>();
    for (const r of github.requests) seen.set(`${r.method} ${r.status}`, (seen.get(`${r.method} ${r.status}`) ?? 0) + 1);
    for (const [key, count] of seen) {
      const [method, status] = key.split(" ") as [string, string];
      expect(sample(text, "hub_sales_github_requests_total", { method, status }), key).toBe(count);
    }
    expect(sample(text, "hub_sales_queue_depth")).toBe(0);
    expect(sample(text, "hub_sales_queue_oldest_due_age_seconds")).toBe(0);

    // Work that keeps failing shows as failing; due work ages (the queue is stopped so it stays).
    await server.runtime.queue.stop();
    await store.enqueueWork("lead:missing-1", "test");
    await failQueuedWork(store, "lead:missing-1", "GitHub answered 502", new Date(Date.now() - 30_000));
    const later = await scrape();
    expect(sample(later, "hub_sales_queue_depth")).toBe(1);
    expect(sample(later, "hub_sales_queue_failing_items")).toBe(1);
    expect(sample(later, "hub_sales_queue_oldest_due_age_seconds")).toBeGreaterThanOrEqual(29);
  });
});
