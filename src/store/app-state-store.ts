import type { CalendarMonth } from "../domain/calendar-date.js";
import type { CloudCost } from "../domain/records.js";
import type { LeadStatus } from "../pipeline/lead-status.js";
import type { UpsertResult } from "./record-store.js";

/**
 * Work recorded before it is done (SPEC §4.8): a key (usually `lead:<id>`) and why.
 * A key has at most one pending item; enqueueing it again merges the reasons.
 */
export interface WorkItem {
  key: string;
  reason: string;
  attempts: number;
  /** Bumped by every enqueue, so completing an older run does not drop newer work. */
  generation: number;
  /** ISO time before which the item is not due (backoff). */
  notBefore: string;
  lastError: string | null;
  /** The worker holding the key's lease, while it is live; null when nobody holds it. */
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
}

/**
 * A worker's hold on one key's work, across processes: granted by the store, renewed while
 * the work runs, and taken over by another worker only once it has expired. `token` grows
 * with every grant of the key, so a holder whose lease lapsed (and was granted again) is
 * fenced out of completing or failing the work.
 */
export interface WorkLease {
  key: string;
  owner: string;
  token: number;
  expiresAt: string;
}

/** A due item claimed with its lease. */
export interface ClaimedWork {
  item: WorkItem;
  lease: WorkLease;
  /** The worker whose expired lease this claim took over (a crashed or stopped process); absent otherwise. */
  takenOverFrom?: string;
}

/** An effect GitHub refused for good (a 4xx retrying cannot fix), kept for the lead issue and the dashboard. */
export interface FailedEffect {
  leadId: string;
  /** Stable per effect, e.g. `link-sub-issue:request-information`; one record per lead and effect. */
  effect: string;
  /** What was attempted, for people. */
  what: string;
  /** Why it was refused (GitHub's answer). */
  why: string;
  /** How to fix it. */
  fix: string;
  status: number | null;
  firstFailedAt: string;
  lastFailedAt: string;
  /** Whether the lead issue has been told (once per effect). */
  reported: boolean;
}

/**
 * One line of a lead's action log: something the app did (`action`), or a status it saw
 * the lead enter (`status`, which tells the dashboard how long the lead has been in it).
 */
export interface LeadLogEntry {
  leadId: string;
  /** ISO time. */
  at: string;
  kind: "action" | "status";
  /** For people: `open lead issue "Lead: X"`, `status Needs Admin`. */
  what: string;
  /** The work's reason: `comment /confirm-service by @alice`, `periodic reconcile`, `dashboard: reconcile now by @alice`. */
  trigger: string;
  /** The lead's status when the line was written. */
  status: LeadStatus | null;
}

/** A month's delivery confirmation for a lead (`/delivered`). */
export interface DeliveryConfirmation {
  leadId: string;
  month: CalendarMonth;
  confirmedBy: string;
  confirmedAt: string;
}

/**
 * The app's own state, apart from the pipeline's records: the work queue and its leases,
 * webhook deliveries, claims and cursors (keyed state), effects refused for good, the
 * action log, cloud costs and delivery confirmations. Kept in the embedded SQLite file or
 * in PostgreSQL (replicas); one contract suite (test/store/app-state-contract.ts) runs
 * against both. Lead ids here are the record store's, as text: nothing here refers to a
 * record, so the state of an AirTable deployment can live in either backend.
 */
export interface AppStateStore {
  readonly kind: "sqlite" | "postgres";

  // Cloud costs: one record per (month, hub); an import replaces those it names.
  listCloudCosts(filter?: { month?: CalendarMonth }): Promise<CloudCost[]>;
  upsertCloudCosts(rows: readonly CloudCost[]): Promise<UpsertResult>;

