import { run } from "probot";
import { createHubSalesApp } from "./app/hub-sales-app.js";
import type { HubSalesRuntime } from "./app/hub-sales-runtime.js";
import { shutDownGracefully } from "./app/shut-down-gracefully.js";
import { createProbotOctokit, retryPolicyFromEnv } from "./github/octokit-options.js";
import { HubSalesMetrics } from "./metrics/hub-sales-metrics.js";

/**
 * `npm start`: Probot's own `run` (its set-up flow when there are no credentials yet)
 * with an Octokit that retries GitHub's secondary rate limits instead of only logging them
 * and counts every request for `/metrics`; SIGTERM shuts down gracefully.
 */
const metrics = new HubSalesMetrics();
let runtime: HubSalesRuntime | null = null;
const server = await run(createHubSalesApp({ metrics, onRuntime: (r) => (runtime = r) }), {
  Octokit: createProbotOctokit(retryPolicyFromEnv(process.env), { onResponse: (method, status) => metrics.recordGitHubRequest(method, status) }),
});
process.once("SIGTERM", () => {
  void shutDownGracefully({
    runtime,
    closeServer: () => server.stop(),
    exit: (code) => process.exit(code),
    log: (message) => console.error(message),
  });
});
