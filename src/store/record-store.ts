import type { Hub, HubFields, Lead, LeadFields } from "../domain/records.js";
import type { LeadStatus } from "../pipeline/lead-status.js";

/** What an import did: rows created and rows updated, matched on the primary field. */
export interface UpsertResult {
  created: number;
  updated: number;
}

/** How an import upserts leads. */
export interface UpsertLeadsOptions {
  /**
   * The caller has just listed every lead (`listLeads()` without a filter): the store may
   * match names against that listing instead of listing them again (an AirTable base of
   * 5,000 leads: 50 requests). A write racing in between is the same race as without it.
   */
  reuseListing?: boolean;
  /** Told of the records each write made or changed, once it is done: ids for the work queue, and progress. */
  onWritten?: (records: readonly { id: string; name: string }[]) => void;
}

/** Which leads to list, and who hears of each page as it arrives. */
export interface ListLeadsOptions {
  statuses?: readonly LeadStatus[];
  /**
   * Told of each page of leads as it is read, before the next is asked for, so a caller can
   * start on the first leads while a long listing goes on (AirTable: 100 a request, 5 requests
   * a second). Stores that read at once call it once, with every lead.
   */
  onPage?: (leads: readonly Lead[]) => Promise<void> | void;
}

/**
 * The pipeline's records: leads and Active Hubs, kept in the embedded SQLite file,
 * PostgreSQL or an AirTable base. One contract suite (test/store/record-store-contract.ts)
 * runs against every backend.
 *
 * Multi-record writes are all-or-nothing where the backend allows it (SQLite, PostgreSQL)
 * and validated whole before the first write everywhere.
 */
export interface RecordStore {
  readonly kind: "sqlite" | "postgres" | "airtable";

  // Leads
  listLeads(options?: ListLeadsOptions): Promise<Lead[]>;
  getLead(id: string): Promise<Lead | null>;
  /** Case-insensitive match on the primary field `Name`. */
  findLeadByName(name: string): Promise<Lead | null>;
  createLead(fields: LeadFields): Promise<Lead>;
  /**
   * Writes only the fields given; throws `RecordNotFoundError` for an unknown id. `patient`:
   * the caller does not wait on the answer soon, so a store that batches writes (AirTable)
   * may hold it a few seconds to share a full request; the others write at once.
   */
  updateLead(id: string, patch: Partial<LeadFields>, options?: { patient?: boolean }): Promise<Lead>;
  /** Creates or updates by name (case-insensitive), all or nothing. */
  upsertLeadsByName(rows: readonly LeadFields[], options?: UpsertLeadsOptions): Promise<UpsertResult>;
  /** Sends now the patient writes held for company (nothing more is coming to share them); a no-op for a store that holds none. */
  sendHeldWrites(): void;

  // Active Hubs
  listHubs(): Promise<Hub[]>;
  findHubByName(hub: string): Promise<Hub | null>;
  createHub(fields: HubFields): Promise<Hub>;
  updateHub(id: string, patch: Partial<HubFields>): Promise<Hub>;
  upsertHubsByName(rows: readonly HubFields[]): Promise<UpsertResult>;

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
