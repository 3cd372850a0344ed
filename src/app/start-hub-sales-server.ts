import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeMiddleware, createProbot } from "probot";
import { createProbotOctokit, type GitHubRetryPolicy } from "../github/octokit-options.js";
import { createHubSalesApp, webhookPathOf, type HubSalesAppOptions } from "./hub-sales-app.js";
import type { HubSalesRuntime } from "./hub-sales-runtime.js";
import { HubSalesMetrics } from "../metrics/hub-sales-metrics.js";

export interface HubSalesServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  webhookUrl: string;
  runtime: HubSalesRuntime;
  /** Stops the runtime, then the HTTP server. */
  close(): Promise<void>;
  /** Stops taking requests only (a graceful shutdown stops the runtime itself). */
  closeListener(): Promise<void>;
}

/**
 * The real app on an HTTP server of its own (Probot's middleware plus the app's routes),
 * configured from `env` the way `probot run` is (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET,
 * GHE_HOST, GHE_PROTOCOL, ...). The demo and the end-to-end tests start it on a free port.
 */
export async function startHubSalesServer(input: {
  env: Record<string, string | undefined>;
  host?: string;
  port?: number;
  retryPolicy?: Partial<GitHubRetryPolicy>;
  app?: Omit<HubSalesAppOptions, "env" | "onRuntime">;
}): Promise<HubSalesServer> {
  const metrics = input.app?.metrics ?? new HubSalesMetrics();
  const Octokit = createProbotOctokit(input.retryPolicy, { onResponse: (method, status) => metrics.recordGitHubRequest(method, status) });
  const probot = createProbot({ env: input.env, overrides: { Octokit } });
  let runtime: HubSalesRuntime | null = null;
  const webhookPath = webhookPathOf(input.env);
  const middleware = await createNodeMiddleware(
    createHubSalesApp({ ...input.app, metrics, env: input.env, onRuntime: (r) => (runtime = r) }),
    { probot, webhooksPath: webhookPath },
  );
  const server = createServer((req, res) => {
    void middleware(req, res, () => {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(input.port ?? 0, input.host ?? "127.0.0.1", resolve));
  if (!runtime) throw new Error(`hub-sales-bot did not start: check HUB_SALES_REPO and the other settings in the log`);
  const { port } = server.address() as AddressInfo;
  const url = `http://${input.host ?? "127.0.0.1"}:${port}`;
  const started: HubSalesRuntime = runtime;
  const closeListener = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
  };
  return {
    url,
    webhookUrl: `${url}${webhookPath}`,
    runtime: started,
    async close() {
      await started.stop();
      await closeListener();
    },
    closeListener,
  };
}
