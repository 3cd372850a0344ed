import type { HubSalesConfig } from "../config/hub-sales-config.schema.js";
import type { CalendarDate, CalendarMonth } from "../domain/calendar-date.js";
import type { Lead } from "../domain/records.js";
import type { GitHubGateway, RepoRef } from "../github/github-gateway.js";
import type { IssueMarker } from "../github/issue-marker.js";
import type { LeadStore } from "../store/lead-store.js";

/** The issue a comment was made on. */
export interface CommentIssue {
  repo: RepoRef;
  number: number;
  /** The app's marker in the issue body, when the app created the issue. */
  marker: IssueMarker | null;
}

/** Who wrote the comment. `type` is GitHub's user type (`User`, `Bot`, `Organization`). */
export interface Commenter {
  login: string;
  type?: string;
}

/**
 * Everything a command handler may touch. Work that belongs to other parts of the app
 * (the controller, invoicing) is reached through callbacks so commands stay testable
 * with an in-memory store and plain functions.
 */
export interface CommandDeps {
  store: LeadStore;
  config: HubSalesConfig;
  /** The app's single notion of today, `YYYY-MM-DD`. */
  today: CalendarDate;
  /** The sales repo (private): the only place sensitive answers may be written. */
  salesRepo: RepoRef;
  commenter: Commenter;
  issue: CommentIssue;
  /** Asks the controller to reconcile the lead (records the work; does not wait for it). */
  requestReconcile(leadId: string, reason: string): Promise<void>;
  /** Opens (or adopts) the lead's deployment request in the hub repo (SPEC §4.3). */
  openDeploymentRequest(lead: Lead): Promise<{ url: string }>;
  /** Builds or refreshes the month's invoice batch (SPEC §6). */
  buildInvoice(month: CalendarMonth): Promise<{ url: string; summary: string }>;
  /** A month's invoicing inputs changed (`/delivered`): refreshes that month's invoice issue if one exists. */
  invoiceInputsChanged?(month: CalendarMonth): Promise<void>;
  /**
   * Writes a failure's details on the lead's issue in the sales repo (a command on the
   * public hub repo never shows them); resolves false when the lead has no issue yet.
   */
  reportFailure?(leadId: string, text: string): Promise<boolean>;
  /** Clock for timestamps of records (delivery confirmations); defaults to the system clock. */
  now?: () => Date;
}

/** The only GitHub calls the command runner makes itself: authorization. */
export type CommandAuthGateway = Pick<GitHubGateway, "getRepoPermission" | "isTeamMember">;
