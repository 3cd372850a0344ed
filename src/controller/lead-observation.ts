import type { CalendarDate } from "../domain/calendar-date.js";
import type { Hub, Lead } from "../domain/records.js";
import type { IssueSnapshot } from "../github/github-gateway.js";
import type { ResolvedForm } from "../issue-forms/issue-form-source.js";

/**
 * Everything `planLead` looks at, gathered by `observeLead`: the desired state (the
 * lead record) and the resources the app owns for it. Plain data, so planning is pure.
 */
export interface LeadObservation {
  lead: Lead;
  /** Active Hubs rows linked to the lead. */
  hubs: Hub[];
  today: CalendarDate;
  leadIssue: IssueSnapshot | null;
  requestInformationIssue: IssueSnapshot | null;
  deploymentIssue: IssueSnapshot | null;
  /** Bookkeeping the app keeps in the store about effects that have no home on GitHub. */
  effects: LeadEffects;
  /**
   * Who closed the deployment issue as completed and whether they have write access to the
   * hub repo; looked up only while that close would add the Active Hubs row.
   */
  deploymentCloser?: { login: string; mayShip: boolean } | null;
  /** Ids of issues this run opened: they have no comments yet, so none need looking up. */
  openedThisRun?: number[];
  /** `ownedIssues.mark()` when the run began (holding the lead's lease): see `OwnedIssueIndex`. */
  ownedIssuesMark?: number;
  /** The hub repo's forms, read only while hub issues are watched; the built-in copies when absent. */
  forms?: ObservedForms;
}

export interface ObservedForms {
  /** What a request-information issue opened now follows. */
  requestInformation?: ResolvedForm;
  /** What a deployment request opened now follows. */
  deployment?: ResolvedForm;
  /** What the open deployment request was opened with: its readiness is checked against this. */
  deploymentOpenedWith?: ResolvedForm;
}

export interface LeadEffects {
  /** `/request-deployment` was run (or the request-information issue was closed as completed). */
  deploymentRequested: boolean;
  /** Keys of one-time comments already posted, e.g. `link:request-information`, `follow-up:2026-03-01`. */
  commentsPosted: string[];
  /** Sub-issue links made, by child kind. */
  subIssuesLinked: string[];
  /** The deployment request's item on the backlog board and the status last set there. */
  backlogItem: { itemId: string; status: string | null } | null;
  /** Body of the readiness comment as last written (skip the edit when it is the same). */
  readinessComment: { commentId: number; body: string } | null;
}

export function emptyLeadEffects(): LeadEffects {
  return {
    deploymentRequested: false,
    commentsPosted: [],
    subIssuesLinked: [],
    backlogItem: null,
    readinessComment: null,
  };
}
