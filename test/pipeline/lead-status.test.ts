import { describe, expect, it } from "vitest";
import {
  LEAD_STATUSES,
  isLeadStatus,
  isOpenStatus,
  parseLeadStatus,
  statusSlug,
  type LeadStatus,
} from "../../src/pipeline/lead-status.js";

describe("LEAD_STATUSES", () => {
  it("are the six AirTable single-select values of SPEC §2, exactly", () => {
    expect([...LEAD_STATUSES]).toEqual([
      "Active Lead",
      "Inactive Lead",
      "Waiting",
      "Needs Admin",
      "Active Service",
      "Inactive Service",
    ]);
  });
});

describe("parseLeadStatus", () => {
  const cases: [string, LeadStatus | null][] = [
    // exact names
    ["Active Lead", "Active Lead"],
    ["Inactive Lead", "Inactive Lead"],
    ["Waiting", "Waiting"],
    ["Needs Admin", "Needs Admin"],
    ["Active Service", "Active Service"],
    ["Inactive Service", "Inactive Service"],
    // any case
    ["needs admin", "Needs Admin"],
    ["NEEDS ADMIN", "Needs Admin"],
    ["waiting", "Waiting"],
    ["aCtIvE sErViCe", "Active Service"],
    // slugs, as typed in `/status needs-admin` and on the command line
    ["needs-admin", "Needs Admin"],
    ["active-lead", "Active Lead"],
    ["inactive-lead", "Inactive Lead"],
    ["active-service", "Active Service"],
    ["inactive-service", "Inactive Service"],
    ["Needs-Admin", "Needs Admin"],
    ["needs_admin", "Needs Admin"],
    // surrounding and repeated spaces
    ["  Needs   Admin  ", "Needs Admin"],
    ["\twaiting\n", "Waiting"],
    // not a status
    ["", null],
    ["   ", null],
    ["active", null],
    ["needsadmin", null],
    ["needs admin please", null],
    ["Lost", null],
    ["status: needs admin", null],
    ["needs--admin", null],
  ];

  it.each(cases)("%j → %j", (input, expected) => {
    expect(parseLeadStatus(input)).toBe(expected);
  });

  it.each(LEAD_STATUSES)("reads back the slug and the name of %s", (status) => {
    expect(parseLeadStatus(statusSlug(status))).toBe(status);
    expect(parseLeadStatus(status)).toBe(status);
    expect(parseLeadStatus(status.toUpperCase())).toBe(status);
  });
});

describe("statusSlug", () => {
  it.each([
    ["Active Lead", "active-lead"],
    ["Needs Admin", "needs-admin"],
    ["Waiting", "waiting"],
    ["Inactive Service", "inactive-service"],
  ] as const)("%s → %s", (status, slug) => {
    expect(statusSlug(status)).toBe(slug);
  });
});

describe("isLeadStatus", () => {
  it("accepts only the exact strings", () => {
    for (const status of LEAD_STATUSES) expect(isLeadStatus(status)).toBe(true);
    expect(isLeadStatus("needs admin")).toBe(false);
    expect(isLeadStatus("needs-admin")).toBe(false);
    expect(isLeadStatus("")).toBe(false);
  });
});

describe("isOpenStatus (SPEC §4.1: the lead issue is open while...)", () => {
  it.each([
    ["Active Lead", true],
    ["Waiting", true],
    ["Needs Admin", true],
    ["Active Service", true],
    ["Inactive Lead", false],
    ["Inactive Service", false],
  ] as const)("%s → %s", (status, open) => {
    expect(isOpenStatus(status)).toBe(open);
  });
});
