import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { configOrThrow, parseConfigText } from "../../src/config/load-config.js";
import { observeLead } from "../../src/controller/observe-lead.js";
import { OwnedIssueIndex } from "../../src/controller/owned-issue-index.js";
import { silentLogger, type ReconcileDeps } from "../../src/controller/reconcile-deps.js";
import { newLeadFields, type Hub, type Lead } from "../../src/domain/records.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";
import { RecordingGateway } from "../support/recording-gateway.js";

const config = configOrThrow(parseConfigText("hub_repo: org/hub"));
let store: SqliteLeadStore;
let gateway: RecordingGateway;

beforeEach(() => {
  store = SqliteLeadStore.open(":memory:");
  gateway = new RecordingGateway();
});
afterEach(async () => {
  await store.close();
});

function deps(prefetched?: Map<string, { lead: Lead; hubs: Hub[] }>): ReconcileDeps {
  return {
    store,
    gateway,
    config,
    salesRepo: { owner: "org", repo: "sales" },
    hubRepo: { owner: "org", repo: "hub" },
    today: () => "2026-03-10",
    now: () => new Date("2026-03-10T12:00:00Z"),
    appLogin: gateway.appLogin,
    log: silentLogger,
    boardCache: {},
    ownedIssues: new OwnedIssueIndex(gateway),
    ...(prefetched ? { prefetched } : {}),
  };
}

describe("observeLead", () => {
  it("takes a full pass's bulk read once, then reads the store again", async () => {
    const lead = await store.createLead(newLeadFields("Bulk Lab", "Active Lead"));
    const prefetched = new Map([[lead.id, { lead: { ...lead, name: "As listed" }, hubs: [] }]]);
    const getLead = vi.spyOn(store, "getLead");
    const listHubs = vi.spyOn(store, "listHubs");

    const first = await observeLead(lead.id, deps(prefetched));
    expect(first?.lead.name).toBe("As listed");
    expect(getLead).not.toHaveBeenCalled();
    expect(listHubs).not.toHaveBeenCalled();
    expect(prefetched.has(lead.id)).toBe(false);

    const second = await observeLead(lead.id, deps(prefetched));
    expect(second?.lead.name).toBe("Bulk Lab");
    expect(getLead).toHaveBeenCalledTimes(1);
    expect(listHubs).toHaveBeenCalledTimes(1);
  });

  it("fetches only the issues that matter for the status: none for an Active Lead without a lead issue", async () => {
    const lead = await store.createLead(
      newLeadFields("Quiet Lab", "Active Lead", { requestInformationIssue: "https://github.com/org/hub/issues/4" }),
    );
    const observed = await observeLead(lead.id, deps());
    expect(observed?.requestInformationIssue).toBeNull();
    expect(gateway.callsOf("getIssueIfChanged")).toHaveLength(0);
  });
});
