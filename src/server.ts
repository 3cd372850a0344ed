import { run } from "probot";
import { createHubSalesApp } from "./app/hub-sales-app.js";
import { createProbotOctokit, retryPolicyFromEnv } from "./github/octokit-options.js";

/**
 * `npm start`: Probot's own `run` (its set-up flow when there are no credentials yet)
 * with an Octokit that retries GitHub's secondary rate limits instead of only logging them.
 */
await run(createHubSalesApp(), { Octokit: createProbotOctokit(retryPolicyFromEnv(process.env)) });
