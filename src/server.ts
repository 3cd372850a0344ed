import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { getPrivateKey } from "@probot/get-private-key";
import { run } from "probot";
import { createHubSalesApp } from "./app/hub-sales-app.js";
import type { HubSalesRuntime } from "./app/hub-sales-runtime.js";
import { shutDownGracefully } from "./app/shut-down-gracefully.js";
import { startHubSalesServer } from "./app/start-hub-sales-server.js";
import { createProbotOctokit, retryPolicyFromEnv } from "./github/octokit-options.js";
import { HubSalesMetrics } from "./metrics/hub-sales-metrics.js";

/**
 * `npm start`. With the app's credentials: the app's own server (`startHubSalesServer`, the one
 * the demo and the tests run), whose webhook route hands deliveries to the app without building
 * an Octokit per event, with an Octokit that retries GitHub's secondary rate limits and counts
 * every request for `/metrics`. Without them: Probot's `run`, whose set-up flow registers the
 * app and writes `.env`. SIGTERM shuts down gracefully.
 */

/** `.env` in the working directory, over the environment, as Probot's `run` applies it. */
function applyDotEnv(): void {
  try {
    Object.assign(process.env, parseEnv(readFileSync(join(process.cwd(), ".env"), "utf8")));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

function hasCredentials(env: NodeJS.ProcessEnv): boolean {
  try {
    return Boolean(env.APP_ID?.trim()) && Boolean(getPrivateKey({ env }));
  } catch {
    return false; // a PRIVATE_KEY_PATH that cannot be read, say: Probot's run reports it
  }
}

/** `PORT` as Probot reads it: a whole number, else 3000. */
function portOf(env: NodeJS.ProcessEnv): number {
  const port = Number(env.PORT);
  return Number.isInteger(port) && port > 0 ? port : 3000;
}

applyDotEnv();
const metrics = new HubSalesMetrics();
const onResponse = (method: string, status: number | null) => metrics.recordGitHubRequest(method, status);
let runtime: HubSalesRuntime | null = null;
let closeServer: () => Promise<void>;

if (hasCredentials(process.env)) {
  if (process.env.WEBHOOK_PROXY_URL?.trim()) {
    console.error("WEBHOOK_PROXY_URL (a smee.io channel) is served by Probot's own server: run `npm run start:probot` to use it; ignored here");
  }
  const host = process.env.HOST?.trim() || "localhost";
  const server = await startHubSalesServer({
    env: process.env,
    host,
    port: portOf(process.env),
    retryPolicy: retryPolicyFromEnv(process.env),
    app: { metrics },
  });
  runtime = server.runtime;
  // Graceful shutdown stops the runtime itself; the server only stops listening here.
  closeServer = () => server.closeListener();
  console.log(`hub-sales-bot listening on ${server.url} (webhooks at ${server.webhookUrl})`);
} else {
  const server = await run(createHubSalesApp({ metrics, onRuntime: (r) => (runtime = r) }), {
    Octokit: createProbotOctokit(retryPolicyFromEnv(process.env), { onResponse }),
  });
  closeServer = () => server.stop();
}

const shutDown = () =>
  void shutDownGracefully({
    runtime,
    closeServer,
    exit: (code) => process.exit(code),
    log: (message) => console.error(message),
  });
process.once("SIGTERM", shutDown);
process.once("SIGINT", shutDown);
