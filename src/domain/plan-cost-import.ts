import { cloudProjectKey } from "./cloud-project-key.js";
import type { MinorUnits } from "./money.js";
import type { CloudCost } from "./records.js";

export interface CostImportPlan {
  /** The rows to write: new ones and changed ones. */
  writes: CloudCost[];
  created: number;
  updated: number;
  unchanged: number;
}

/**
 * What importing `incoming` over the stored costs does. A row replaces the stored row of
 * its month and project (projects compared as `cloudProjectKey` does, so a corrected export
 * that writes `Example_University` for `example-university` updates it instead of adding a
 * second one); an identical row is left alone, so importing the same file twice writes nothing.
 */
export function planCostImport(input: { existing: readonly CloudCost[]; incoming: readonly CloudCost[] }): CostImportPlan {
  const stored = new Map(input.existing.map((cost) => [costKey(cost), cost]));
  const plan: CostImportPlan = { writes: [], created: 0, updated: 0, unchanged: 0 };
  for (const row of input.incoming) {
    const current = stored.get(costKey(row));
    if (current === undefined) {
      plan.created += 1;
      plan.writes.push(row);
      continue;
    }
    // The stored spelling is kept: it is the row's key in the store.
    const next: CloudCost = { ...row, hub: current.hub, label: row.label ?? null };
    if (sameCost(current, next)) plan.unchanged += 1;
    else {
      plan.updated += 1;
      plan.writes.push(next);
    }
  }
  return plan;
}

function costKey(cost: CloudCost): string {
  return `${cost.month}\u0000${cloudProjectKey(cost.hub)}`;
}

function sameCost(a: CloudCost, b: CloudCost): boolean {
  return a.amount === b.amount && a.currency === b.currency && (a.label ?? null) === (b.label ?? null) && a.hub === b.hub;
}

export interface CostSummary {
  months: string[];
  projects: string[];
  /** Per currency, sorted by code. */
  sums: { currency: string; amount: MinorUnits }[];
}

/** What a file held, for the import's report: its months, projects and sums. */
export function summarizeCosts(rows: readonly CloudCost[]): CostSummary {
  const months = [...new Set(rows.map((row) => row.month))].sort();
  const projects = new Map<string, string>();
  const sums = new Map<string, MinorUnits>();
  for (const row of rows) {
    if (!projects.has(cloudProjectKey(row.hub))) projects.set(cloudProjectKey(row.hub), row.label ? `${row.hub} (${row.label})` : row.hub);
    sums.set(row.currency, (sums.get(row.currency) ?? 0) + row.amount);
  }
  return {
    months,
    projects: [...projects.values()].sort((a, b) => a.localeCompare(b, "en", { sensitivity: "base" })),
    sums: [...sums.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([currency, amount]) => ({ currency, amount })),
  };
}
