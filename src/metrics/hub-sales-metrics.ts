import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { QueueSnapshot } from "../app/queue-activity.js";

export type WebhookOutcome = "handled" | "failed";
export type ReconcileOutcome = "changed" | "unchanged" | "lead_missing" | "failed";

/**
 * The app's Prometheus metrics (`/metrics`, SPEC §8), all named `hub_sales_*`, in a registry
 * of their own so two app servers in one process (tests) keep apart. The code that counts
 * calls the small `record*`/`observe*` methods below at its edges; nothing else depends on
 * prom-client.
 */
export class HubSalesMetrics {
  readonly registry = new Registry();
  readonly #webhooks: Counter<"event" | "outcome">;
  readonly #reconcileRuns: Counter<"outcome">;
  readonly #reconcileDuration: Histogram<"outcome">;
  readonly #leaseTakeovers: Counter;
  readonly #githubRequests: Counter<"method" | "status">;
  readonly #airtableRequests: Counter<"status">;
  #queueSource: (() => Promise<QueueSnapshot>) | null = null;
  /** One store read serves every queue gauge of a scrape. */
  #snapshot: Promise<QueueSnapshot | null> | null = null;

  constructor(options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.#webhooks = new Counter({
      name: "hub_sales_webhooks_total",
      help: "GitHub webhook deliveries handled, by event (e.g. issues.closed) and outcome (handled, failed).",
      labelNames: ["event", "outcome"],
      registers,
    });
    this.#reconcileRuns = new Counter({
      name: "hub_sales_reconcile_runs_total",
      help: "Reconciles of one lead, by outcome (changed, unchanged, lead_missing, failed).",
      labelNames: ["outcome"],
      registers,
    });
    this.#reconcileDuration = new Histogram({
      name: "hub_sales_reconcile_duration_seconds",
      help: "How long one lead's reconcile took, by outcome.",
      labelNames: ["outcome"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.#leaseTakeovers = new Counter({
      name: "hub_sales_lease_takeovers_total",
      help: "Work items this process claimed after another worker's lease on them had expired.",
      registers,
    });
    this.#githubRequests = new Counter({
      name: "hub_sales_github_requests_total",
      help: "HTTP requests to GitHub's API, every attempt, by method and status (429 and 403 rate limits included; network for no answer).",
      labelNames: ["method", "status"],
      registers,
    });
    this.#airtableRequests = new Counter({
      name: "hub_sales_airtable_requests_total",
      help: "Requests to AirTable's API, every attempt, by status (2xx for success, the code of a failure, network for no answer).",
      labelNames: ["status"],
      registers,
    });
    const gauge = (name: string, help: string, read: (s: QueueSnapshot) => number | null) =>
      new Gauge({
        name,
        help,
        registers,
        collect: async function (this: Gauge) {
          const snapshot = await self.#readQueue();
          this.reset();
          const value = snapshot ? read(snapshot) : null;
          if (value !== null) this.set(value);
        },
      });
    const self = this;
    gauge("hub_sales_queue_depth", "Work items recorded in the store, due or backing off.", (s) => s.depth);
    gauge("hub_sales_queue_due", "Work items whose time has come.", (s) => s.due);
    gauge(
      "hub_sales_queue_oldest_due_age_seconds",
      "Seconds since the oldest due work item became due (0 when nothing is due).",
      (s) => s.oldestDueSeconds ?? 0,
    );
    gauge("hub_sales_queue_failing_items", "Work items whose last attempt failed and that are retrying with backoff.", (s) => s.failing);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: "hub_sales_" });
  }

  /** Where the queue gauges read from (the runtime sets it: the store's work items). */
  observeQueue(source: () => Promise<QueueSnapshot>): void {
    this.#queueSource = source;
  }

  recordWebhook(event: string, outcome: WebhookOutcome): void {
    this.#webhooks.inc({ event, outcome });
  }

  recordReconcile(outcome: ReconcileOutcome, seconds: number): void {
    this.#reconcileRuns.inc({ outcome });
    this.#reconcileDuration.observe({ outcome }, seconds);
  }

  /**
   * For the leased work queue: call once each time this process claims an item whose
   * previous holder's lease had expired (a crashed or stopped replica's work).
   */
  recordLeaseTakeover(): void {
    this.#leaseTakeovers.inc();
  }

  /** One HTTP attempt against GitHub: `status` is the response's code, or null when none came. */
  recordGitHubRequest(method: string, status: number | null): void {
    this.#githubRequests.inc({ method: method.toUpperCase(), status: status === null ? "network" : String(status) });
  }

  /** One attempt against AirTable: a success, or the failure's status (null: no answer). */
  recordAirtableRequest(outcome: { ok: true } | { ok: false; status: number | null }): void {
    this.#airtableRequests.inc({ status: outcome.ok ? "2xx" : outcome.status === null ? "network" : String(outcome.status) });
  }

  /** The text a Prometheus scrape receives, and its content type. */
  async render(): Promise<{ contentType: string; text: string }> {
    this.#snapshot = null;
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  #readQueue(): Promise<QueueSnapshot | null> {
    const source = this.#queueSource;
    if (!source) return Promise.resolve(null);
    // A failing store must not fail the scrape: the gauges are left out and the health check says why.
    this.#snapshot ??= source().catch(() => null);
    return this.#snapshot;
  }
}

/** Fetches built by `observedFetch`, so a client made from another's options is not counted twice. */
const observing = new WeakSet<typeof fetch>();

/**
 * A `fetch` that reports each request's method and status before handing back the answer;
 * given to Octokit as `request.fetch`, so every attempt (the retry and throttling plugins'
 * included) is counted. An already observing `inner` is returned as it is: Probot builds
 * installation clients from the app client's options, fetch included.
 */
export function observedFetch(record: (method: string, status: number | null) => void, inner?: typeof fetch): typeof fetch {
  if (inner && observing.has(inner)) return inner;
  const observed: typeof fetch = async (input, init) => {
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    try {
      // Looked up per call: test interceptors replace the global fetch after this is built.
      const response = await (inner ?? globalThis.fetch)(input, init);
      record(method, response.status);
      return response;
    } catch (error) {
      record(method, null);
      throw error;
    }
  };
  observing.add(observed);
  return observed;
}
