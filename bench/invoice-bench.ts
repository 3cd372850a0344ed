/**
 * Invoice batch benchmark: 2,000 communities and 50,000 cost records.
 * Run: npx tsx bench/invoice-bench.ts
 *
 * Measures (1) the pure compute + render (Markdown, CSV, email) from records in memory,
 * in two shapes of the 50,000 records, and (2) the same through the embedded SQLite store
 * (`buildInvoiceBatch`), and prints time and peak memory (maxRSS, heap).
 */
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { resourceUsage } from "node:process";
import { hubSalesConfigSchema } from "../src/config/hub-sales-config.schema.js";
import type { CloudCost, Hub, Lead } from "../src/domain/records.js";
import { newLeadFields } from "../src/domain/records.js";
import { buildInvoiceBatch } from "../src/invoicing/build-invoice-batch.js";
import { computeInvoiceBatch, type InvoiceBatch } from "../src/invoicing/compute-invoice-batch.js";
import { renderInvoiceCsv } from "../src/invoicing/render-invoice-csv.js";
import { renderInvoiceEmail } from "../src/invoicing/render-invoice-email.js";
import { renderInvoiceMarkdown } from "../src/invoicing/render-invoice-markdown.js";
import type { DeliveryConfirmation } from "../src/store/lead-store.js";
import { SqliteLeadStore } from "../src/store/sqlite-lead-store.js";

const COMMUNITIES = 2_000;
const COST_RECORDS = 50_000;
const MONTH = "2026-03";
const TIERS = ["Education", "Research", "Partnership"];
const config = hubSalesConfigSchema.parse({ hub_repo: "2i2c-org/infrastructure", invoicing: { proration: "daily" } });

interface Dataset {
  leads: Lead[];
  hubs: Hub[];
  costs: CloudCost[];
  confirmations: DeliveryConfirmation[];
}

