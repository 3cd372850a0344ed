import { startGitHubStandIn, type GitHubStandIn } from "./github-stand-in/github-stand-in.js";
import { startHubSalesServer, type HubSalesServer } from "../app/start-hub-sales-server.js";
import type { LeadStore } from "../store/lead-store.js";
import type { HubSalesAppOptions } from "../app/hub-sales-app.js";
import type { GitHubRetryPolicy } from "../github/octokit-options.js";

export const SANDBOX_ORG = "example-org";
export const SANDBOX_SALES_REPO = `${SANDBOX_ORG}/sales`;
export const SANDBOX_HUB_REPO = `${SANDBOX_ORG}/infrastructure`;
export const SANDBOX_WEBHOOK_SECRET = "sandbox-webhook-secret";

export interface SandboxWorld {
  github: GitHubStandIn;
  server: HubSalesServer;
  /** The server's store (the one given, or the one it opened from `HUB_SALES_DB`). */
  store: LeadStore;
  /** The environment the server runs with; CLI calls against the same world use it too. */
  env: Record<string, string | undefined>;
  /** Waits until every webhook is answered and the work queue has nothing due. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The GitHub stand-in and the real app server wired together over HTTP on 127.0.0.1:
 * signed webhooks in, REST and GraphQL out. People are `alice` (admin of both repos, in
 * the `partnerships` team), `carol` (write), `bob` (read on the sales repo) and the
 * community representatives. The demo and the end-to-end tests both stand on this.
 */
export async function startSandboxWorld(input: {
  /** Text of `.github/hub-sales.yml` in the sales repo. */
  config: string;
  env?: Record<string, string | undefined>;
  store?: LeadStore;
  app?: Omit<HubSalesAppOptions, "env" | "onRuntime" | "store">;
  /** Extra users of the stand-in (community representatives). */
  users?: string[];
  /**
   * Over the sandbox's (short retry waits, no write spacing). `writeIntervalMs: undefined`
   * spaces writes as against GitHub.com (benchmarks measuring GitHub's pace).
   */
  retryPolicy?: Partial<GitHubRetryPolicy>;
}): Promise<SandboxWorld> {
  const github = await startSandboxGitHub({ config: input.config, users: input.users });
  const secret = SANDBOX_WEBHOOK_SECRET;
  const env: Record<string, string | undefined> = {
    ...sandboxAppEnv(github),
    LOG_LEVEL: "fatal",
    HUB_SALES_TIMERS: "off",
    // The app's OAuth client, for the dashboard's "Sign in with GitHub" through the stand-in.
    GITHUB_CLIENT_ID: github.app.clientId,
    GITHUB_CLIENT_SECRET: github.app.clientSecret,
    ...input.env,
  };
  let server: HubSalesServer;
  try {
    server = await startHubSalesServer({
      env,
      // The stand-in has no abuse detection: no need to space writes out as for GitHub.
      retryPolicy: { retryAfterBaseMs: 10, writeIntervalMs: 0, ...input.retryPolicy },
      app: { store: input.store, queue: { baseDelayMs: 20, maxDelayMs: 500, pollIntervalMs: 50 }, ...input.app },
    });
  } catch (error) {
    await github.close();
    throw error;
  }
  github.setWebhookTarget({ url: server.webhookUrl, secret });
  const store = server.runtime.store;
  const settle = async () => {
    for (let round = 0; round < 50; round++) {
      await github.settle();
      await server.runtime.queue.drain();
      await github.settle();
      const due = await store.listDueWork(new Date(), 1);
      if (due.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return {
    github,
    server,
    store,
    env: { ...env, HUB_SALES_TIMERS: undefined },
    settle,
    async close() {
      await server.close();
      await github.close();
      await store.close();
    },
  };
}

/**
 * The sandbox's GitHub alone: the org with its `partnerships` team, the private sales repo
 * holding `.github/hub-sales.yml`, the public hub repo and the engineering board. Tests that
 * run the app as separate processes start this and point the processes at it.
 */
export async function startSandboxGitHub(input: { config: string; users?: string[] }): Promise<GitHubStandIn> {
  return startGitHubStandIn({
    orgs: [{ login: SANDBOX_ORG, teams: { partnerships: ["alice"] } }],
    users: ["alice", "bob", "carol", ...(input.users ?? [])],
    repos: [
      {
        fullName: SANDBOX_SALES_REPO,
        private: true,
        files: { ".github/hub-sales.yml": input.config },
        permissions: { alice: "admin", carol: "write", bob: "read" },
      },
      { fullName: SANDBOX_HUB_REPO, private: false, permissions: { alice: "admin", carol: "write" } },
    ],
    projects: [
      {
        org: SANDBOX_ORG,
        number: 1,
        title: "Engineering backlog",
        statusField: { name: "Status", options: ["Needs Discussion/Refinement", "Ready to Work", "In Progress", "Done"] },
      },
    ],
  });
}

/** The environment an app process (server or CLI) needs to work against `github`. */
export function sandboxAppEnv(github: GitHubStandIn): Record<string, string> {
  return {
    APP_ID: String(github.app.id),
    PRIVATE_KEY: github.app.privateKey,
    WEBHOOK_SECRET: SANDBOX_WEBHOOK_SECRET,
    GHE_HOST: github.host,
    GHE_PROTOCOL: "http",
    HUB_SALES_REPO: SANDBOX_SALES_REPO,
  };
}
