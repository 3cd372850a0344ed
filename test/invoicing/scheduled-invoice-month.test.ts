import { describe, expect, it } from "vitest";
import { scheduledInvoiceMonth } from "../../src/invoicing/scheduled-invoice-month.js";

describe("scheduledInvoiceMonth", () => {
  it.each([
    ["last", "2026-03-31", "2026-03"],
    ["last", "2026-03-30", null],
    ["last", "2028-02-29", "2028-02"],
    ["last", "2027-02-28", "2027-02"],
    [3, "2026-04-03", "2026-03"],
    [3, "2026-04-04", null],
    [1, "2027-01-01", "2026-12"],
    [28, "2026-02-28", "2026-01"],
  ] as const)("day %s on %s → %s", (day, today, expected) => {
    expect(scheduledInvoiceMonth({ invoicing: { day, to: "o@example.org", cc: [], proration: "none" } }, today)).toBe(expected);
  });
});
