import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newLeadFields, type CloudCost, type HubFields, type LeadFields } from "../../src/domain/records.js";
import { LEAD_STATUSES, type LeadStatus } from "../../src/pipeline/lead-status.js";
import { DuplicateRecordError, RecordNotFoundError, type LeadStore } from "../../src/store/lead-store.js";

/**
 * The `LeadStore` contract: what every store (embedded SQLite, AirTable) must do, in
 * terms of the interface only. Run it from a `*.test.ts` file:
 *
 *   describeLeadStoreContract("sqlite in memory", async () => ({ store: SqliteLeadStore.open(":memory:") }));
 *
 * Each test gets a fresh, empty store. Orders of lists are not part of the contract
 * (except the work queue's), so lists are compared sorted.
 */
export function describeLeadStoreContract(
  name: string,
  makeStore: () => Promise<{ store: LeadStore; cleanup?: () => Promise<void> }>,
): void {
  describe(`LeadStore contract: ${name}`, () => {
    let store: LeadStore;
    let cleanup: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      const made = await makeStore();
      store = made.store;
      cleanup = made.cleanup;
    });

    afterEach(async () => {
      await store.close();
      await cleanup?.();
    });

    const byName = <T extends { name: string }>(list: T[]) => [...list].sort((a, b) => a.name.localeCompare(b.name));
    const names = (list: { name: string }[]) => list.map((l) => l.name).sort();

    describe("leads", () => {
      it("creates a lead with an id and reads it back by id, by name and in the list", async () => {
        const created = await store.createLead(newLeadFields("Acme University", "Active Lead"));
        expect(created.id).toEqual(expect.any(String));
        expect(created.id).not.toBe("");
        expect(created).toMatchObject({ name: "Acme University", status: "Active Lead" });

        expect(await store.getLead(created.id)).toEqual(created);
        expect(await store.findLeadByName("Acme University")).toEqual(created);
        expect(await store.listLeads()).toEqual([created]);
      });

      it("gives every lead its own id, kept across updates", async () => {
        const a = await store.createLead(newLeadFields("A", "Active Lead"));
        const b = await store.createLead(newLeadFields("B", "Active Lead"));
        expect(a.id).not.toBe(b.id);
        const updated = await store.updateLead(a.id, { status: "Inactive Lead" });
        expect(updated.id).toBe(a.id);
      });

      it("round-trips every field exactly: money in cents, dates, booleans, lists, long text", async () => {
        const fields: LeadFields = {
          name: "Université de Montréal — Data Lab",
          status: "Active Service",
          githubHandles: ["alice", "bob-2", "Carol"],
          contactEmail: "pi@example.org",
          serviceTier: "Partnership",
          monthlyFee: 416667,
          serviceStartDate: "2026-02-28",
          serviceEndDate: "2026-12-31",
          agreement: 'Email of 2026-01-15:\n"We agree to the Partnership tier, $4,166.67/month."',
          contract: "https://example.org/contracts/42.pdf",
          managedCloudBilling: true,
          followUpDate: "2026-03-01",
          maniacT: {
            money: "NSF grant, 3 years",
            authority: "PI signs",
            need: "GPU notebooks for 200 students",
            impendingEvent: "Fall semester",
            application: "Teaching",
            competition: "Self-hosted",
            timeline: "Before 2026-09-01",
          },
          leadIssue: "https://github.com/acme/sales/issues/1",
          requestInformationIssue: "https://github.com/acme/infrastructure/issues/2",
          deploymentIssue: "https://github.com/acme/infrastructure/issues/3",
        };
        const created = await store.createLead(fields);
        expect(created).toEqual({ id: created.id, ...fields });
        expect(await store.getLead(created.id)).toEqual({ id: created.id, ...fields });
        expect(await store.findLeadByName(fields.name)).toEqual({ id: created.id, ...fields });
        const [listed] = await store.listLeads();
        expect(listed).toEqual({ id: created.id, ...fields });
        expect(Number.isInteger(listed!.monthlyFee)).toBe(true);
      });

      it("keeps null, zero, false and empty lists apart; reads empty text back as null", async () => {
        const created = await store.createLead(
          newLeadFields("Empty Co", "Active Lead", {
            monthlyFee: 0,
            contactEmail: "",
            agreement: "",
            maniacT: {
              money: "",
              authority: null,
              need: null,
              impendingEvent: null,
              application: null,
              competition: null,
              timeline: null,
            },
          }),
        );
        const read = await store.getLead(created.id);
        expect(read).toMatchObject({
          monthlyFee: 0,
          contactEmail: null,
          agreement: null,
          serviceTier: null,
          serviceStartDate: null,
          githubHandles: [],
          managedCloudBilling: false,
          leadIssue: null,
        });
        expect(read!.maniacT.money).toBeNull();

        const other = await store.createLead(newLeadFields("Null Co", "Active Lead"));
        expect((await store.getLead(other.id))!.monthlyFee).toBeNull();
      });

      it("stores GitHub handles without their @", async () => {
        const created = await store.createLead(newLeadFields("Handles", "Active Lead", { githubHandles: ["@alice", "bob"] }));
        expect((await store.getLead(created.id))!.githubHandles).toEqual(["alice", "bob"]);
      });

      it("answers null for an unknown id or name", async () => {
        await store.createLead(newLeadFields("Known", "Active Lead"));
        expect(await store.getLead("lead-999999")).toBeNull();
        expect(await store.getLead("recXXXXXXXXXXXXXX")).toBeNull();
        expect(await store.findLeadByName("Unknown")).toBeNull();
      });

      it("finds a lead by name whatever the case", async () => {
        const created = await store.createLead(newLeadFields("Acme Corp", "Active Lead"));
        expect((await store.findLeadByName("acme corp"))?.id).toBe(created.id);
        expect((await store.findLeadByName("ACME CORP"))?.id).toBe(created.id);
        expect(await store.findLeadByName("Acme")).toBeNull();
      });

      it("refuses a second lead with the same name, in any case", async () => {
        await store.createLead(newLeadFields("Acme Corp", "Active Lead"));
        await expect(store.createLead(newLeadFields("ACME corp", "Waiting"))).rejects.toBeInstanceOf(DuplicateRecordError);
        expect(await store.listLeads()).toHaveLength(1);
      });

      it("refuses an invalid lead and writes nothing", async () => {
        await expect(store.createLead(newLeadFields("", "Active Lead"))).rejects.toThrow();
        await expect(store.createLead(newLeadFields("Bad status", "Lost" as LeadStatus))).rejects.toThrow(/status/);
        await expect(
          store.createLead(newLeadFields("Bad date", "Active Lead", { serviceStartDate: "3/1/2026" })),
        ).rejects.toThrow(/serviceStartDate/);
        await expect(store.createLead(newLeadFields("Bad fee", "Active Lead", { monthlyFee: 12.5 }))).rejects.toThrow(
          /monthlyFee/,
        );
        expect(await store.listLeads()).toEqual([]);
      });

      it("updates only the fields given", async () => {
        const created = await store.createLead(
          newLeadFields("Partial", "Active Lead", { serviceTier: "Research", monthlyFee: 150000, githubHandles: ["alice"] }),
        );
        const updated = await store.updateLead(created.id, { status: "Waiting", followUpDate: "2026-06-01" });
        const expected = { ...created, status: "Waiting", followUpDate: "2026-06-01" };
        expect(updated).toEqual(expected);
        expect(await store.getLead(created.id)).toEqual(expected);
      });

      it("clears a field set to null and replaces the MANIAC-T notes given", async () => {
        const created = await store.createLead(
          newLeadFields("Clear", "Active Lead", { serviceTier: "Research", managedCloudBilling: true }),
        );
        const maniacT = { ...created.maniacT, need: "JupyterHub for a course" };
        const updated = await store.updateLead(created.id, { serviceTier: null, managedCloudBilling: false, maniacT });
        expect(updated).toMatchObject({ serviceTier: null, managedCloudBilling: false, maniacT });
        expect(await store.getLead(created.id)).toEqual(updated);
      });

      it("renames a lead, but not onto another lead's name", async () => {
        const a = await store.createLead(newLeadFields("Alpha", "Active Lead"));
        await store.createLead(newLeadFields("Beta", "Active Lead"));
        expect((await store.updateLead(a.id, { name: "Alpha Institute" })).name).toBe("Alpha Institute");
        expect((await store.findLeadByName("alpha institute"))?.id).toBe(a.id);
        await expect(store.updateLead(a.id, { name: "BETA" })).rejects.toBeInstanceOf(DuplicateRecordError);
        expect((await store.getLead(a.id))!.name).toBe("Alpha Institute");
      });

      it("throws RecordNotFoundError when updating an unknown lead", async () => {
        await expect(store.updateLead("lead-999999", { status: "Waiting" })).rejects.toBeInstanceOf(RecordNotFoundError);
        await expect(store.updateLead("recXXXXXXXXXXXXXX", { status: "Waiting" })).rejects.toBeInstanceOf(
          RecordNotFoundError,
        );
      });

      it("refuses an invalid update and leaves the lead as it was", async () => {
        const created = await store.createLead(newLeadFields("Keep", "Active Lead"));
        await expect(store.updateLead(created.id, { followUpDate: "tomorrow" })).rejects.toThrow(/followUpDate/);
        await expect(store.updateLead(created.id, { status: "Lost" as LeadStatus })).rejects.toThrow(/status/);
        expect(await store.getLead(created.id)).toEqual(created);
      });

      it("lists leads filtered by statuses", async () => {
        for (const status of LEAD_STATUSES) await store.createLead(newLeadFields(`Lead ${status}`, status));
        expect(await store.listLeads()).toHaveLength(6);
        expect(names(await store.listLeads({ statuses: ["Waiting", "Needs Admin"] }))).toEqual([
          "Lead Needs Admin",
          "Lead Waiting",
        ]);
        expect(names(await store.listLeads({ statuses: ["Active Service"] }))).toEqual(["Lead Active Service"]);
        expect(await store.listLeads({ statuses: [] })).toEqual([]);
        expect(await store.listLeads({})).toHaveLength(6);
      });
    });

    describe("upserting leads by name", () => {
      it("creates new names and updates existing ones, matched whatever the case", async () => {
        const acme = await store.createLead(newLeadFields("Acme", "Active Lead"));
        await store.createLead(newLeadFields("Beta", "Waiting", { followUpDate: "2026-05-01" }));

        const result = await store.upsertLeadsByName([
          newLeadFields("ACME", "Needs Admin", { serviceTier: "Research", agreement: "yes" }),
          newLeadFields("Gamma", "Active Lead"),
          newLeadFields("Delta", "Inactive Lead"),
        ]);
        expect(result).toEqual({ created: 2, updated: 1 });

        const leads = await store.listLeads();
        expect(leads).toHaveLength(4);
        const updated = await store.getLead(acme.id);
        expect(updated).toMatchObject({ status: "Needs Admin", serviceTier: "Research", agreement: "yes" });
        expect(names(leads).map((n) => n.toLowerCase())).toEqual(["acme", "beta", "delta", "gamma"]);
        expect((await store.findLeadByName("beta"))!.followUpDate).toBe("2026-05-01");
      });

      it("does nothing for an empty batch", async () => {
        expect(await store.upsertLeadsByName([])).toEqual({ created: 0, updated: 0 });
      });

      it("refuses a batch naming one lead twice (any case), writing nothing", async () => {
        const existing = await store.createLead(newLeadFields("Existing", "Active Lead"));
        await expect(
          store.upsertLeadsByName([
            newLeadFields("Existing", "Waiting", { followUpDate: "2026-07-01" }),
            newLeadFields("New One", "Active Lead"),
            newLeadFields("new one", "Inactive Lead"),
          ]),
        ).rejects.toThrow(/new one/i);
        expect(await store.listLeads()).toEqual([existing]);
      });

      it("refuses a batch with one invalid row, writing nothing", async () => {
        const existing = await store.createLead(newLeadFields("Existing", "Active Lead"));
        await expect(
          store.upsertLeadsByName([
            newLeadFields("Existing", "Inactive Lead"),
            newLeadFields("Fine", "Active Lead"),
            newLeadFields("Broken", "Active Lead", { serviceEndDate: "2026-02-30" }),
          ]),
        ).rejects.toThrow(/serviceEndDate/);
        expect(await store.listLeads()).toEqual([existing]);
      });

      it("handles 250 leads in one batch, then updates them all", { timeout: 120_000 }, async () => {
        const rows = Array.from({ length: 250 }, (_, i) =>
          newLeadFields(`Community ${String(i).padStart(3, "0")}`, LEAD_STATUSES[i % 6]!, {
            monthlyFee: 100000 + i,
            githubHandles: [`user${i}`],
          }),
        );
        expect(await store.upsertLeadsByName(rows)).toEqual({ created: 250, updated: 0 });
        const all = byName(await store.listLeads());
        expect(all).toHaveLength(250);
        expect(all[123]).toMatchObject({ name: "Community 123", monthlyFee: 100123, githubHandles: ["user123"] });
        expect(new Set(all.map((l) => l.id)).size).toBe(250);
        expect(await store.listLeads({ statuses: ["Waiting"] })).toHaveLength(42);

        const again = rows.map((r) => ({ ...r, status: "Inactive Lead" as const }));
        expect(await store.upsertLeadsByName(again)).toEqual({ created: 0, updated: 250 });
        expect(await store.listLeads({ statuses: ["Inactive Lead"] })).toHaveLength(250);
        const ids = new Set((await store.listLeads()).map((l) => l.id));
        expect(ids).toEqual(new Set(all.map((l) => l.id)));
      });
    });

    describe("active hubs", () => {
      const hub = (name: string, extra: Partial<HubFields> = {}): HubFields => ({
        hub: name,
        communityLeadId: null,
        url: null,
        deploymentIssue: null,
        liveSince: null,
        ...extra,
      });

      it("creates a hub linked to its community and round-trips every field", async () => {
        const lead = await store.createLead(newLeadFields("Acme", "Active Service"));
        const fields = hub("acme-hub", {
          communityLeadId: lead.id,
          url: "https://acme.2i2c.cloud",
          deploymentIssue: "https://github.com/acme/infrastructure/issues/3",
          liveSince: "2026-03-01",
          cloudProject: "acme-gcp-prod",
        });
        const created = await store.createHub(fields);
        expect(created).toEqual({ id: expect.any(String), ...fields });
        expect(await store.listHubs()).toEqual([created]);
        expect(await store.findHubByName("ACME-HUB")).toEqual(created);
        expect(await store.findHubByName("other")).toBeNull();
      });

      it("lists the hubs of a community", async () => {
        const a = await store.createLead(newLeadFields("A", "Active Service"));
        const b = await store.createLead(newLeadFields("B", "Active Service"));
        await store.createHub(hub("a-1", { communityLeadId: a.id }));
        await store.createHub(hub("a-2", { communityLeadId: a.id }));
        await store.createHub(hub("b-1", { communityLeadId: b.id }));
        await store.createHub(hub("orphan"));
        const hubs = await store.listHubs();
        expect(hubs.filter((h) => h.communityLeadId === a.id).map((h) => h.hub).sort()).toEqual(["a-1", "a-2"]);
        expect(hubs.find((h) => h.hub === "orphan")!.communityLeadId).toBeNull();
      });

      it("updates only the fields given; unknown ids and duplicate names are refused", async () => {
        const lead = await store.createLead(newLeadFields("Acme", "Active Service"));
        const created = await store.createHub(hub("acme", { url: "https://old.example.org" }));
        const updated = await store.updateHub(created.id, { communityLeadId: lead.id, liveSince: "2026-04-01" });
        expect(updated).toEqual({ ...created, communityLeadId: lead.id, liveSince: "2026-04-01" });
        expect(await store.findHubByName("acme")).toEqual(updated);

        await expect(store.updateHub("hub-999999", { url: null })).rejects.toBeInstanceOf(RecordNotFoundError);
        await expect(store.createHub(hub("ACME"))).rejects.toBeInstanceOf(DuplicateRecordError);
        expect(await store.listHubs()).toHaveLength(1);
      });

      it("refuses a link to a lead that does not exist", async () => {
        await expect(store.createHub(hub("ghost", { communityLeadId: "lead-999999" }))).rejects.toThrow();
        expect(await store.listHubs()).toEqual([]);
      });

      it("upserts hubs by name, all or nothing", async () => {
        const lead = await store.createLead(newLeadFields("Acme", "Active Service"));
        await store.createHub(hub("one"));
        expect(
          await store.upsertHubsByName([
            hub("ONE", { url: "https://one.example.org", communityLeadId: lead.id }),
            hub("two", { liveSince: "2026-01-31" }),
          ]),
        ).toEqual({ created: 1, updated: 1 });
        const hubs = await store.listHubs();
        expect(hubs).toHaveLength(2);
        expect(await store.findHubByName("one")).toMatchObject({ url: "https://one.example.org", communityLeadId: lead.id });

        await expect(store.upsertHubsByName([hub("three"), hub("Three")])).rejects.toThrow(/three/i);
        await expect(store.upsertHubsByName([hub("four"), hub("five", { liveSince: "yesterday" })])).rejects.toThrow(
          /liveSince/,
        );
        expect(await store.listHubs()).toEqual(hubs);
      });
    });

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
        const a = await store.createLead(newLeadFields("A", "Active Service"));
        const b = await store.createLead(newLeadFields("B", "Active Service"));
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
