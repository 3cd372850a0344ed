import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startSandboxWorld, type SandboxWorld } from "../support/sandbox-world.js";
import { failQueuedWork } from "../support/work-items.js";

describe("the app's own HTTP routes", () => {
  let world: SandboxWorld;
  beforeEach(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    world = await startSandboxWorld({ env: { DASHBOARD_TOKEN: "dashboard-secret-1" } });
  });
  afterEach(async () => {
    await world.close();
    nock.enableNetConnect();
  });

  it("answers the health check and guards the dashboard with DASHBOARD_TOKEN", async () => {
    await world.store.enqueueWork("lead:lead-9", "queued for the test");
    await failQueuedWork(world.store, "lead:lead-9", "GitHub answered 502", new Date(Date.now() + 60_000));
    const health = await fetch(`${world.server.url}/hub-sales/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      ok: true,
      store: "sqlite",
      queued: 1,
      checks: { store: { ok: true, error: null }, queue: { ok: true, running: true, depth: 1, due: 0, failing: 1 } },
    });

    expect((await fetch(`${world.server.url}/hub-sales/dashboard`)).status).toBe(401);
    const wrong = await fetch(`${world.server.url}/hub-sales/dashboard`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    // The bare token is not accepted: only `Authorization: Bearer <token>`.
    const bare = await fetch(`${world.server.url}/hub-sales/dashboard`, { headers: { authorization: "dashboard-secret-1" } });
    expect(bare.status).toBe(401);
    const dashboard = await fetch(`${world.server.url}/hub-sales/dashboard`, {
      headers: { authorization: "Bearer dashboard-secret-1", accept: "application/json" },
    });
    expect(dashboard.status).toBe(200);
    const body = (await dashboard.json()) as { failing: number; queued: { key: string; lastError: string }[] };
    expect(body.failing).toBe(1);
    expect(body.queued[0]).toMatchObject({ key: "lead:lead-9", lastError: "GitHub answered 502" });
  });

  it("answers 503 when the queue is not worked or the store does not answer", async () => {
    await world.server.runtime.stop();
    const stopped = await fetch(`${world.server.url}/hub-sales/health`);
    expect(stopped.status).toBe(503);
    expect(await stopped.json()).toMatchObject({ ok: false, checks: { store: { ok: true }, queue: { ok: false, problem: "the work queue is not running" } } });

    await world.server.runtime.start();
    await world.store.close();
    const unreachable = await fetch(`${world.server.url}/hub-sales/health`);
    expect(unreachable.status).toBe(503);
    const body = (await unreachable.json()) as { ok: boolean; queued: number | null; checks: { store: { ok: boolean; error: string } } };
    expect(body).toMatchObject({ ok: false, queued: null, checks: { store: { ok: false } } });
    expect(body.checks.store.error).toMatch(/database|closed|open/i);
  });
});
