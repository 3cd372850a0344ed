import type { HubSalesConfig } from "../config/hub-sales-config.schema.js";
import type { CalendarDate } from "../domain/calendar-date.js";
import type { BacklogBoard, GitHubGateway, RepoRef } from "../github/github-gateway.js";
import type { LeadStore } from "../store/lead-store.js";
import type { Hub, Lead } from "../domain/records.js";
import type { IssueFormSource } from "../issue-forms/issue-form-source.js";
import type { OwnedIssueIndex } from "./owned-issue-index.js";
import type { WritesBehind } from "./writes-behind.js";

export interface Logger {
  info(msg: string, ...rest: unknown[]): void;
  warn(msg: string, ...rest: unknown[]): void;
  error(msg: string, ...rest: unknown[]): void;
  debug(msg: string, ...rest: unknown[]): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };

/** What reconcile needs from the world; built by the app, the CLI and tests alike. */
export interface ReconcileDeps {
  store: LeadStore;
  gateway: GitHubGateway;
  config: HubSalesConfig;
  salesRepo: RepoRef;
  hubRepo: RepoRef;
  today: () => CalendarDate;
  /** The clock (records of refused effects); `today` is its calendar date. */
  now: () => Date;
  /** The app's bot login: only its own comments are adopted by marker. */
  appLogin: string;
  log: Logger;
  /** The board's ids do not change: resolved once and shared by every run that gets this cache. */
  boardCache: { board?: Promise<BacklogBoard> };
  /** The app's issues by marker, one per process: where an issue made before a crash is looked for. */
  ownedIssues: OwnedIssueIndex;
  /**
   * Leads and their hubs read in bulk (one listing instead of two reads per lead; see
   * `BulkLeadObserver`). Each entry serves one reconcile and is removed.
   */
  prefetched?: Map<string, { lead: Lead; hubs: Hub[] }>;
  /**
   * The hub repo's issue forms (cached by file version across runs). Without it the
   * built-in copies are used and no form file is read.
   */
  issueForms?: Pick<IssueFormSource, "current" | "openedWith">;
  /**
   * A queued run's: the links of issues it opens are written behind (see `WritesBehind`)
   * rather than waited for. Without it every write is waited for.
   */
  writesBehind?: WritesBehind;
  /** Called with each action carried out (the demo's timeline, metrics). */
  onAction?: (event: { leadId: string; description: string }) => void;
}
