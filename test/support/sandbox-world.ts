import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";
import type { LeadStore } from "../../src/store/lead-store.js";
import type { HubSalesAppOptions } from "../../src/app/hub-sales-app.js";
import {
  SANDBOX_HUB_REPO,
  SANDBOX_SALES_REPO,
  startSandboxWorld as startWorld,
  type SandboxWorld,
} from "../../src/sandbox/sandbox-world.js";

export type { SandboxWorld };
export const SALES_REPO = SANDBOX_SALES_REPO;
export const HUB_REPO = SANDBOX_HUB_REPO;

export const SANDBOX_CONFIG = `
hub_repo: ${HUB_REPO}
backlog:
  org: example-org
  project: 1
  status_field: Status
  new_value: "Needs Discussion/Refinement"
  ready_value: "Ready to Work"
follow_up:
  assignees: [carol]
tiers:
  - { name: Education, monthly_fee: 1000.00 }
  - { name: Research, monthly_fee: 1500.00 }
`;

/** The sandbox with an in-memory store and the test config unless told otherwise. */
export function startSandboxWorld(
  input: { config?: string; store?: LeadStore; env?: Record<string, string>; app?: Omit<HubSalesAppOptions, "env" | "onRuntime" | "store"> } = {},
): Promise<SandboxWorld> {
  return startWorld({
    config: input.config ?? SANDBOX_CONFIG,
    store: input.store ?? SqliteLeadStore.open(":memory:"),
    env: input.env,
    app: input.app,
    users: ["rep-one", "rep-two"],
  });
}
