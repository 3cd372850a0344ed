import { LocalConfigSource, RepoConfigSource, type ConfigSource } from "../config/config-source.js";
import type { HubSalesConfig } from "../config/hub-sales-config.schema.js";
import { todayUtc } from "../domain/calendar-date.js";
import { OctokitGitHubGateway } from "../github/octokit-github-gateway.js";
import { parseRepoRef, type GitHubGateway } from "../github/github-gateway.js";
import { RoutingGitHubGateway } from "../github/routing-github-gateway.js";
import { guardWriteSizes } from "../github/size-guarded-gateway.js";
import { LeadWorkQueue, type LeadWorkQueueOptions, type RunLeftBehind } from "../controller/lead-work-queue.js";
import { OwnedIssueIndex } from "../controller/owned-issue-index.js";
import { WritesBehind } from "../controller/writes-behind.js";
import { reconcileLead, type ReconcileResult } from "../controller/reconcile-lead.js";
import type { Logger, ReconcileDeps } from "../controller/reconcile-deps.js";
import { isOpenStatus } from "../pipeline/lead-status.js";
import type { LeadStore } from "../store/lead-store.js";
import { parseIssueUrl } from "../controller/issue-url.js";
import type { AppEnvironment } from "./app-environment.js";
import { reportConfigProblems, resolveConfigProblems } from "./config-error-issue.js";
import { scheduledInvoiceMonth } from "../invoicing/scheduled-invoice-month.js";
import { refreshInvoiceIssue } from "../invoicing/refresh-invoice-issue.js";
import { invoiceBatchKey } from "../invoicing/format-month.js";
import { formatMoneyForPeople } from "../domain/money.js";
import type { CalendarMonth } from "../domain/calendar-date.js";
import { BulkLeadObserver } from "../controller/bulk-lead-observer.js";
import type { WorkItem } from "../store/lead-store.js";
import type { GitHubAccess } from "./github-access.js";
import { upkeepAirtableChangeFeed } from "../airtable/airtable-change-feed.js";
import { IssueFormSource } from "../issue-forms/issue-form-source.js";
import { HubSalesMetrics, type ReconcileOutcome } from "../metrics/hub-sales-metrics.js";
import { QueueActivity, snapshotQueue } from "./queue-activity.js";

export interface HubSalesRuntimeInput {
  environment: AppEnvironment;
  store: LeadStore;
  access: GitHubAccess;
  log: Logger;
  now?: () => Date;
  queue?: Partial<Omit<LeadWorkQueueOptions, "store" | "run" | "log">>;
  onAction?: ReconcileDeps["onAction"];
  /** Shared with the Octokit class when the server counts GitHub requests; else the runtime's own. */
  metrics?: HubSalesMetrics;
}

/** The configuration is invalid: nothing is done until it is fixed (the work waits in the queue). */
export class ConfigInvalidError extends Error {
  readonly retryable = true;
  constructor(readonly problems: string[]) {
    super(`the configuration is invalid: ${problems.join("; ")}`);
    this.name = "ConfigInvalidError";
  }
}

/** How long a webhook delivery id is kept, so that a redelivery is recognised: twice GitHub's longest redelivery window. */
export const DELIVERY_RETENTION_DAYS = 14;

/**
 * Everything the app keeps for its lifetime — store, config source, GitHub access, the
 * work queue and its timers — and the few operations every entry point needs. The
 * Probot app, the CLI and the demo build one; none of them holds logic of its own.
 */
export class HubSalesRuntime {
  readonly store: LeadStore;
  readonly queue: LeadWorkQueue;
  readonly configSource: ConfigSource;
  readonly gateway: GitHubGateway;
  readonly environment: AppEnvironment;
  readonly log: Logger;
  readonly now: () => Date;
  readonly metrics: HubSalesMetrics;
  /** Whether this process works its queue (the health check reads it). */
  readonly queueActivity: QueueActivity;
  readonly #access: GitHubAccess;
  readonly #onAction: ReconcileDeps["onAction"];
  /** Whether the last load was valid; a change to valid closes the configuration error issue. */
  #configValid: boolean | null = null;
  #configIssueTail: Promise<unknown> = Promise.resolve();
  #timers: NodeJS.Timeout[] = [];
  #lastDailyRun: string | null = null;
  /** The board's ids are looked up once per process, not once per lead. */
  readonly #boardCache: ReconcileDeps["boardCache"] = {};
  /** The hub repo's issue forms, cached by file version for the process's lifetime. */
  readonly #issueForms: IssueFormSource;
  readonly #ownedIssues: OwnedIssueIndex;
  /** Many keys due at once are observed from one listing; leads that need nothing cost no request. */
  readonly #bulk: BulkLeadObserver;
  #planContextCache: { config: ReconcileDeps["config"]; today: string; text: string } | null = null;

