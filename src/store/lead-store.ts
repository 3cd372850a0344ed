import type { CalendarMonth } from "../domain/calendar-date.js";
import type { CloudCost, Hub, HubFields, Lead, LeadFields } from "../domain/records.js";
import type { LeadStatus } from "../pipeline/lead-status.js";

/** What an import did: rows created and rows updated, matched on the primary field. */
export interface UpsertResult {
  created: number;
  updated: number;
}

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
}

/** A month's delivery confirmation for a lead (`/delivered`). */
export interface DeliveryConfirmation {
  leadId: string;
  month: CalendarMonth;
  confirmedBy: string;
  confirmedAt: string;
}

/**
 * The pipeline's records plus the app's own bookkeeping, behind one interface so the
 * embedded SQLite store and the AirTable store satisfy one contract suite
 * (test/store/lead-store-contract.ts).
 *
 * Multi-record writes are all-or-nothing where the backend allows it (SQLite) and
 * validated whole before the first write everywhere.
 */
export interface LeadStore {
  readonly kind: "sqlite" | "airtable";

  // Leads
  listLeads(filter?: { statuses?: readonly LeadStatus[] }): Promise<Lead[]>;
  getLead(id: string): Promise<Lead | null>;
  /** Case-insensitive match on the primary field `Name`. */
  findLeadByName(name: string): Promise<Lead | null>;
  createLead(fields: LeadFields): Promise<Lead>;
  /** Writes only the fields given; throws `RecordNotFoundError` for an unknown id. */
  updateLead(id: string, patch: Partial<LeadFields>): Promise<Lead>;
  /** Creates or updates by name (case-insensitive), all or nothing. */
  upsertLeadsByName(rows: readonly LeadFields[]): Promise<UpsertResult>;

  // Active Hubs
  listHubs(): Promise<Hub[]>;
  findHubByName(hub: string): Promise<Hub | null>;
  createHub(fields: HubFields): Promise<Hub>;
  updateHub(id: string, patch: Partial<HubFields>): Promise<Hub>;
  upsertHubsByName(rows: readonly HubFields[]): Promise<UpsertResult>;

  // Cloud costs: one record per (month, hub); an import replaces those it names.
  listCloudCosts(filter?: { month?: CalendarMonth }): Promise<CloudCost[]>;
  upsertCloudCosts(rows: readonly CloudCost[]): Promise<UpsertResult>;

  // Bookkeeping
  /** Records a webhook delivery id; false when it was seen before (a redelivery). */
  recordDelivery(deliveryId: string, event: string): Promise<boolean>;
  /** Forgets a delivery whose handling failed, so the operator's redelivery is handled again. */
  forgetDelivery(deliveryId: string): Promise<void>;
  /** Small keyed JSON values: webhook cursors, effect records, invoice sends. */
  getState<T = unknown>(key: string): Promise<T | null>;
  setState(key: string, value: unknown): Promise<void>;
  /** Sets the value only if the key is absent; false when it was already there. */
  claimState(key: string, value: unknown): Promise<boolean>;
  deleteState(key: string): Promise<void>;

  // Durable work queue
  enqueueWork(key: string, reason: string): Promise<void>;
  /** Due items, oldest first. */
  listDueWork(now: Date, limit?: number): Promise<WorkItem[]>;
  /** Removes the item unless it was enqueued again after `generation` was read. */
  completeWork(key: string, generation: number): Promise<void>;
  /** Records a failed attempt and when to try again. */
  failWork(key: string, error: string, notBefore: Date): Promise<void>;
  listWork(): Promise<WorkItem[]>;

  // Delivery confirmations (invoicing)
  recordDeliveryConfirmation(confirmation: DeliveryConfirmation): Promise<void>;
  listDeliveryConfirmations(month: CalendarMonth): Promise<DeliveryConfirmation[]>;

  close(): Promise<void>;
}

export class RecordNotFoundError extends Error {
  constructor(
    readonly table: string,
    readonly id: string,
  ) {
    super(`${table}: no record with id ${id}`);
    this.name = "RecordNotFoundError";
  }
}

export class DuplicateRecordError extends Error {
  constructor(
    readonly table: string,
    readonly key: string,
  ) {
    super(`${table}: a record named "${key}" already exists`);
    this.name = "DuplicateRecordError";
  }
}
