import { describe, expect, it } from "vitest";
import { newLeadFields, type HubFields, type LeadFields } from "../../src/domain/records.js";
import { LEAD_STATUSES, type LeadStatus } from "../../src/pipeline/lead-status.js";
import { DuplicateRecordError, RecordNotFoundError, type RecordStore } from "../../src/store/record-store.js";
import { useFreshStore, type MakeStore } from "./fresh-store.js";

/**
 * The `RecordStore` contract: what every backend of the pipeline's records (the SQLite
 * file, PostgreSQL, AirTable) must do, in terms of the interface only. Run it from a
 * `*.test.ts` file:
 *
 *   describeRecordStoreContract("sqlite in memory", async () => ({ store: SqliteLeadStore.open(":memory:") }));
 *
 * Each test gets a fresh, empty store. Orders of lists are not part of the contract, so
 * lists are compared sorted.
 */
export function describeRecordStoreContract(
  name: string,
  makeStore: MakeStore<RecordStore>,
): void {
  describe(`RecordStore contract: ${name}`, () => {
    let store: RecordStore;
    useFreshStore(makeStore, (fresh) => (store = fresh));

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

      it("hands each page of a listing on as it is read, and the pages make the whole listing", async () => {
        await store.upsertLeadsByName(Array.from({ length: 105 }, (_, i) => newLeadFields(`Paged ${String(i).padStart(3, "0")}`, "Active Lead")));
        const pages: string[][] = [];
        const listed = await store.listLeads({ onPage: (page) => void pages.push(page.map((l) => l.id)) });
        expect(pages.flat().sort()).toEqual(listed.map((l) => l.id).sort());
        // AirTable reads 100 to a request; the SQL stores read at once.
        expect(pages.map((page) => page.length)).toEqual(store.kind === "airtable" ? [100, 5] : [105]);
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

  });
}
