import { describe, expect, it } from "vitest";
import { LEAD_STATUSES, type LeadStatus } from "../../src/pipeline/lead-status.js";
import {
  decideTransition,
  formatList,
  isAllowedTransition,
  nextStatuses,
  unmetGuards,
  type GuardInput,
} from "../../src/pipeline/transition-rules.js";

const TODAY = "2026-03-15";

/** Every guard satisfied: what is left to refuse is the transition table itself. */
const READY: GuardInput = {
  lead: {
    serviceTier: "Research",
    agreement: "email of 2026-03-02",
    serviceStartDate: "2026-03-01",
    followUpDate: "2026-06-01",
  },
  hubs: [{ hub: "acme" }],
  today: TODAY,
};

/** A lead with nothing recorded and no hub: every guard fails. */
const BARE: GuardInput = {
  lead: { serviceTier: null, agreement: null, serviceStartDate: null, followUpDate: null },
  hubs: [],
  today: TODAY,
};

const withLead = (lead: Partial<GuardInput["lead"]>, base: GuardInput = READY): GuardInput => ({
  ...base,
  lead: { ...base.lead, ...lead },
});

// SPEC §2, written out again by hand (rows: from; columns: to) so the test does not
// check TRANSITIONS against itself. "=" same status (no-op), "y" allowed, "." refused.
const COLUMNS: LeadStatus[] = ["Active Lead", "Inactive Lead", "Waiting", "Needs Admin", "Active Service", "Inactive Service"];
const SPEC_TABLE: Record<LeadStatus, string> = {
  //                    AL IL W  NA AS IS
  "Active Lead":       "=  y  y  y  .  .",
  "Inactive Lead":     "y  =  .  .  .  .",
  Waiting:             "y  y  =  y  .  .",
  "Needs Admin":       "y  y  .  =  y  .",
  "Active Service":    ".  .  .  .  =  y",
  "Inactive Service":  "y  .  .  y  .  =",
};

type Expected = "no-op" | "allowed" | "refused";
const CASES: { from: LeadStatus; to: LeadStatus; expected: Expected }[] = Object.entries(SPEC_TABLE).flatMap(
  ([from, row]) =>
    row.split(/\s+/).map((cell, i) => ({
      from: from as LeadStatus,
      to: COLUMNS[i]!,
      expected: (cell === "=" ? "no-op" : cell === "y" ? "allowed" : "refused") as Expected,
    })),
);

const allowedFrom = (from: LeadStatus) => CASES.filter((c) => c.from === from && c.expected === "allowed").map((c) => c.to);

describe("the transition table (SPEC §2)", () => {
  it("covers all 36 pairs of the six statuses", () => {
    expect(CASES).toHaveLength(36);
    expect(new Set(CASES.map((c) => `${c.from}->${c.to}`)).size).toBe(36);
    expect([...COLUMNS].sort()).toEqual([...LEAD_STATUSES].sort());
  });

  it.each(CASES)("$from → $to: $expected", ({ from, to, expected }) => {
    const decision = decideTransition(from, to, READY);
    expect(decision.kind).toBe(expected);
    expect(isAllowedTransition(from, to)).toBe(expected === "allowed");

    if (decision.kind === "no-op") expect(decision.status).toBe(from);
    if (decision.kind === "allowed") expect(decision).toEqual({ kind: "allowed", from, to });
    if (decision.kind === "refused") {
      expect(decision).toMatchObject({ from, to });
      expect(decision.reasons).toHaveLength(1);
      const [reason] = decision.reasons;
      // The refusal says what was asked and every status the lead can go to instead.
      expect(reason).toContain(`from ${from} to ${to}`);
      for (const target of allowedFrom(from)) expect(reason).toContain(target);
    }
  });

  it.each(LEAD_STATUSES)("nextStatuses(%s) lists exactly the allowed targets", (from) => {
    expect([...nextStatuses(from)].sort()).toEqual(allowedFrom(from).sort());
  });

  it("refuses a disallowed pair on the table alone, even when guards also fail", () => {
    const decision = decideTransition("Inactive Lead", "Active Service", BARE);
    expect(decision.kind).toBe("refused");
    if (decision.kind !== "refused") return;
    expect(decision.reasons).toEqual([
      "a lead cannot go from Inactive Lead to Active Service; from Inactive Lead it can go to Active Lead",
    ]);
  });

  it("names the allowed targets as a readable list", () => {
    const decision = decideTransition("Active Lead", "Active Service", READY);
    expect(decision.kind === "refused" && decision.reasons[0]).toBe(
      "a lead cannot go from Active Lead to Active Service; from Active Lead it can go to Inactive Lead, Waiting or Needs Admin",
    );
  });
});

describe("setting the current status again", () => {
  it.each(LEAD_STATUSES)("%s → %s is a no-op, whatever the guards say", (status) => {
    expect(decideTransition(status, status, BARE)).toEqual({ kind: "no-op", status });
  });
});

