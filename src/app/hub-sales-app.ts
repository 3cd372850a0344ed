import type { ApplicationFunction, Probot } from "probot";
import type { LeadStore } from "../store/lead-store.js";
import { openStore } from "../store/open-store.js";
import type { ReconcileDeps } from "../controller/reconcile-deps.js";
import type { LeadWorkQueueOptions } from "../controller/lead-work-queue.js";
import { readAppEnvironment } from "./app-environment.js";
import { createGitHubAccess } from "./github-access.js";
import { handleIssueComment } from "./handle-issue-comment.js";
import { handleIssueEvent } from "./handle-issue-event.js";
import { issueCommentPayloadSchema, issuesPayloadSchema, parseWebhookPayload } from "./webhook-payloads.js";
import { createHttpRoutes } from "./http-routes.js";
import { createWebhookRoute, DEFAULT_WEBHOOK_PATH, type VerifiedDelivery, type WebhookReceivers } from "./webhook-route.js";
import { HubSalesRuntime } from "./hub-sales-runtime.js";
import { parseRepoRef } from "../github/github-gateway.js";
import { readConfigFile } from "../config/load-config.js";
import { hubSalesConfigSchema } from "../config/hub-sales-config.schema.js";
import { HubSalesMetrics } from "../metrics/hub-sales-metrics.js";

const ISSUE_EVENTS = ["issues.labeled", "issues.unlabeled", "issues.closed", "issues.reopened", "issues.edited"] as const;

/** `WEBHOOK_PATH`, as Probot reads it, or GitHub's default. */
export function webhookPathOf(env: Readonly<Record<string, string | undefined>>): string {
  return env.WEBHOOK_PATH?.trim() || DEFAULT_WEBHOOK_PATH;
}

export interface HubSalesAppOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** A store to use instead of opening one from the environment (tests). */
  store?: LeadStore;
  now?: () => Date;
  queue?: Partial<Omit<LeadWorkQueueOptions, "store" | "run" | "log">>;
  onAction?: ReconcileDeps["onAction"];
  /** The metrics `/metrics` serves; pass the one the Octokit class counts GitHub requests into. */
  metrics?: HubSalesMetrics;
  /** Receives the runtime once built (tests and the demo drive it directly). */
  onRuntime?: (runtime: HubSalesRuntime) => void;
}

/**
 * The Probot app function: builds the runtime from the environment, subscribes the
 * webhook handlers and the extra HTTP routes, and starts the queue and the timers.
 */
export function createHubSalesApp(options: HubSalesAppOptions = {}): ApplicationFunction {
  return async (app: Probot, { addHandler }) => {
    const env = options.env ?? process.env;
    const read = readAppEnvironment(env);
    if (!read.ok) {
      app.log.error(`hub-sales-bot is idle: ${read.problems.join("; ")}`);
      return;
    }
    const environment = read.environment;
    const metrics = options.metrics ?? new HubSalesMetrics();
    const localConfig = environment.configPath ? await readConfigFile(environment.configPath) : null;
    // The store opens before the repo's config can be read: table and field names come from
    // the local copy when there is one, else the defaults.
    const airtable = localConfig?.ok ? localConfig.config.airtable : hubSalesConfigSchema.shape.airtable.parse(undefined);
    const store =
      options.store ??
      (await openStore({ env, config: { airtable }, now: options.now, onAirtableRequest: (outcome) => metrics.recordAirtableRequest(outcome) }));
    let hubRepo: ReturnType<typeof parseRepoRef> | null = localConfig?.ok ? parseRepoRef(localConfig.config.hub_repo) : null;
    const access = createGitHubAccess({
      probot: app,
      knownRepos: () => [environment.salesRepo, ...(hubRepo ? [hubRepo] : [])],
    });
    const log = {
      info: (m: string) => app.log.info(m),
      warn: (m: string) => app.log.warn(m),
      error: (m: string) => app.log.error(m),
      debug: (m: string) => app.log.debug(m),
    };
    const runtime = new HubSalesRuntime({ environment, store, access, log, now: options.now, queue: options.queue, onAction: options.onAction, metrics });
    options.onRuntime?.(runtime);

    const guarded = (name: string, work: () => Promise<void>) =>
      work().then(
        () => metrics.recordWebhook(name, "handled"),
        (error: unknown) => {
          metrics.recordWebhook(name, "failed");
          app.log.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
          throw error;
        },
      );

    const receiveIssues = ({ id, payload: raw }: VerifiedDelivery) => {
      const payload = parseWebhookPayload(`issues.${String((raw as { action?: unknown }).action)}`, issuesPayloadSchema, raw);
      if (payload.installation) access.rememberInstallation(payload.repository.owner.login, payload.installation.id);
      return guarded(`issues.${payload.action}`, () =>
        handleIssueEvent(
          {
            deliveryId: id,
            action: payload.action,
            repo: { owner: payload.repository.owner.login, repo: payload.repository.name },
            issue: payload.issue,
            label: "label" in payload ? payload.label : undefined,
            sender: payload.sender,
          },
          runtime,
        ),
      );
    };
    const receiveIssueComment = ({ id, payload: raw }: VerifiedDelivery) => {
      const payload = parseWebhookPayload("issue_comment.created", issueCommentPayloadSchema, raw);
      // Saves the installation lookup (`GET /repos/{o}/{r}/installation`) before the first reply.
      if (payload.installation) access.rememberInstallation(payload.repository.owner.login, payload.installation.id);
      return guarded("issue_comment.created", () =>
        handleIssueComment(
          {
            deliveryId: id,
            repo: { owner: payload.repository.owner.login, repo: payload.repository.name },
            issue: payload.issue,
            comment: payload.comment,
            sender: payload.sender,
          },
          runtime,
        ),
      );
    };
    const receivers: WebhookReceivers = {
      events: [...ISSUE_EVENTS, "issue_comment.created"],
      receive: (name, delivery) => (name === "issue_comment.created" ? receiveIssueComment(delivery) : receiveIssues(delivery)),
    };

    // Probot's receiver: serves the deliveries when Probot's own server runs the app
    // (`probot run`), and in tests that call `probot.receive`.
    app.on([...ISSUE_EVENTS], (context) => receiveIssues({ id: context.id, payload: context.payload }));
    app.on("issue_comment.created", (context) => receiveIssueComment({ id: context.id, payload: context.payload }));

    try {
      // The app's own receiver, ahead of Probot's on the same path, when the app's server runs it.
      const secret = env.WEBHOOK_SECRET?.trim();
      if (secret) addHandler(createWebhookRoute({ secret, path: webhookPathOf(env), receivers, log }));
      addHandler(createHttpRoutes(runtime));
    } catch (error) {
      // `probot.load(app)` without a server (Probot's documented way to test an app) gives an
      // `addHandler` that throws: the webhooks still work; only the extra routes are missing.
      app.log.debug(`no HTTP server, so no health or dashboard routes: ${error instanceof Error ? error.message : String(error)}`);
    }
    await runtime.start();
    // Learn the hub repo's owner for installation lookups once the config is readable.
    void runtime
      .config()
      .then((config) => {
        hubRepo = parseRepoRef(config.hub_repo);
      })
      .catch(() => undefined);
  };
}