  // Webhook deliveries and keyed state
  /** Records a webhook delivery id; false when it was seen before (a redelivery). */
  recordDelivery(deliveryId: string, event: string): Promise<boolean>;
  /**
   * `recordDelivery` and `enqueueWork` as one write: the work is queued only when the
   * delivery is new, and both are stored before it resolves (a webhook may then answer 2xx).
   * Answers the work item's generation after the write (a run of it or a later one sees this
   * delivery's change), or null for a redelivery, when nothing was queued.
   */
  recordDeliveryWithWork(deliveryId: string, event: string, work: { key: string; reason: string }): Promise<number | null>;
  /** Forgets a delivery whose handling failed, so the operator's redelivery is handled again. */
  forgetDelivery(deliveryId: string): Promise<void>;
  /**
   * Forgets the deliveries received (by the store's clock) before `receivedBefore`, once GitHub
   * can no longer redeliver them; answers how many.
   */
  pruneDeliveries(receivedBefore: Date): Promise<number>;
  /** Small keyed JSON values: webhook cursors, effect records, invoice sends. */
  getState<T = unknown>(key: string): Promise<T | null>;
  setState(key: string, value: unknown): Promise<void>;
  /** Sets the value only if the key is absent; false when it was already there. */
  claimState(key: string, value: unknown): Promise<boolean>;
  deleteState(key: string): Promise<void>;

  // Durable work queue, leased per key across processes
  enqueueWork(key: string, reason: string): Promise<void>;
  /** Due items nobody holds a live lease on, oldest first. */
  listDueWork(now: Date, limit?: number): Promise<WorkItem[]>;
  /**
   * Atomically leases up to `limit` due items whose keys start with `prefix` and have no
   * live lease (never leased, released, or expired: a crashed holder's work is taken over).
   */
  claimWork(input: { owner: string; now: Date; leaseMs: number; limit: number; prefix?: string }): Promise<ClaimedWork[]>;
  /** Leases a key whether or not work is queued on it (commands); null while another holds it. */
  acquireLease(input: { key: string; owner: string; now: Date; leaseMs: number }): Promise<WorkLease | null>;
  /** Extends a live lease; null when it lapsed or was taken over (the holder should stop). */
  renewLease(lease: WorkLease, now: Date, leaseMs: number): Promise<WorkLease | null>;
  /** Gives the key up without completing its work (shutdown, a command done). */
  releaseLease(lease: WorkLease): Promise<void>;
  /**
   * Fenced: false (and nothing changes) unless `lease` is still live and current. Removes the
   * item unless it was enqueued again after `generation` was read; releases the lease.
   */
  completeWork(lease: WorkLease, generation: number, now: Date): Promise<boolean>;
  /** Fenced like `completeWork`: records a failed attempt and when to try again; releases the lease. */
  failWork(lease: WorkLease, error: string, notBefore: Date, now: Date): Promise<boolean>;
  listWork(): Promise<WorkItem[]>;

  // Effects refused for good (no wedged lead)
  /** Records (or refreshes) a refused effect; true when it is new, i.e. not yet known for this lead. */
  recordFailedEffect(input: Omit<FailedEffect, "firstFailedAt" | "lastFailedAt" | "reported"> & { at: Date }): Promise<boolean>;
  /** Marks a refused effect as told on the lead issue; false when it already was (someone else told). */
  markFailedEffectReported(leadId: string, effect: string): Promise<boolean>;
  /** Forgets a refused effect once it has succeeded after all. */
  clearFailedEffect(leadId: string, effect: string): Promise<void>;
  /** Every refused effect (of one lead, when given), oldest first. */
  listFailedEffects(leadId?: string): Promise<FailedEffect[]>;

  // Action log (the dashboard's lead page)
  appendLeadLog(entries: readonly LeadLogEntry[]): Promise<void>;
  /** The lead's log, newest first; `kind` narrows it, `limit` caps it (default 200). */
  listLeadLog(leadId: string, options?: { kind?: LeadLogEntry["kind"]; limit?: number }): Promise<LeadLogEntry[]>;
  /** Each lead's newest `status` line: since when it has been in the status it was last seen in. */
  listLatestStatusEntries(): Promise<LeadLogEntry[]>;

  // Delivery confirmations (invoicing)
  /** One per lead and month; a second replaces the first. Whether the lead exists is the `LeadStore`'s check. */
  recordDeliveryConfirmation(confirmation: DeliveryConfirmation): Promise<void>;
  listDeliveryConfirmations(month: CalendarMonth): Promise<DeliveryConfirmation[]>;

  close(): Promise<void>;
}
