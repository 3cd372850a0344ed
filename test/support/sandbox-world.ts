import { startGitHubStandIn, type GitHubStandIn } from "../../src/sandbox/github-stand-in/github-stand-in.js";
import { startHubSalesServer, type HubSalesServer } from "../../src/app/start-hub-sales-server.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";
import type { LeadStore } from "../../src/store/lead-store.js";
import type { HubSalesAppOptions } from "../../src/app/hub-sales-app.js";

export const SALES_REPO = "example-org/sales";
export const HUB_REPO = "example-org/infrastructure";

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

export interface SandboxWorld {
  github: GitHubStandIn;
  server: HubSalesServer;
  store: LeadStore;
  /** Waits until webhooks are delivered and the queue has nothing due. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The GitHub stand-in and the real app server wired together over HTTP: signed webhooks
 * in, REST and GraphQL out, the embedded store in memory.
 */
export async function startSandboxWorld(
  input: { config?: string; store?: LeadStore; app?: Omit<HubSalesAppOptions, "env" | "onRuntime" | "store"> } = {},
): Promise<SandboxWorld> {
  const github = await startGitHubStandIn({
    orgs: [{ login: "example-org", teams: { partnerships: ["alice"] } }],
    users: ["alice", "bob", "carol", "rep-one", "rep-two"],
    repos: [
      {
        fullName: SALES_REPO,
        private: true,
        files: { ".github/hub-sales.yml": input.config ?? SANDBOX_CONFIG },
        permissions: { alice: "admin", carol: "write", bob: "read" },
      },
      { fullName: HUB_REPO, private: false, permissions: { alice: "admin", carol: "write" } },
    ],
    projects: [
      {
        org: "example-org",
        number: 1,
        title: "Engineering backlog",
        statusField: { name: "Status", options: ["Needs Discussion/Refinement", "Ready to Work", "In Progress", "Done"] },
      },
    ],
  });
  const store = input.store ?? SqliteLeadStore.open(":memory:");
  const secret = "sandbox-webhook-secret";
  const server = await startHubSalesServer({
    env: {
      APP_ID: String(github.app.id),
      PRIVATE_KEY: github.app.privateKey,
      WEBHOOK_SECRET: secret,
      GHE_HOST: github.host,
      GHE_PROTOCOL: "http",
      LOG_LEVEL: "fatal",
      HUB_SALES_REPO: SALES_REPO,
      HUB_SALES_TIMERS: "off",
    },
    retryPolicy: { retryAfterBaseMs: 10, writeIntervalMs: 0 },
    app: { store, queue: { baseDelayMs: 20, maxDelayMs: 200, pollIntervalMs: 50 }, ...input.app },
  });
  github.setWebhookTarget({ url: server.webhookUrl, secret });
  const settle = async () => {
    for (let i = 0; i < 20; i++) {
      await github.settle();
      await server.runtime.queue.drain();
      await github.settle();
      const due = await store.listDueWork(new Date(), 1);
      if (due.length === 0 && github.deliveries.every((d) => d.status !== null)) return;
    }
  };
  return {
    github,
    server,
    store,
    settle,
    async close() {
      await server.close();
      await github.close();
      await store.close();
    },
  };
}