  constructor(input: HubSalesRuntimeInput) {
    this.environment = input.environment;
    this.store = input.store;
    this.log = input.log;
    this.now = input.now ?? (() => new Date());
    this.#access = input.access;
    this.#onAction = input.onAction;
    // The CLI serves no /metrics: it needs no process metrics.
    this.metrics = input.metrics ?? new HubSalesMetrics({ processMetrics: false });
    this.queueActivity = new QueueActivity(this.now);
    this.metrics.observeQueue(async () => snapshotQueue(await this.store.listWork(), this.now()));
    const salesRepo = this.environment.salesRepo;
    this.gateway = guardWriteSizes(
      new RoutingGitHubGateway(async (owner) => {
        const [octokit, appLogin] = await Promise.all([this.#access.clientFor(owner), this.#access.appLogin()]);
        return new OctokitGitHubGateway({ octokit, appLogin });
      }),
      this.store,
    );
    this.#issueForms = new IssueFormSource({ gateway: this.gateway, store: this.store, salesRepo, log: this.log });
    this.#ownedIssues = new OwnedIssueIndex(this.gateway);
    this.configSource = this.environment.configPath
      ? new LocalConfigSource(this.environment.configPath)
      : new RepoConfigSource(() => this.#access.clientFor(salesRepo.owner), salesRepo);
    this.#bulk = new BulkLeadObserver({ store: this.store, log: this.log });
    this.queue = new LeadWorkQueue({
      store: this.store,
      log: this.log,
      now: this.now,
      leaseMs: this.environment.leaseMs,
      // The queue already holds the lead's lock around `run`.
      run: (leadId, reason, item) => this.queueActivity.track(() => this.#runQueued(leadId, reason, item)),
      onPersistentFailure: (item) => this.#reportPersistentFailure(item.key, item.lastError ?? "unknown error"),
      onLeaseTakeover: () => this.metrics.recordLeaseTakeover(),
      sendHeldWrites: () => this.store.sendHeldWrites(),
      ...input.queue,
    });
  }

  get access(): GitHubAccess {
    return this.#access;
  }

  today(): string {
    return todayUtc(this.now());
  }

  /** The valid configuration, or throws `ConfigInvalidError` after reporting it on the sales repo. */
  async config(): Promise<HubSalesConfig> {
    const result = await this.configSource.load();
    if (!result.ok) {
      this.#configValid = false;
      this.log.error(`configuration error (${this.configSource.description}): ${result.problems.join("; ")}`);
      await this.#serially(() =>
        reportConfigProblems({
          gateway: this.gateway,
          store: this.store,
          salesRepo: this.environment.salesRepo,
          source: this.configSource.description,
          problems: result.problems,
        }),
      ).catch((e: unknown) => this.log.warn(`could not open the configuration error issue: ${String(e)}`));
      throw new ConfigInvalidError(result.problems);
    }
    if (this.#configValid !== true) {
      this.#configValid = true;
      await this.#serially(() =>
        resolveConfigProblems({ gateway: this.gateway, store: this.store, salesRepo: this.environment.salesRepo }),
      ).catch((e: unknown) => this.log.warn(`could not close the configuration error issue: ${String(e)}`));
    }
    return result.config;
  }

  /** Config loads race at start-up (timers, queue, webhooks): the error issue is written by one at a time. */
  #serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#configIssueTail.then(task, task);
    this.#configIssueTail = run.catch(() => undefined);
    return run;
  }

  async reconcileDeps(): Promise<ReconcileDeps> {
    const config = await this.config();
    const deps: ReconcileDeps = {
      store: this.store,
      gateway: this.gateway,
      config,
      salesRepo: this.environment.salesRepo,
      hubRepo: parseRepoRef(config.hub_repo),
      today: () => this.today(),
      now: this.now,
      appLogin: await this.#access.appLogin(),
      log: this.log,
      onAction: this.#onAction,
      boardCache: this.#boardCache,
      ownedIssues: this.#ownedIssues,
      issueForms: this.#issueForms,
    };
    return deps;
  }

  /**
   * Queued work: observed in bulk when many keys are due, skipped when the records show nothing
   * to do. The links of issues it opens are written behind: the queue frees the run's slot at
   * once and completes the item when they land.
   */
  async #runQueued(leadId: string, reason: string, item: WorkItem): Promise<RunLeftBehind | void> {
    const deps = await this.reconcileDeps();
    const context = this.#planContext(deps.config, deps.today());
    const decision = await this.#bulk.decide(item, context);
    if (decision.kind === "skip") {
      this.log.debug(`lead ${leadId}: nothing to do (${decision.why})`);
      return;
    }
    const prefetched = decision.prefetched ? new Map([[leadId, decision.prefetched]]) : undefined;
    const writesBehind = new WritesBehind();
    const result = await this.#measured(() =>
      reconcileLead(leadId, { ...deps, writesBehind, ...(prefetched ? { prefetched } : {}) }, { trigger: reason }),
    );
    if (decision.freshTrigger !== undefined) this.#bulk.readDone(leadId, decision.freshTrigger, item.generation);
    const settled = result.settled;
    // The fingerprint describes the record as it will be: saved only once the links are on it.
    const remember = async () => {
      if (settled) await this.#bulk.settled(settled, context);
    };
    if (writesBehind.size === 0) return remember();
    return { landed: writesBehind.landed().then(remember) };
  }

  /**
   * The plan's inputs besides the records, as text for the fingerprint: a new configuration or
   * a new day can change the plan. Made once per configuration and day, not once per run.
   */
  #planContext(config: ReconcileDeps["config"], today: string): string {
    const cached = this.#planContextCache;
    if (cached?.config === config && cached.today === today) return cached.text;
    const text = JSON.stringify([config, today]);
    this.#planContextCache = { config, today, text };
    return text;
  }

  /** Reconcile one lead now, under its lock (commands that must answer with the result use this). */
  async reconcileNow(leadId: string, options: { dryRun?: boolean; trigger?: string } = {}): Promise<ReconcileResult> {
    const deps = await this.reconcileDeps();
    const run = () => reconcileLead(leadId, deps, options);
    return this.queue.runExclusive(leadId, options.dryRun ? run : () => this.#measured(run));
  }

  /** Counts one reconcile and its duration by outcome. */
  async #measured(run: () => Promise<ReconcileResult>): Promise<ReconcileResult> {
    const started = performance.now();
    const record = (outcome: ReconcileOutcome) => this.metrics.recordReconcile(outcome, (performance.now() - started) / 1000);
    try {
      const result = await run();
      record(!result.found ? "lead_missing" : result.actions.length > 0 ? "changed" : "unchanged");
      return result;
    } catch (error) {
      record("failed");
      throw error;
    }
  }

  /** A trigger about one lead: its reconcile reads the lead afresh, never from a bulk read. */
  enqueue(leadId: string, reason: string): Promise<void> {
    this.#bulk.readAfresh(leadId);
    return this.queue.enqueue(leadId, reason);
  }

  /** A webhook's trigger about one lead: false when the delivery was seen before (nothing is queued). */
  async enqueueDelivered(delivery: { id: string; event: string }, leadId: string, reason: string): Promise<boolean> {
    const generation = await this.queue.enqueueDelivered(delivery, leadId, reason);
    if (generation === null) return false;
    this.#bulk.readAfresh(leadId, generation);
    return true;
  }

  /** A change the table reported: one of possibly many, which may be observed in bulk. */
  enqueueTableChange(leadId: string, reason: string): Promise<void> {
    this.#bulk.changed(leadId);
    return this.queue.enqueue(leadId, reason);
  }

  /**
   * The safety net (SPEC §4.8): queue every lead with an open status; the daily pass
   * also takes leads whose issues may still need closing after they went inactive.
   */
  async enqueueAll(pass: "periodic" | "daily"): Promise<number> {
    const queued = await this.#bulk.queuePass({
      reason: `${pass} reconcile`,
      choose: (l) => isOpenStatus(l.status) || (pass === "daily" && l.leadIssue !== null),
      onQueued: () => this.queue.kick(),
    });
    this.queue.kick();
    return queued;
  }

  /** Timers in-process: the queue's poll, the periodic pass, and the daily pass at each new date. */
  async start(): Promise<void> {
    this.queue.start();
    this.queueActivity.started();
    if (!this.environment.timers) return;
    let intervalMinutes = 10;
    try {
      intervalMinutes = (await this.config()).reconcile.interval_minutes;
    } catch {
      // Reported already; the periodic pass still runs so a fixed config is picked up.
    }
    const periodic = setInterval(() => void this.#periodic(), intervalMinutes * 60_000);
    const daily = setInterval(() => void this.#dailyIfNewDate(), 60_000);
    periodic.unref();
    daily.unref();
    this.#timers.push(periodic, daily);
    void this.#dailyIfNewDate();
    void this.#airtableUpkeep();
  }

  async stop(): Promise<void> {
    this.#stopTimers();
    await this.queue.stop();
  }

  #stopTimers(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    this.queueActivity.stopped();
  }

  /** SIGTERM: no more claims or passes; runs finish within the grace period, or their leases go back. */
  async shutdown(): Promise<void> {
    this.#stopTimers();
    const { finished, released } = await this.queue.shutdown(this.environment.shutdownGraceMs);
    if (finished) this.log.info("shutdown: the runs in flight finished");
    else this.log.warn(`shutdown: handed back the leases of ${released.length} unfinished run(s) (${released.join(", ")}) for another process to take over`);
  }

  async #periodic(): Promise<void> {
    await this.enqueueAll("periodic").catch((e: unknown) => this.log.error(`periodic reconcile: ${String(e)}`));
    await this.#airtableUpkeep();
  }

  /** AirTable store only: the webhook refreshed well before its 7-day expiry, and payloads a lost notification left. */
  #airtableUpkeep(): Promise<void> {
    return upkeepAirtableChangeFeed({
      store: this.store,
      publicUrl: this.environment.publicUrl,
      enqueue: (leadId, reason) => this.enqueueTableChange(leadId, reason),
      log: this.log,
      now: this.now,
    });
  }

  async #dailyIfNewDate(): Promise<void> {
    const today = this.today();
    if (this.#lastDailyRun === today) return;
    this.#lastDailyRun = today;
    await this.enqueueAll("daily").catch((e: unknown) => this.log.error(`daily reconcile: ${String(e)}`));
    await this.pruneDeliveries().catch((e: unknown) => this.log.error(`pruning deliveries: ${String(e)}`));
    await this.runScheduledInvoice().catch((e: unknown) => this.log.error(`scheduled invoice: ${String(e)}`));
  }

  /**
   * Forgets the webhook deliveries older than GitHub lets anyone redeliver (3 days on GitHub.com,
   * 7 on GitHub Enterprise Server), with a margin: the table stays a fortnight long.
   */
  async pruneDeliveries(): Promise<number> {
    const pruned = await this.store.pruneDeliveries(new Date(this.now().getTime() - DELIVERY_RETENTION_DAYS * 86_400_000));
    if (pruned > 0) this.log.info(`forgot ${pruned} webhook deliveries older than ${DELIVERY_RETENTION_DAYS} days`);
    return pruned;
  }

  /** On the configured day (`invoicing.day`), opens or updates the month's invoice issue. */
  async runScheduledInvoice(): Promise<string | null> {
    const month = scheduledInvoiceMonth(await this.config(), this.today());
    if (!month) return null;
    const { url } = await this.publishInvoice(month);
    this.log.info(`invoice batch ${month}: ${url}`);
    return month;
  }

  /** `/invoice` and the scheduled run: compute the month's batch and open or update its issue. */
  async publishInvoice(month: CalendarMonth): Promise<{ url: string; summary: string }> {
    const { issue, action, batch } = await refreshInvoiceIssue({
      store: this.store,
      gateway: this.gateway,
      repo: this.environment.salesRepo,
      config: await this.config(),
      month,
    });
    const total = formatMoneyForPeople(batch.total, batch.currency);
    const n = batch.communities.length;
    return { url: issue.htmlUrl, summary: `${n} communit${n === 1 ? "y" : "ies"}, total ${total} (invoice issue ${action})` };
  }

  /** `/delivered`: the month's invoice issue, when there is one, shows the new readiness. */
  async refreshInvoiceIfOpen(month: CalendarMonth): Promise<void> {
    const owned = await this.gateway.listOwnedIssues(this.environment.salesRepo, "invoice");
    if (owned.some((i) => i.marker?.lead === invoiceBatchKey(month))) await this.publishInvoice(month);
  }

  /** Shown where people look: the lead issue gets one comment per failing streak. */
  async #reportPersistentFailure(key: string, message: string): Promise<void> {
    const leadId = key.replace(/^lead:/, "");
    const lead = await this.store.getLead(leadId);
    const ref = lead?.leadIssue ? parseIssueUrl(lead.leadIssue) : null;
    if (!ref) return;
    await this.gateway.createComment(
      ref.repo,
      ref.number,
      `⚠️ hub-sales-bot keeps failing to bring this lead's issues up to date and will keep retrying:\n\n> ${message.replace(/\n/g, " ")}\n\nThe dashboard and the app's log have details.`,
    );
  }
}
