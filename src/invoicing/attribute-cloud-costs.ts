import type { CalendarMonth } from "../domain/calendar-date.js";
import { cloudProjectKey } from "../domain/cloud-project-key.js";
import type { MinorUnits } from "../domain/money.js";
import type { CloudCost, Hub, Lead } from "../domain/records.js";

/** One cloud project's cost in the month, and the hubs it was matched to. */
export interface CloudProjectCost {
  /** As the export names it (a GCP project id, an AWS account number, a hub name). */
  project: string;
  /** Its other name in the export, when it has one (a GCP project's name). */
  label: string | null;
  amount: MinorUnits;
  currency: string;
  /** The Active Hubs rows the project was matched to, sorted. */
  hubs: string[];
}

/**
 * Why a project's cost is billed to nobody:
 * `unmatched` — no hub names it as Cloud project or hub name;
 * `shared` — hubs of several communities share it, and the records do not say the split;
 * `no-community` — its hubs are linked to no known lead.
 */
export type UnattributedReason = "unmatched" | "shared" | "no-community";

export interface UnattributedCloudCost extends CloudProjectCost {
  reason: UnattributedReason;
  /** For `shared`: the communities whose hubs share the project, sorted by name. */
  communities: { leadId: string; name: string; hubs: string[] }[];
}

export interface CloudCostAttribution {
  /** Per lead id: the projects attributed to that community, sorted by project. */
  byLead: Map<string, CloudProjectCost[]>;
  unattributed: UnattributedCloudCost[];
}

const ORDER = new Intl.Collator("en", { sensitivity: "base", numeric: true });

/**
 * Matches the month's costs to communities (SPEC §3): a cost's project is matched to the
 * hubs whose `Cloud project` names it (by the export's id or its other name), and only when
 * none does, to the hubs of that name; names are compared as `cloudProjectKey` does. A
 * project is then attributed once, to the one community its hubs serve, however many of
 * that community's hubs share it. Every other cost is returned as unattributed, with why.
 */
export function attributeCloudCosts(input: {
  month: CalendarMonth;
  costs: readonly CloudCost[];
  hubs: readonly Hub[];
  leadsById: ReadonlyMap<string, Lead>;
}): CloudCostAttribution {
  const byProject = indexHubs(input.hubs, (hub) => hub.cloudProject ?? null);
  const byName = indexHubs(input.hubs, (hub) => hub.hub);

  // One entry per project and currency: the store keeps one row per month and project, but
  // two spellings (`a_b`, `a-b`) from different imports are the same project.
  const projects = new Map<string, CloudProjectCost & { keys: string[] }>();
  for (const cost of input.costs) {
    if (cost.month !== input.month) continue;
    const key = `${cloudProjectKey(cost.hub)}\u0000${cost.currency}`;
    const entry = projects.get(key);
    const keys = [cost.hub, cost.label ?? ""].filter((k) => k.trim() !== "").map(cloudProjectKey);
    if (entry === undefined) {
      projects.set(key, { project: cost.hub, label: cost.label ?? null, amount: cost.amount, currency: cost.currency, hubs: [], keys });
    } else {
      entry.amount += cost.amount;
      entry.keys.push(...keys);
      entry.label ??= cost.label ?? null;
    }
  }

  const byLead = new Map<string, CloudProjectCost[]>();
  const unattributed: UnattributedCloudCost[] = [];
  for (const { keys, ...cost } of projects.values()) {
    const matched = collect(byProject, keys);
    const hubs = matched.length > 0 ? matched : collect(byName, keys);
    cost.hubs = hubs.map((h) => h.hub).sort(ORDER.compare);
    const communities = new Map<string, Hub[]>();
    for (const hub of hubs) {
      if (hub.communityLeadId === null || !input.leadsById.has(hub.communityLeadId)) continue;
      const list = communities.get(hub.communityLeadId) ?? [];
      list.push(hub);
      communities.set(hub.communityLeadId, list);
    }
    if (communities.size === 1) {
      const [leadId] = communities.keys();
      const list = byLead.get(leadId!) ?? [];
      list.push(cost);
      byLead.set(leadId!, list);
      continue;
    }
    unattributed.push({
      ...cost,
      reason: hubs.length === 0 ? "unmatched" : communities.size === 0 ? "no-community" : "shared",
      communities: [...communities.entries()]
        .map(([leadId, list]) => ({ leadId, name: input.leadsById.get(leadId)!.name, hubs: list.map((h) => h.hub).sort(ORDER.compare) }))
        .sort((a, b) => ORDER.compare(a.name, b.name)),
    });
  }
  for (const list of byLead.values()) list.sort((a, b) => ORDER.compare(a.project, b.project));
  unattributed.sort((a, b) => ORDER.compare(a.project, b.project) || a.currency.localeCompare(b.currency));
  return { byLead, unattributed };
}

function indexHubs(hubs: readonly Hub[], name: (hub: Hub) => string | null): Map<string, Hub[]> {
  const index = new Map<string, Hub[]>();
  for (const hub of hubs) {
    const value = name(hub);
    if (value === null || value.trim() === "") continue;
    const key = cloudProjectKey(value);
    const list = index.get(key) ?? [];
    list.push(hub);
    index.set(key, list);
  }
  return index;
}

function collect(index: Map<string, Hub[]>, keys: readonly string[]): Hub[] {
  const found = new Map<string, Hub>();
  for (const key of keys) for (const hub of index.get(key) ?? []) found.set(hub.id, hub);
  return [...found.values()];
}
