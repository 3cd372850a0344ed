import { describe, expect, it } from "vitest";
import type { CloudCost } from "../../src/domain/records.js";
import type { AppStateStore } from "../../src/store/app-state-store.js";
import { useFreshStore, type MakeStore } from "./fresh-store.js";

/**
 * The `AppStateStore` contract: what every backend of the app's own state (the SQLite
 * file, PostgreSQL) must do, in terms of the interface only. Run it from a `*.test.ts` file:
 *
 *   describeAppStateContract("sqlite in memory", async () => ({ store: SqliteLeadStore.open(":memory:") }));
 *
 * Each test gets a fresh, empty store. Orders of lists are not part of the contract
 * (except the work queue's), so lists are compared sorted.
 */
export function describeAppStateContract(
  name: string,
  makeStore: MakeStore<AppStateStore>,
): void {
  describe(`AppStateStore contract: ${name}`, () => {
    let store: AppStateStore;
    useFreshStore(makeStore, (fresh) => (store = fresh));

    describe("cloud costs", () => {
      const cost = (month: string, hub: string, amount: number, currency = "USD"): CloudCost => ({
        month,
        hub,
        amount,
        currency,
      });
      const sortCosts = (list: CloudCost[]) =>
        [...list].sort((a, b) => `${a.month} ${a.hub}`.localeCompare(`${b.month} ${b.hub}`));

      it("stores one record per month and hub, and a re-import replaces it", async () => {
        expect(
          await store.upsertCloudCosts([
            cost("2026-03", "acme", 123456),
            cost("2026-03", "beta", 1),
            cost("2026-04", "acme", 0),
          ]),
        ).toEqual({ created: 3, updated: 0 });
        expect(sortCosts(await store.listCloudCosts({ month: "2026-03" }))).toEqual([
          cost("2026-03", "acme", 123456),
          cost("2026-03", "beta", 1),
        ]);

        expect(
          await store.upsertCloudCosts([cost("2026-03", "acme", 99999999, "EUR"), cost("2026-05", "acme", 250)]),
        ).toEqual({ created: 1, updated: 1 });
        expect(sortCosts(await store.listCloudCosts())).toEqual([
          cost("2026-03", "acme", 99999999, "EUR"),
          cost("2026-03", "beta", 1),
          cost("2026-04", "acme", 0),
          cost("2026-05", "acme", 250),
        ]);
        expect(await store.listCloudCosts({ month: "2026-01" })).toEqual([]);
      });

      it("refuses a batch with an invalid row or one month and hub twice, writing nothing", async () => {
        await store.upsertCloudCosts([cost("2026-03", "acme", 100)]);
        await expect(store.upsertCloudCosts([cost("2026-03", "acme", 200), cost("2026-13", "beta", 1)])).rejects.toThrow(
          /month/,
        );
        await expect(store.upsertCloudCosts([cost("2026-03", "acme", 200), cost("2026-04", "beta", 1.5)])).rejects.toThrow(
          /amount/,
        );
        await expect(
          store.upsertCloudCosts([cost("2026-04", "beta", 1), cost("2026-03", "acme", 200), cost("2026-03", "acme", 300)]),
        ).rejects.toThrow(/acme/);
        expect(await store.listCloudCosts()).toEqual([cost("2026-03", "acme", 100)]);
      });
    });

    describe("webhook deliveries", () => {
      it("answers true for a new delivery id and false for a redelivery", async () => {
        expect(await store.recordDelivery("72d3162e-cc78-11e3-81ab-4c9367dc0958", "issues")).toBe(true);
        expect(await store.recordDelivery("72d3162e-cc78-11e3-81ab-4c9367dc0958", "issues")).toBe(false);
        expect(await store.recordDelivery("another-delivery", "issue_comment")).toBe(true);
        await store.forgetDelivery("another-delivery");
        expect(await store.recordDelivery("another-delivery", "issue_comment")).toBe(true);
        expect(await store.recordDelivery("72d3162e-cc78-11e3-81ab-4c9367dc0958", "issues")).toBe(false);
      });

      it("forgets the deliveries received before a time, and still recognises the later ones", async () => {
        expect(await store.recordDelivery("delivery-old", "issues")).toBe(true);
        expect(await store.recordDeliveryWithWork("delivery-old-with-work", "issues.closed", { key: "lead:lead-8", reason: "closed" })).not.toBeNull();
        expect(await store.pruneDeliveries(new Date(Date.now() - 60_000))).toBe(0);
        expect(await store.recordDelivery("delivery-old", "issues")).toBe(false);
        expect(await store.pruneDeliveries(new Date(Date.now() + 60_000))).toBe(2);
        expect(await store.recordDelivery("delivery-old", "issues")).toBe(true);
        // The queued work is not the delivery's to take along.
        expect((await store.listWork()).map((w) => w.key)).toEqual(["lead:lead-8"]);
      });

      it("records a delivery and queues its work in one write, answering the item's generation; a redelivery queues nothing", async () => {
        const work = { key: "lead:lead-7", reason: "lead issue closed by @alice" };
        const generation = await store.recordDeliveryWithWork("delivery-a", "issues.closed", work);
        const [queued] = await store.listWork();
        expect(queued).toMatchObject({ key: "lead:lead-7", attempts: 0, generation });
        expect(queued!.reason).toContain("closed by @alice");
        expect(await store.recordDeliveryWithWork("delivery-a", "issues.closed", { ...work, reason: "redelivered" })).toBeNull();
        const [again] = await store.listWork();
        expect(again!.generation).toBe(queued!.generation);
        expect(again!.reason).not.toContain("redelivered");
        expect(await store.recordDelivery("delivery-a", "issues.closed")).toBe(false);
        expect(await store.recordDeliveryWithWork("delivery-a2", "issues.edited", work)).toBe(generation! + 1);
        // Deliveries arriving together: each recorded once, one work item per key.
        const results = await Promise.all(
          ["delivery-b", "delivery-c", "delivery-b"].map((id) =>
            store.recordDeliveryWithWork(id, "issues.edited", { key: "lead:lead-8", reason: `edited (${id})` }),
          ),
        );
        expect(results.filter((r) => r !== null)).toHaveLength(2);
        const latest = (await store.listWork()).find((w) => w.key === "lead:lead-8")!.generation;
        expect(Math.max(...results.filter((r) => r !== null))).toBe(latest);
        expect((await store.listWork()).map((w) => w.key).sort()).toEqual(["lead:lead-7", "lead:lead-8"]);
        await expect(store.recordDeliveryWithWork("delivery-d", "issues.closed", { key: "", reason: "x" })).rejects.toThrow(/work key/);
        expect(await store.recordDelivery("delivery-d", "issues.closed")).toBe(true);
      });
    });

    describe("state", () => {
      it("gets, sets, overwrites and deletes JSON values", async () => {
        expect(await store.getState("cursor")).toBeNull();
        const value = { cursor: 42, ids: ["a", "b"], nested: { ok: true, none: null }, text: "é ✓" };
        await store.setState("cursor", value);
        expect(await store.getState("cursor")).toEqual(value);
        await store.setState("cursor", 43);
        expect(await store.getState<number>("cursor")).toBe(43);
        await store.deleteState("cursor");
        expect(await store.getState("cursor")).toBeNull();
        await store.deleteState("never-set");
      });

      it("claims a key only once", async () => {
        expect(await store.claimState("invoice-sent:2026-03", { by: "first" })).toBe(true);
        expect(await store.claimState("invoice-sent:2026-03", { by: "second" })).toBe(false);
        expect(await store.getState("invoice-sent:2026-03")).toEqual({ by: "first" });
        await store.deleteState("invoice-sent:2026-03");
        expect(await store.claimState("invoice-sent:2026-03", { by: "third" })).toBe(true);
        expect(await store.getState("invoice-sent:2026-03")).toEqual({ by: "third" });
      });

      it("lets exactly one of several concurrent claims win", async () => {
        const results = await Promise.all(
          Array.from({ length: 5 }, (_, i) => store.claimState("effect:lead-1:request-information", i)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.getState("effect:lead-1:request-information")).toBe(results.indexOf(true));
      });
    });

    describe("work queue", () => {
      const later = (ms = 60_000) => new Date(Date.now() + ms);
      const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

      it("records enqueued work, due now", async () => {
        await store.enqueueWork("lead:1", "webhook issues.labeled");
        const [item] = await store.listWork();
        expect(item).toMatchObject({ key: "lead:1", attempts: 0, lastError: null });
        expect(item!.reason).toContain("webhook issues.labeled");
        expect(Number.isNaN(Date.parse(item!.notBefore))).toBe(false);
        expect((await store.listDueWork(later(1000))).map((w) => w.key)).toEqual(["lead:1"]);
      });

      it("merges a second enqueue of the same key and bumps its generation", async () => {
        await store.enqueueWork("lead:1", "table change");
        const [first] = await store.listWork();
        await store.enqueueWork("lead:1", "comment /status");
        const items = await store.listWork();
        expect(items).toHaveLength(1);
        expect(items[0]!.reason).toContain("table change");
        expect(items[0]!.reason).toContain("comment /status");
        expect(items[0]!.generation).toBeGreaterThan(first!.generation);
      });

      const claimOne = async (key: string, owner = "worker-a", at = later(1000), leaseMs = 30_000) => {
        const claimed = await store.claimWork({ owner, now: at, leaseMs, limit: 10 });
        const found = claimed.find((c) => c.item.key === key);
        if (!found) throw new Error(`${key} was not claimed`);
        return found;
      };

      it("completes an item only when no newer enqueue came in", async () => {
        await store.enqueueWork("lead:1", "first");
        const { item: read, lease } = await claimOne("lead:1");
        await store.enqueueWork("lead:1", "second, while the first run was going");
        expect(await store.completeWork(lease, read.generation, later(1000))).toBe(true);
        const [left] = await store.listWork();
        expect(left?.key).toBe("lead:1");
        expect(left?.leaseOwner).toBeNull();
        const again = await claimOne("lead:1");
        expect(await store.completeWork(again.lease, again.item.generation, later(1000))).toBe(true);
        expect(await store.listWork()).toEqual([]);
      });

      it("records a failure and backs off until notBefore", async () => {
        await store.enqueueWork("lead:1", "first");
        const retryAt = later(5 * 60_000);
        expect(await store.failWork((await claimOne("lead:1")).lease, "GitHub answered 502", retryAt, later(1000))).toBe(true);
        const [item] = await store.listWork();
        expect(item).toMatchObject({ key: "lead:1", attempts: 1, lastError: "GitHub answered 502", leaseOwner: null });
        expect(Date.parse(item!.notBefore)).toBe(retryAt.getTime());
        expect(await store.listDueWork(later(60_000))).toEqual([]);
        expect((await store.listDueWork(new Date(retryAt.getTime() + 1))).map((w) => w.key)).toEqual(["lead:1"]);

        const at = new Date(retryAt.getTime() + 1);
        await store.failWork((await claimOne("lead:1", "worker-a", at)).lease, "GitHub answered 503", later(10 * 60_000), at);
        expect((await store.listWork())[0]).toMatchObject({ attempts: 2, lastError: "GitHub answered 503" });
      });

      it("makes a backing-off key due again when new work comes in", async () => {
        await store.enqueueWork("lead:1", "first");
        await store.failWork((await claimOne("lead:1")).lease, "boom", later(60 * 60_000), later(1000));
        expect(await store.listDueWork(later(1000))).toEqual([]);
        await store.enqueueWork("lead:1", "a new webhook");
        expect((await store.listDueWork(later(1000))).map((w) => w.key)).toEqual(["lead:1"]);
      });

      it("lists due items oldest first, up to the limit", async () => {
        for (const key of ["lead:a", "lead:b", "lead:c", "lead:d"]) {
          await store.enqueueWork(key, "periodic reconcile");
          await tick();
        }
        expect((await store.listDueWork(later(1000))).map((w) => w.key)).toEqual(["lead:a", "lead:b", "lead:c", "lead:d"]);
        expect((await store.listDueWork(later(1000), 2)).map((w) => w.key)).toEqual(["lead:a", "lead:b"]);
        const { lease } = await store.claimWork({ owner: "w", now: later(1000), leaseMs: 5_000, limit: 2, prefix: "lead:b" }).then((c) => c[0]!);
        await store.failWork(lease, "boom", later(60_000), later(1000));
        expect((await store.listDueWork(later(1000))).map((w) => w.key)).toEqual(["lead:a", "lead:c", "lead:d"]);
        expect(await store.listDueWork(new Date(Date.now() - 60_000))).toEqual([]);
        expect(await store.listWork()).toHaveLength(4);
      });

      describe("leases", () => {
        it("hands a key to one worker at a time, and to another once the lease has expired", async () => {
          await store.enqueueWork("lead:1", "first");
          const t0 = later(1000);
          const [a, b] = await Promise.all([
            store.claimWork({ owner: "worker-a", now: t0, leaseMs: 10_000, limit: 10 }),
            store.claimWork({ owner: "worker-b", now: t0, leaseMs: 10_000, limit: 10 }),
          ]);
          expect(a!.length + b!.length).toBe(1);
          const [first] = [...a!, ...b!];
          expect(first!.lease.owner).toBe(a!.length === 1 ? "worker-a" : "worker-b");
          expect((await store.listWork())[0]).toMatchObject({ leaseOwner: first!.lease.owner });
          expect(await store.listDueWork(t0)).toEqual([]);
          // Before expiry nobody else gets it; after, another worker takes it over.
          expect(await store.claimWork({ owner: "worker-c", now: new Date(t0.getTime() + 9_999), leaseMs: 10_000, limit: 10 })).toEqual([]);
          const takeover = await store.claimWork({ owner: "worker-c", now: new Date(t0.getTime() + 10_001), leaseMs: 10_000, limit: 10 });
          expect(takeover.map((c) => c.lease.owner)).toEqual(["worker-c"]);
          expect(takeover[0]!.lease.token).toBeGreaterThan(first!.lease.token);
        });

        it("fences completion and failure: a lapsed holder changes nothing", async () => {
          await store.enqueueWork("lead:1", "first");
          const t0 = later(1000);
          const { item, lease: stale } = await claimOne("lead:1", "worker-a", t0, 5_000);
          const after = new Date(t0.getTime() + 6_000);
          // Lapsed, not yet taken over: still fenced.
          expect(await store.completeWork(stale, item.generation, after)).toBe(false);
          const { lease: fresh } = await claimOne("lead:1", "worker-b", after, 5_000);
          expect(await store.completeWork(stale, item.generation, after)).toBe(false);
          expect(await store.failWork(stale, "late", later(60_000), after)).toBe(false);
          expect((await store.listWork())[0]).toMatchObject({ attempts: 0, lastError: null, leaseOwner: "worker-b" });
          expect(await store.completeWork(fresh, item.generation, after)).toBe(true);
          expect(await store.listWork()).toEqual([]);
        });

        it("renews a live lease, refuses to renew a lapsed one, and releases", async () => {
          await store.enqueueWork("lead:1", "first");
          const t0 = later(1000);
          const { lease } = await claimOne("lead:1", "worker-a", t0, 5_000);
          const renewed = await store.renewLease(lease, new Date(t0.getTime() + 4_000), 5_000);
          expect(renewed?.expiresAt).toBe(new Date(t0.getTime() + 9_000).toISOString());
          expect(await store.claimWork({ owner: "worker-b", now: new Date(t0.getTime() + 8_000), leaseMs: 5_000, limit: 10 })).toEqual([]);
          expect(await store.renewLease(renewed!, new Date(t0.getTime() + 9_500), 5_000)).toBeNull();
          const { lease: other } = await claimOne("lead:1", "worker-b", new Date(t0.getTime() + 9_500), 5_000);
          await store.releaseLease(other);
          expect((await store.listWork())[0]!.leaseOwner).toBeNull();
          expect(await claimOne("lead:1", "worker-c", new Date(t0.getTime() + 9_600))).toBeTruthy();
        });

        it("leases a key without queued work (commands), excluding queue claims meanwhile", async () => {
          const t0 = later(1000);
          const lease = await store.acquireLease({ key: "lead:9", owner: "server-a", now: t0, leaseMs: 5_000 });
          expect(lease).not.toBeNull();
          expect(await store.acquireLease({ key: "lead:9", owner: "server-b", now: t0, leaseMs: 5_000 })).toBeNull();
          await store.enqueueWork("lead:9", "webhook");
          expect(await store.claimWork({ owner: "server-b", now: t0, leaseMs: 5_000, limit: 10 })).toEqual([]);
          await store.releaseLease(lease!);
          expect((await store.claimWork({ owner: "server-b", now: t0, leaseMs: 5_000, limit: 10 })).map((c) => c.item.key)).toEqual(["lead:9"]);
        });

        it("claims only keys with the prefix", async () => {
          await store.enqueueWork("invoice:2026-03", "monthly");
          await store.enqueueWork("lead:1", "x");
          const claimed = await store.claimWork({ owner: "w", now: later(1000), leaseMs: 5_000, limit: 10, prefix: "lead:" });
          expect(claimed.map((c) => c.item.key)).toEqual(["lead:1"]);
        });
      });
    });

    describe("failed effects", () => {
      const effect = {
        leadId: "lead-1",
        effect: "link-sub-issue:request-information",
        what: "link the request-information issue as a sub-issue of the lead issue",
        why: "422 Sub issue may only have one parent",
        fix: "remove the issue's other parent",
        status: 422,
      };

      it("records a refused effect once per lead and effect, reports it once, and clears it", async () => {
        expect(await store.recordFailedEffect({ ...effect, at: new Date("2026-05-01T10:00:00Z") })).toBe(true);
        expect(await store.recordFailedEffect({ ...effect, why: "422 again", at: new Date("2026-05-01T11:00:00Z") })).toBe(false);
        expect(await store.recordFailedEffect({ ...effect, leadId: "lead-2", at: new Date("2026-05-02T10:00:00Z") })).toBe(true);
        expect(await store.listFailedEffects("lead-1")).toEqual([
          { ...effect, why: "422 again", firstFailedAt: "2026-05-01T10:00:00.000Z", lastFailedAt: "2026-05-01T11:00:00.000Z", reported: false },
        ]);
        expect((await store.listFailedEffects()).map((f) => f.leadId)).toEqual(["lead-1", "lead-2"]);
        expect(await store.markFailedEffectReported("lead-1", effect.effect)).toBe(true);
        expect(await store.markFailedEffectReported("lead-1", effect.effect)).toBe(false);
        expect((await store.listFailedEffects("lead-1"))[0]!.reported).toBe(true);
        await store.clearFailedEffect("lead-1", effect.effect);
        expect(await store.listFailedEffects("lead-1")).toEqual([]);
      });
    });

    describe("delivery confirmations", () => {
      it("keeps one confirmation per lead and month, the latest", async () => {
        // Ids as either record store gives them: the state half keeps them as text.
        const a = { id: "lead-1" };
        const b = { id: "recB0000000000000" };
        await store.recordDeliveryConfirmation({
          leadId: a.id,
          month: "2026-03",
          confirmedBy: "alice",
          confirmedAt: "2026-04-01T10:00:00.000Z",
        });
        await store.recordDeliveryConfirmation({
          leadId: b.id,
          month: "2026-03",
          confirmedBy: "bob",
          confirmedAt: "2026-04-02T10:00:00.000Z",
        });
        await store.recordDeliveryConfirmation({
          leadId: a.id,
          month: "2026-04",
          confirmedBy: "alice",
          confirmedAt: "2026-05-01T10:00:00.000Z",
        });
        await store.recordDeliveryConfirmation({
          leadId: a.id,
          month: "2026-03",
          confirmedBy: "carol",
          confirmedAt: "2026-04-03T10:00:00.000Z",
        });

        const march = [...(await store.listDeliveryConfirmations("2026-03"))].sort((x, y) =>
          x.confirmedBy.localeCompare(y.confirmedBy),
        );
        expect(march).toEqual([
          { leadId: b.id, month: "2026-03", confirmedBy: "bob", confirmedAt: "2026-04-02T10:00:00.000Z" },
          { leadId: a.id, month: "2026-03", confirmedBy: "carol", confirmedAt: "2026-04-03T10:00:00.000Z" },
        ]);
        expect(await store.listDeliveryConfirmations("2026-04")).toEqual([
          { leadId: a.id, month: "2026-04", confirmedBy: "alice", confirmedAt: "2026-05-01T10:00:00.000Z" },
        ]);
        expect(await store.listDeliveryConfirmations("2026-05")).toEqual([]);
      });
    });

    describe("action log", () => {
      const entry = (leadId: string, at: string, kind: "action" | "status", what: string) => ({
        leadId,
        at,
        kind,
        what,
        trigger: "comment /confirm-service by @alice",
        status: "Needs Admin" as const,
      });

      it("lists a lead's lines newest first, narrowed by kind and capped", async () => {
        await store.appendLeadLog([
          entry("lead-1", "2026-03-01T10:00:00.000Z", "status", "status Active Lead"),
          entry("lead-1", "2026-03-02T10:00:00.000Z", "action", "open lead issue"),
          entry("lead-2", "2026-03-02T11:00:00.000Z", "action", "open lead issue"),
        ]);
        await store.appendLeadLog([entry("lead-1", "2026-03-03T10:00:00.000Z", "status", "status Needs Admin")]);
        const log = await store.listLeadLog("lead-1");
        expect(log.map((e) => e.what)).toEqual(["status Needs Admin", "open lead issue", "status Active Lead"]);
        expect(log[0]).toEqual(entry("lead-1", "2026-03-03T10:00:00.000Z", "status", "status Needs Admin"));
        expect((await store.listLeadLog("lead-1", { kind: "status", limit: 1 })).map((e) => e.what)).toEqual(["status Needs Admin"]);
        expect(await store.listLeadLog("lead-9")).toEqual([]);
      });

      it("gives each lead's newest status line", async () => {
        await store.appendLeadLog([
          entry("lead-1", "2026-03-01T10:00:00.000Z", "status", "status Active Lead"),
          entry("lead-1", "2026-03-03T10:00:00.000Z", "status", "status Needs Admin"),
          entry("lead-2", "2026-03-02T10:00:00.000Z", "status", "status Waiting"),
          entry("lead-2", "2026-03-04T10:00:00.000Z", "action", "open lead issue"),
        ]);
        const latest = await store.listLatestStatusEntries();
        expect(latest.map((e) => [e.leadId, e.what])).toEqual([
          ["lead-1", "status Needs Admin"],
          ["lead-2", "status Waiting"],
        ]);
      });

      it("refuses a line without a lead or a time, writing none of the batch", async () => {
        await expect(
          store.appendLeadLog([entry("lead-1", "2026-03-01T10:00:00.000Z", "action", "ok"), entry("", "not a time", "action", "x")]),
        ).rejects.toThrow(/leadId: must not be empty/);
        expect(await store.listLeadLog("lead-1")).toEqual([]);
      });
    });
  });
}
