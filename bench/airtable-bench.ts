/**
 * Requests and wall time of the AirTable store against the limits (SPEC §9: pages of 100,
 * writes of 10, 5 requests/s per base), on the stand-in running the real limits.
 *
 *   npx tsx bench/airtable-bench.ts                 # 5,000 leads, 1,000-row import, 5 requests/s (about 1.5 min)
 *   npx tsx bench/airtable-bench.ts --rate 50       # the same shape, ten times faster
 *   npx tsx bench/airtable-bench.ts --leads 2000 --import 500
 */
import { parseArgs } from "node:util";
import { newLeadFields, type LeadFields } from "../src/domain/records.js";
import { startAirtableStandIn, type AirtableStandIn } from "../src/sandbox/airtable-stand-in/airtable-stand-in.js";
import { hubSalesBaseSchema } from "../src/sandbox/airtable-stand-in/hub-sales-base-schema.js";
import { openAirtableLeadStore, type AirtableRecordStore } from "../src/store/airtable/airtable-record-store.js";
import type { ComposedLeadStore } from "../src/store/lead-store.js";
import { SqliteLeadStore } from "../src/store/sqlite-lead-store.js";

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "5" },
    leads: { type: "string", default: "5000" },
    import: { type: "string", default: "1000" },
  },
});
const rate = Number(values.rate);
const leadCount = Number(values.leads);
const importCount = Number(values.import);
for (const [name, n] of [["--rate", rate], ["--leads", leadCount], ["--import", importCount]] as const) {
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`${name} must be a positive whole number (got ${JSON.stringify(n)})`);
    process.exit(2);
  }
}

const PAGE = 100;
const WRITE = 10;
const STATUSES = ["Active Lead", "Inactive Lead", "Waiting", "Needs Admin", "Active Service", "Inactive Service"];

interface Row {
  what: string;
  requests: number;
  byMethod: string;
  seconds: number;
  floorRequests: number;
  floorSeconds: number;
  maxRate: number;
  throttled: number;
}

function seedLead(i: number): Record<string, unknown> {
  return {
    Name: `Community ${String(i).padStart(5, "0")}`,
    Status: STATUSES[i % STATUSES.length],
    "GitHub handles": `rep${i}, rep${i}b`,
    "Contact email": `pi${i}@example.org`,
    "Monthly fee": 1500,
    Need: "Notebooks for a course",
  };
}

function importRow(i: number): LeadFields {
  return newLeadFields(`Community ${String(i).padStart(5, "0")}`, "Active Lead", {
    githubHandles: [`rep${i}`],
    serviceTier: "Research",
    monthlyFee: 150000,
  });
}

async function openStore(standIn: AirtableStandIn): Promise<ComposedLeadStore<AirtableRecordStore>> {
  return openAirtableLeadStore({
    token: standIn.token,
    baseId: standIn.baseId,
    endpointUrl: standIn.url,
    appState: SqliteLeadStore.open(":memory:"),
    policy: { requestsPerSecond: rate },
  });
}

async function measure(
  standIn: AirtableStandIn,
  what: string,
  floorRequests: number,
  run: () => Promise<unknown>,
): Promise<Row> {
  standIn.resetStats();
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  const stats = standIn.stats();
  return {
    what,
    requests: stats.total,
    byMethod: Object.entries(stats.byMethod)
      .map(([m, n]) => `${m} ${n}`)
      .join(", "),
    seconds,
    floorRequests,
    // n requests spaced 1/rate apart: the first goes at once.
    floorSeconds: Math.max(0, floorRequests - 1) / rate,
    maxRate: stats.maxObservedRate,
    throttled: stats.byStatus["429"] ?? 0,
  };
}

async function main(): Promise<void> {
  console.log(`AirTable store benchmark: ${leadCount} leads, ${importCount}-row import, ${rate} requests/s per base\n`);
  const rows: Row[] = [];

  // 1. A reconcile pass reads every lead and every hub.
  const seeded = await startAirtableStandIn({
    requestsPerSecond: rate,
    bases: [
      {
        tables: hubSalesBaseSchema().map((t) =>
          t.name === "Leads" ? { ...t, records: Array.from({ length: leadCount }, (_, i) => seedLead(i)) } : t,
        ),
      },
    ],
  });
  try {
    const store = await openStore(seeded);
    let listed = 0;
    rows.push(
      await measure(seeded, `read ${leadCount} leads + hubs (reconcile pass)`, Math.ceil(leadCount / PAGE) + 1, async () => {
        listed = (await store.listLeads()).length + (await store.listHubs()).length;
      }),
    );
    if (listed !== leadCount) throw new Error(`listed ${listed} leads, expected ${leadCount}`);

    // 2. Import into the populated base: half the rows match existing leads (updates), half are new.
    const half = Math.floor(importCount / 2);
    const batch = Array.from({ length: importCount }, (_, i) => importRow(i < half ? i : leadCount + i));
    const existingPages = Math.ceil(leadCount / PAGE);
    rows.push(
      await measure(
        seeded,
        `upsert ${importCount} rows into ${leadCount} (${half} updates)`,
        existingPages + Math.ceil(half / WRITE) + Math.ceil((importCount - half) / WRITE),
        async () => {
          const result = await store.upsertLeadsByName(batch);
          if (result.created + result.updated !== importCount) throw new Error(`upsert wrote ${JSON.stringify(result)}`);
        },
      ),
    );
    await store.close();
  } finally {
    await seeded.close();
  }

  // 3. Import into an empty base: one listing page, then creates in tens.
  const empty = await startAirtableStandIn({ requestsPerSecond: rate });
  try {
    const store = await openStore(empty);
    rows.push(
      await measure(empty, `upsert ${importCount} rows into an empty base`, 1 + Math.ceil(importCount / WRITE), async () => {
        await store.upsertLeadsByName(Array.from({ length: importCount }, (_, i) => importRow(i)));
      }),
    );
    if (empty.records("Leads").length !== importCount) throw new Error("the import lost or duplicated rows");
    await store.close();
  } finally {
    await empty.close();
  }

  const table = rows.map((r) => ({
    benchmark: r.what,
    requests: r.requests,
    "by method": r.byMethod,
    "wall s": r.seconds.toFixed(1),
    "floor requests": r.floorRequests,
    "floor s": r.floorSeconds.toFixed(1),
    "vs floor": `${((r.seconds / Math.max(r.floorSeconds, 0.001)) * 100).toFixed(0)}%`,
    "max req/s seen": r.maxRate,
    "429s": r.throttled,
  }));
  console.table(table);
  console.log(
    "\nFloor: pages of 100 and writes of 10 at the base's rate; an upsert must also read the existing names\n" +
      "(one page per 100 records) to match them without case. Wall time includes the stand-in's own work.",
  );
  if (rows.some((r) => r.throttled > 0)) process.exitCode = 1;
}

await main();
