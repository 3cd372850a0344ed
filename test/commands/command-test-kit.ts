import type { CommandDeps } from "../../src/commands/command-deps.js";
import { validateConfig } from "../../src/config/load-config.js";
import type { HubSalesConfig, HubSalesConfigInput } from "../../src/config/hub-sales-config.schema.js";
import { newLeadFields, type Lead, type LeadFields } from "../../src/domain/records.js";
import type { RepoPermission, RepoRef } from "../../src/github/github-gateway.js";
import type { IssueMarker } from "../../src/github/issue-marker.js";
import type { LeadStatus } from "../../src/pipeline/lead-status.js";
import type { LeadStore } from "../../src/store/lead-store.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";

export const SALES_REPO: RepoRef = { owner: "2i2c-org", repo: "sales" };
export const HUB_REPO: RepoRef = { owner: "2i2c-org", repo: "infrastructure" };
export const TODAY = "2026-03-10";

export function makeConfig(extra: Partial<HubSalesConfigInput> = {}): HubSalesConfig {
  const result = validateConfig({ hub_repo: "2i2c-org/infrastructure", ...extra });
  if (!result.ok) throw new Error(result.problems.join("; "));
  return result.config;
}

/** A gateway slice that answers from tables and records every call. */
export function fakeAuthGateway(input: { permissions?: Record<string, RepoPermission>; teamMembers?: string[] } = {}) {
  const calls: string[] = [];
  return {
    calls,
    async getRepoPermission(repo: RepoRef, user: string): Promise<RepoPermission> {
      calls.push(`getRepoPermission ${repo.owner}/${repo.repo} ${user}`);
      return input.permissions?.[user] ?? "none";
    },
    async isTeamMember(org: string, team: string, user: string): Promise<boolean> {
      calls.push(`isTeamMember ${org}/${team} ${user}`);
      return input.teamMembers?.includes(user) ?? false;
    },
  };
}

/** Wraps a store, recording the name of every method called. */
export function recordingStore(store: LeadStore): { store: LeadStore; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

export interface Harness {
  store: LeadStore;
  storeCalls: string[];
  deps: CommandDeps;
  reconciles: { leadId: string; reason: string }[];
  deploymentRequests: Lead[];
  invoices: string[];
  /** Everything the store holds, to prove a comment changed nothing. */
  snapshot(): Promise<unknown>;
}

export async function makeHarness(input: {
  config?: HubSalesConfig;
  commenter?: string;
  commenterType?: string;
  repo?: RepoRef;
  marker?: IssueMarker | null;
  today?: string;
  deploymentFails?: boolean;
} = {}): Promise<Harness> {
  const { store, calls } = recordingStore(SqliteLeadStore.open(":memory:"));
  const reconciles: Harness["reconciles"] = [];
  const deploymentRequests: Lead[] = [];
  const invoices: string[] = [];
  const deps: CommandDeps = {
    store,
    config: input.config ?? makeConfig(),
    today: input.today ?? TODAY,
    salesRepo: SALES_REPO,
    commenter: { login: input.commenter ?? "alice", ...(input.commenterType ? { type: input.commenterType } : {}) },
    issue: { repo: input.repo ?? SALES_REPO, number: 7, marker: input.marker ?? null },
    async requestReconcile(leadId, reason) {
      reconciles.push({ leadId, reason });
    },
    async openDeploymentRequest(lead) {
      if (input.deploymentFails) throw new Error("GitHub answered 502");
      deploymentRequests.push(lead);
      return { url: "https://github.com/2i2c-org/infrastructure/issues/99" };
    },
    async buildInvoice(month) {
      invoices.push(month);
      return { url: "https://github.com/2i2c-org/sales/issues/50", summary: "2 communities, USD 2,500.00" };
    },
    now: () => new Date("2026-03-10T12:00:00Z"),
  };
  return {
    store,
    storeCalls: calls,
    deps,
    reconciles,
    deploymentRequests,
    invoices,
    async snapshot() {
      const months = ["2026-01", "2026-02", "2026-03"];
      return {
        leads: await store.listLeads(),
        hubs: await store.listHubs(),
        deliveries: await Promise.all(months.map((m) => store.listDeliveryConfirmations(m))),
      };
    },
  };
}

/** Creates a lead and points the harness's issue at it (as its lead issue). */
export async function addLead(h: Harness, name: string, status: LeadStatus, extra: Partial<LeadFields> = {}): Promise<Lead> {
  const lead = await h.store.createLead(newLeadFields(name, status, { contactEmail: "pi@example.edu", ...extra }));
  if (h.deps.issue.marker === null) h.deps.issue = { ...h.deps.issue, marker: { lead: lead.id, kind: "lead" } };
  h.storeCalls.length = 0;
  return lead;
}
