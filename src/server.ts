import { run } from "probot";
import { createHubSalesApp } from "./app/hub-sales-app.js";
import { createProbotOctokit, retryPolicyFromEnv } from "./github/octokit-options.js";
import { HubSalesMetrics } from "./metrics/hub-sales-metrics.js";

/**
 * `npm start`: Probot's own `run` (its set-up flow when there are no credentials yet)
 * with an Octokit that retries GitHub's secondary rate limits instead of only logging them
 * and counts every request for `/metrics`.
 */
const metrics = new HubSalesMetrics();
await run(createHubSalesApp({ metrics }), {
  Octokit: createProbotOctokit(retryPolicyFromEnv(process.env), { onResponse: (method, status) => metrics.recordGitHubRequest(method, status) }),
});
