import { describe, expect, it } from "vitest";
import { computeInvoiceBatch } from "../../src/invoicing/compute-invoice-batch.js";
import type { CloudCost, Hub } from "../../src/domain/records.js";
import { cost, hub, invoicingConfig, serviceLead } from "./invoice-fixtures.js";

const config = invoicingConfig();

function onProject(name: string, leadId: string | null, cloudProject: string | null): Hub {
  return { ...hub(name, leadId), cloudProject };
}

const leads = [
  serviceLead("l-uni", "Example University", { managedCloudBilling: true }),
  serviceLead("l-coast", "Coastal Climate", { managedCloudBilling: true }),
  serviceLead("l-harbor", "Harbor Health", { managedCloudBilling: true }),
  serviceLead("l-self", "Self Paying Lab", { managedCloudBilling: false }),
];

const hubs: Hub[] = [
  // Two hubs of one community on one project (prod and staging): billed once.
  onProject("example-university", "l-uni", "Example_University Hubs"),
  onProject("example-university-staging", "l-uni", "example-university-hubs"),
  // A project shared by the hubs of two communities.
  onProject("coastal-climate", "l-coast", "shared-research"),
  onProject("harbor-health", "l-harbor", "shared-research"),
  // Matched by hub name when no Cloud project is set; and by the export's other name.
  onProject("harbor-health-2", "l-harbor", null),
  onProject("self-lab", "l-self", "Self Lab Account"),
];

// Amounts in cents, as an export gives them; a test independent of the code's own sums.
const costs: CloudCost[] = [
  { ...cost("example-university-hubs", 149355), label: "Example University" },
  cost("shared-research", 41280),
  cost("HARBOR_HEALTH 2", 1999),
  { ...cost("444455556666", 733), label: "self lab account" },
  cost("mystery-project", 1234),
  { ...cost("aws-9999", 5), label: "unknown account" },
  cost("example-university-hubs", 99999, "2026-02"),
];

describe("cloud cost attribution", () => {
  const batch = computeInvoiceBatch({ month: "2026-03", leads, hubs, costs, confirmations: [], config });
  const community = (name: string) => batch.communities.find((c) => c.name === name)!;
  const cloudLine = (name: string) => community(name).lineItems.find((l) => l.kind === "cloud-costs");

  it("bills a project shared by two hubs of one community once, naming the project and its hubs", () => {
    expect(cloudLine("Example University")).toEqual({
      kind: "cloud-costs",
      item: "Cloud costs — 2026-03",
      amount: 149355,
      note: 'project example-university-hubs "Example University" (hubs example-university, example-university-staging): 1493.55',
    });
    expect(community("Example University").cloudProjects.map((p) => [p.project, p.hubs])).toEqual([
      ["example-university-hubs", ["example-university", "example-university-staging"]],
    ]);
  });

  it("matches by hub name when no hub names the project, ignoring case, - _ and spaces", () => {
    expect(cloudLine("Harbor Health")?.amount).toBe(1999);
  });

  it("makes a project shared by two communities an anomaly that bills nothing and says what is needed", () => {
    expect(cloudLine("Coastal Climate")).toBeUndefined();
    const shared = batch.anomalies.filter((a) => a.kind === "shared-project");
    expect(shared).toHaveLength(1);
    expect(shared[0]!.message).toContain('project "shared-research" has 2026-03 costs (USD 412.80) shared by the hubs of Coastal Climate (coastal-climate) and Harbor Health (harbor-health)');
    expect(shared[0]!.message).toContain("nothing is billed from it until the records say how it is split");
    expect(shared[0]!.message).toContain("Cloud project of their own");
    const heldBack = batch.anomalies.find((a) => a.kind === "no-cost-data" && a.leadId === "l-coast");
    expect(heldBack?.message).toBe('Coastal Climate has managed cloud billing but its 2026-03 cloud costs are held back: "shared-research" is shared with another community (see below)');
  });

  it("names every unmatched project with its amount", () => {
    const orphans = batch.anomalies.filter((a) => a.kind === "orphan-costs").map((a) => a.message);
    expect(orphans).toEqual([
      expect.stringContaining('project "aws-9999 (unknown account)" has 2026-03 costs (USD 0.05) but no Active Hubs row names it'),
      expect.stringContaining('project "mystery-project" has 2026-03 costs (USD 12.34)'),
    ]);
  });

  it("accounts for every cost of the month, exact to the cent", () => {
    // Written out by hand from the fixture above, not from the code under test.
    const billedCents = 149355 + 1999;
    const unattributedCents = 41280 + 1234 + 5;
    const notBilledCents = 733; // Self Paying Lab pays its own cloud bill
    const monthCents = 149355 + 41280 + 1999 + 733 + 1234 + 5;
    expect(batch.cloudCosts.billed).toBe(billedCents);
    expect(batch.cloudCosts.unattributed).toBe(unattributedCents);
    expect(batch.cloudCosts.notBilled).toBe(notBilledCents);
    expect(batch.cloudCosts.billed + batch.cloudCosts.unattributed + batch.cloudCosts.notBilled).toBe(monthCents);
    expect(batch.cloudCosts.unattributedProjects.map((p) => [p.project, p.reason, p.amount])).toEqual([
      ["aws-9999", "unmatched", 5],
      ["mystery-project", "unmatched", 1234],
      ["shared-research", "shared", 41280],
    ]);
    expect(batch.cloudCosts.notBilledProjects.map((p) => [p.community, p.project, p.why])).toEqual([["Self Paying Lab", "444455556666", "own-cloud-billing"]]);
    // Fees: four Research leads at 1500.00, plus the two cloud lines.
    expect(batch.total).toBe(4 * 150000 + billedCents);
  });

  it("moves a cost from unattributed to billed once the records say whose it is", () => {
    const split = hubs.map((h) => (h.hub === "harbor-health" ? { ...h, cloudProject: "harbor-own" } : h));
    const after = computeInvoiceBatch({ month: "2026-03", leads, hubs: split, costs, confirmations: [], config });
    expect(after.communities.find((c) => c.name === "Coastal Climate")!.lineItems.find((l) => l.kind === "cloud-costs")?.amount).toBe(41280);
    expect(after.anomalies.some((a) => a.kind === "shared-project")).toBe(false);
    expect(after.cloudCosts.unattributed).toBe(1234 + 5);
  });
});