describe("guards (SPEC §2)", () => {
  describe("entering Needs Admin needs a service tier and an agreement", () => {
    const sources = CASES.filter((c) => c.to === "Needs Admin" && c.expected === "allowed").map((c) => c.from);

    it("is reachable from Active Lead, Waiting and Inactive Service", () => {
      expect(sources.sort()).toEqual(["Active Lead", "Inactive Service", "Waiting"]);
    });

    it.each(sources)("from %s: refused without a tier, pointing at /confirm-service", (from) => {
      const decision = decideTransition(from, "Needs Admin", withLead({ serviceTier: null }));
      expect(decision.kind).toBe("refused");
      expect(decision.kind === "refused" && decision.reasons).toEqual([expect.stringContaining("/confirm-service")]);
      expect(unmetGuards("Needs Admin", withLead({ serviceTier: null })).map((u) => u.code)).toEqual([
        "service-tier-missing",
      ]);
    });

    it.each(sources)("from %s: refused without an agreement", (from) => {
      const input = withLead({ agreement: "" });
      const decision = decideTransition(from, "Needs Admin", input);
      expect(decision.kind).toBe("refused");
      expect(decision.kind === "refused" && decision.reasons).toEqual([expect.stringMatching(/agreement/)]);
      expect(unmetGuards("Needs Admin", input).map((u) => u.code)).toEqual(["agreement-missing"]);
    });

    it("lists both when both are missing, and allows when both are there", () => {
      const decision = decideTransition("Active Lead", "Needs Admin", BARE);
      expect(decision.kind === "refused" && decision.reasons).toHaveLength(2);
      expect(unmetGuards("Needs Admin", BARE).map((u) => u.code)).toEqual(["service-tier-missing", "agreement-missing"]);
      expect(
        decideTransition("Active Lead", "Needs Admin", withLead({ serviceTier: "Education", agreement: "x" }, BARE)).kind,
      ).toBe("allowed");
    });
  });

  describe("entering Active Service needs a live hub and a start date on or before today", () => {
    const cases: { name: string; input: GuardInput; unmet: string[] }[] = [
      { name: "all there, started before today", input: READY, unmet: [] },
      { name: "starts today", input: withLead({ serviceStartDate: TODAY }), unmet: [] },
      { name: "starts tomorrow", input: withLead({ serviceStartDate: "2026-03-16" }), unmet: ["start-date-in-future"] },
      { name: "starts next year", input: withLead({ serviceStartDate: "2027-01-01" }), unmet: ["start-date-in-future"] },
      { name: "no start date", input: withLead({ serviceStartDate: null }), unmet: ["start-date-missing"] },
      { name: "no hub", input: { ...READY, hubs: [] }, unmet: ["hub-missing"] },
      {
        name: "no hub and no start date",
        input: { ...withLead({ serviceStartDate: null }), hubs: [] },
        unmet: ["hub-missing", "start-date-missing"],
      },
      // Other guards do not apply to Active Service.
      { name: "no tier, agreement or follow-up", input: withLead({ serviceTier: null, agreement: null, followUpDate: null }), unmet: [] },
    ];

    it.each(cases)("$name", ({ input, unmet }) => {
      expect(unmetGuards("Active Service", input).map((u) => u.code)).toEqual(unmet);
      const decision = decideTransition("Needs Admin", "Active Service", input);
      expect(decision.kind).toBe(unmet.length === 0 ? "allowed" : "refused");
      if (decision.kind === "refused") expect(decision.reasons).toHaveLength(unmet.length);
    });

    it("tells how to record the hub, and when a future start date will be acted on", () => {
      const noHub = decideTransition("Needs Admin", "Active Service", { ...READY, hubs: [] });
      expect(noHub.kind === "refused" && noHub.reasons[0]).toMatch(/\/hub-live/);
      const future = decideTransition("Needs Admin", "Active Service", withLead({ serviceStartDate: "2026-04-01" }));
      expect(future.kind === "refused" && future.reasons[0]).toContain("2026-04-01");
    });
  });

  describe("entering Waiting needs a follow-up date", () => {
    const sources = CASES.filter((c) => c.to === "Waiting" && c.expected === "allowed").map((c) => c.from);

    it.each(sources)("from %s: refused without one (pointing at /wait), allowed with one", (from) => {
      const refused = decideTransition(from, "Waiting", withLead({ followUpDate: null }));
      expect(refused.kind === "refused" && refused.reasons).toEqual([expect.stringContaining("/wait until=")]);
      expect(decideTransition(from, "Waiting", withLead({ followUpDate: "2026-06-01" }, BARE)).kind).toBe("allowed");
    });
  });

  it.each(["Active Lead", "Inactive Lead", "Inactive Service"] as const)("entering %s has no guard", (to) => {
    expect(unmetGuards(to, BARE)).toEqual([]);
  });

  it("every allowed pair into an unguarded status passes with nothing recorded", () => {
    for (const { from, to } of CASES.filter((c) => c.expected === "allowed")) {
      const guarded = to === "Needs Admin" || to === "Active Service" || to === "Waiting";
      expect(decideTransition(from, to, BARE).kind, `${from} → ${to}`).toBe(guarded ? "refused" : "allowed");
    }
  });
});

describe("formatList", () => {
  it.each([
    [[], ""],
    [["A"], "A"],
    [["A", "B"], "A or B"],
    [["A", "B", "C"], "A, B or C"],
  ])("%j → %j", (items, text) => {
    expect(formatList(items)).toBe(text);
  });
});