/** `hubsPerCommunity` hubs each; the cost records spread over `months` months ending with MONTH. */
function makeDataset(hubsPerCommunity: number, months: number): Dataset {
  const leads: Lead[] = [];
  const hubs: Hub[] = [];
  const costs: CloudCost[] = [];
  const confirmations: DeliveryConfirmation[] = [];
  for (let i = 0; i < COMMUNITIES; i += 1) {
    const id = `lead-${i}`;
    leads.push({
      id,
      ...newLeadFields(`Community ${String(i).padStart(4, "0")}`, "Active Service", {
        serviceTier: TIERS[i % 3]!,
        serviceStartDate: i % 10 === 0 ? "2026-03-15" : "2025-01-01",
        managedCloudBilling: i % 4 !== 0,
        agreement: "signed",
        contract: i % 2 === 0 ? "https://example.org/contract" : null,
      }),
    });
    if (i % 3 === 0) confirmations.push({ leadId: id, month: MONTH, confirmedBy: "rep", confirmedAt: "2026-03-30T00:00:00Z" });
    for (let h = 0; h < hubsPerCommunity; h += 1) {
      hubs.push({ id: `hub-${i}-${h}`, hub: `hub-${i}-${h}`, communityLeadId: id, url: null, deploymentIssue: null, liveSince: null });
    }
  }
  const monthNames = ["2025-11", "2025-12", "2026-01", "2026-02", MONTH].slice(-months);
  let n = 0;
  outer: for (const month of monthNames) {
    for (const hub of hubs) {
      if (n >= COST_RECORDS) break outer;
      costs.push({ month, hub: hub.hub, amount: 1_000 + ((n * 7919) % 500_000), currency: n % 997 === 0 ? "EUR" : "USD" });
      n += 1;
    }
  }
  return { leads, hubs, costs, confirmations };
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function computeAndRender(data: Dataset): Promise<{ batch: InvoiceBatch; sizes: number[] }> {
  const batch = computeInvoiceBatch({ month: MONTH, config, ...data });
  return { batch, ...(await renderOnly(batch)) };
}

async function measure(label: string, run: () => Promise<string>, repeats = 5): Promise<void> {
  await run(); // warm-up: JIT and lazy imports out of the figures
  const times: number[] = [];
  let summary = "";
  let peakHeap = 0;
  for (let r = 0; r < repeats; r += 1) {
    const start = performance.now();
    summary = await run();
    times.push(performance.now() - start);
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  times.sort((a, b) => a - b);
  console.log(`${label}`);
  console.log(`  ${summary}`);
  console.log(
    `  time: median ${times[Math.floor(times.length / 2)]!.toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms, max ${times[times.length - 1]!.toFixed(1)} ms (${repeats} runs)`,
  );
  console.log(`  heap used after runs (max): ${mb(peakHeap)}; process maxRSS so far: ${mb(resourceUsage().maxRSS * 1024)}`);
}

const SCENARIOS: Record<string, () => Promise<void>> = {
  async spread() {
    const data = makeDataset(5, 5); // 10,000 hubs, 5 months of records: 10,000 in the month
    await measure("compute + render, 10,000 hubs, 50,000 records over 5 months (10,000 in the month)", async () => {
      const { batch, sizes } = await computeAndRender(data);
      return `${batch.communities.length} communities, total ${batch.total} cents, ${batch.anomalies.length} anomalies; md ${sizes[0]} chars, csv ${sizes[1]} chars, eml ${sizes[2]} bytes`;
    });
  },
  async dense() {
    const data = makeDataset(25, 1); // 50,000 hubs, all 50,000 records in the month
    await measure("compute + render, 50,000 hubs, all 50,000 records in the month", async () => {
      const { batch, sizes } = await computeAndRender(data);
      return `${batch.communities.length} communities, total ${batch.total} cents, ${batch.anomalies.length} anomalies; md ${sizes[0]} chars, csv ${sizes[1]} chars, eml ${sizes[2]} bytes`;
    });
  },
  // Through the embedded store, as `hub-sales invoice` runs it.
  async sqlite() {
    const data = makeDataset(5, 5);
    const store = SqliteLeadStore.open(":memory:");
    const loadStart = performance.now();
    const ids = new Map<string, string>();
    for (const { id, ...fields } of data.leads) ids.set(id, (await store.createLead(fields)).id);
    await store.upsertHubsByName(data.hubs.map(({ id: _id, ...h }) => ({ ...h, communityLeadId: ids.get(h.communityLeadId!)! })));
    await store.upsertCloudCosts(data.costs);
    for (const c of data.confirmations) await store.recordDeliveryConfirmation({ ...c, leadId: ids.get(c.leadId)! });
    console.log(`(SQLite :memory: store seeded in ${(performance.now() - loadStart).toFixed(0)} ms)`);
    await measure("buildInvoiceBatch from SQLite + render, 10,000 hubs, 50,000 records", async () => {
      const batch = await buildInvoiceBatch({ store, config, month: MONTH });
      const { sizes } = await renderOnly(batch);
      return `${batch.communities.length} communities, total ${batch.total} cents; md ${sizes[0]}, csv ${sizes[1]}, eml ${sizes[2]}`;
    });
    await store.close();
  },
};

async function renderOnly(batch: InvoiceBatch): Promise<{ sizes: number[] }> {
  const markdown = renderInvoiceMarkdown(batch);
  const csv = renderInvoiceCsv(batch);
  const email = await renderInvoiceEmail({ batch, config, date: new Date("2026-03-31T18:00:00Z") });
  return { sizes: [markdown.length, csv.length, email.raw.length] };
}

/**
 * Without an argument every scenario runs in its own child process, so each maxRSS is its
 * own (maxRSS only grows within a process).
 */
async function main(): Promise<void> {
  const scenario = process.argv[2];
  if (scenario !== undefined) {
    const run = SCENARIOS[scenario];
    if (!run) throw new Error(`unknown scenario "${scenario}"; use one of ${Object.keys(SCENARIOS).join(", ")}`);
    console.log(`baseline: heap ${mb(process.memoryUsage().heapUsed)}, maxRSS ${mb(resourceUsage().maxRSS * 1024)}`);
    await run();
    console.log(`peak memory of this scenario's process: maxRSS ${mb(resourceUsage().maxRSS * 1024)}`);
    return;
  }
  console.log(`invoice benchmark: ${COMMUNITIES} communities, ${COST_RECORDS} cost records, node ${process.version}`);
  for (const name of Object.keys(SCENARIOS)) {
    console.log("");
    const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, name], { stdio: "inherit" });
    if (child.status !== 0) process.exitCode = 1;
  }
}

await main();
