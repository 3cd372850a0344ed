import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DELIVERY_RETENTION_DAYS } from "../../src/app/hub-sales-runtime.js";
import { SANDBOX_HUB_REPO } from "../../src/sandbox/sandbox-world.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";
import { startSandboxWorld, type SandboxWorld } from "../support/sandbox-world.js";

const DAY = 86_400_000;
const start = new Date("2031-03-03T08:00:00Z");
let clock = start.getTime();
const now = () => new Date(clock);

let world: SandboxWorld;
let store: SqliteLeadStore;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hub-sales-retention-"));
  store = SqliteLeadStore.open(join(dir, "hub-sales.db"), { now });
  world = await startSandboxWorld({ config: `hub_repo: ${SANDBOX_HUB_REPO}\n`, store, app: { now } });
});

afterAll(async () => {
  await world.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("webhook deliveries are kept as long as GitHub can redeliver them, with a margin", () => {
  it("forgets a delivery only once it is older than the retention, by the injected clock", async () => {
    expect(DELIVERY_RETENTION_DAYS).toBeGreaterThanOrEqual(7); // GitHub Enterprise Server redelivers for 7 days
    expect(await store.recordDelivery("delivery-day-0", "issues.closed")).toBe(true);
    clock += 5 * DAY;
    expect(await store.recordDelivery("delivery-day-5", "issue_comment.created")).toBe(true);

    clock = start.getTime() + DELIVERY_RETENTION_DAYS * DAY - 60_000;
    expect(await world.server.runtime.pruneDeliveries()).toBe(0);
    expect(await store.recordDelivery("delivery-day-0", "issues.closed")).toBe(false);

    clock = start.getTime() + DELIVERY_RETENTION_DAYS * DAY + 60_000;
    expect(await world.server.runtime.pruneDeliveries()).toBe(1);
    // A redelivery of the first would now be handled again; the later one is still recognised.
    expect(await store.recordDelivery("delivery-day-5", "issue_comment.created")).toBe(false);
    expect(await store.recordDelivery("delivery-day-0", "issues.closed")).toBe(true);
  });
});
