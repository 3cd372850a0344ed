/**
 * Wall time of reading a large Azure daily cost export (the biggest of the three forms: one
 * row per day, resource group and meter) and attributing the month to communities.
 *
 *   npx tsx bench/cost-exports-bench.ts                     # 200 resource groups × 31 days × 20 meters (124,000 rows)
 *   npx tsx bench/cost-exports-bench.ts --groups 50 --meters 5
 */
import { parseArgs } from "node:util";
import { readCostsCsv } from "../src/csv/read-costs-csv.js";
import { newLeadFields, type Hub, type Lead } from "../src/domain/records.js";
import { computeInvoiceBatch } from "../src/invoicing/compute-invoice-batch.js";
import { hubSalesConfigSchema } from "../src/config/hub-sales-config.schema.js";

const { values } = parseArgs({ options: { groups: { type: "string", default: "200" }, meters: { type: "string", default: "20" } } });
const groups = Number(values.groups);
const meters = Number(values.meters);
for (const [name, n] of [["--groups", groups], ["--meters", meters]] as const) {
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`${name} must be a positive whole number (got ${JSON.stringify(n)})`);
    process.exit(2);
  }
}

const lines = ["SubscriptionId,SubscriptionName,ResourceGroup,Date,MeterCategory,CostInBillingCurrency,BillingCurrencyCode"];
for (let g = 0; g < groups; g += 1) {
  for (let day = 1; day <= 31; day += 1) {
    for (let m = 0; m < meters; m += 1) {
      // Deterministic many-decimal amounts, as Azure writes them.
      const amount = (((g + 1) * 7919 + day * 104729 + m * 1299709) % 1000003) / 1000003;
      lines.push(`sub-${g % 7},Subscription ${g % 7},rg-hub-${g},03/${String(day).padStart(2, "0")}/2026,Meter ${m},${amount.toFixed(9)},USD`);
    }
  }
}
const text = lines.join("\n");
const t0 = performance.now();
const result = readCostsCsv({ text, currency: "USD" });
const t1 = performance.now();
if (!result.ok) throw new Error(result.problems[0]!.message);

const leads: Lead[] = Array.from({ length: groups }, (_, g) => ({
  id: `lead-${g}`,
  ...newLeadFields(`Community ${g}`, "Active Service", { serviceTier: "Research", serviceStartDate: "2025-01-01", managedCloudBilling: true }),
}));
const hubs: Hub[] = leads.map((lead, g) => ({ id: `hub-${g}`, hub: `hub-${g}`, communityLeadId: lead.id, url: null, deploymentIssue: null, liveSince: null, cloudProject: `rg-hub-${g}` }));
const batch = computeInvoiceBatch({ month: "2026-03", leads, hubs, costs: result.rows, confirmations: [], config: hubSalesConfigSchema.parse({ hub_repo: "a/b" }) });
const t2 = performance.now();

console.log(`${lines.length - 1} rows (${(text.length / 1e6).toFixed(1)} MB) read into ${result.rows.length} project-months in ${(t1 - t0).toFixed(0)} ms`);
console.log(`attributed and invoiced ${batch.communities.length} communities in ${(t2 - t1).toFixed(0)} ms; billed USD ${(batch.cloudCosts.billed / 100).toFixed(2)}, unattributed ${batch.cloudCosts.unattributed}`);
