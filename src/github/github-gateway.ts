import type { CommentMarker, IssueKind, IssueMarker } from "./issue-marker.js";

/**
 * The app's view of GitHub, in domain terms. The controller and the commands depend on
 * this (or narrow slices of it), never on Octokit's raw shapes; the Octokit adapter
 * validates what comes back and translates.
 */
export interface RepoRef {
  owner: string;
  repo: string;
}

export type IssueState = "open" | "closed";
export type IssueStateReason = "completed" | "not_planned" | "duplicate" | "reopened" | null;

export interface IssueSnapshot {
  repo: RepoRef;
  number: number;
  /** Numeric id: what the sub-issues API needs. */
  id: number;
  /** GraphQL node id: what Projects v2 needs. */
  nodeId: string;
  htmlUrl: string;
  title: string;
  body: string;
  state: IssueState;
  stateReason: IssueStateReason;
  labels: string[];
  /** Login of the author, e.g. `hub-sales-bot[bot]`. */
  author: string;
  marker: IssueMarker | null;
  /** Who closed it, when GitHub says (a single issue's GET does; listings may not). */
  closedBy?: string | null;
}

export interface CommentSnapshot {
  id: number;
  htmlUrl: string;
  body: string;
  author: string;
  marker: CommentMarker | null;
}

export interface NewIssue {
  title: string;
  body: string;
  labels: string[];
}

export interface IssuePatch {
  title?: string;
  body?: string;
  state?: IssueState;
  stateReason?: "completed" | "not_planned" | "reopened";
}

export type ReactionContent = "+1" | "-1" | "laugh" | "confused" | "heart" | "hooray" | "rocket" | "eyes";

export type RepoPermission = "admin" | "maintain" | "write" | "triage" | "read" | "none";

/** A Projects v2 board resolved once: ids the mutations need. */
export interface BacklogBoard {
  projectId: string;
  statusFieldId: string | null;
  /** Single-select option ids by their visible name. */
  statusOptions: Record<string, string>;
}

/**
 * A conditional read: `notModified` when the issue still has the entity tag given (GitHub
 * answers 304, which does not count against the primary rate limit); otherwise the issue
 * (null when gone) and its current tag.
 */
export type ConditionalIssueRead = { notModified: true } | { notModified: false; issue: IssueSnapshot | null; etag: string | null };

/** An issue as a listing shows it, with when GitHub says it was made (ISO 8601, to the second). */
export interface ListedIssue {
  issue: IssueSnapshot;
  createdAt: string;
}

/**
 * One page (100) of the app's issues, newest made first. `notModified` when the `etag` given
 * is still the page's (GitHub answers 304, which does not count against the primary rate limit).
 */
export type OwnedIssuesPage = { notModified: true } | { notModified: false; issues: ListedIssue[]; etag: string | null; hasNext: boolean };

export interface GitHubGateway {
  getIssue(repo: RepoRef, number: number): Promise<IssueSnapshot | null>;
  /** `getIssue` with `If-None-Match: <etag>` (a plain read when `etag` is null). */
  getIssueIfChanged(repo: RepoRef, number: number, etag: string | null): Promise<ConditionalIssueRead>;
  /**
   * Issues the app created in `repo` for `kind` (found by author and marker, open and
   * closed). `labels` narrows the listing server-side.
   */
  listOwnedIssues(repo: RepoRef, kind: IssueKind, options?: { labels?: string[] }): Promise<IssueSnapshot[]>;
  /**
   * Page `page` (from 1) of the issues the app created in `repo`, of every kind, the most
   * recently created first; with the `etag` of an earlier read of the page, a conditional read.
   */
  listOwnedIssuesPage(repo: RepoRef, options: { page: number; etag?: string | null }): Promise<OwnedIssuesPage>;
  createIssue(repo: RepoRef, issue: NewIssue): Promise<IssueSnapshot>;
  updateIssue(repo: RepoRef, number: number, patch: IssuePatch): Promise<IssueSnapshot>;
  addLabels(repo: RepoRef, number: number, labels: string[]): Promise<void>;
  /** Removing a label that is not there is not an error. */
  removeLabel(repo: RepoRef, number: number, label: string): Promise<void>;

  listComments(repo: RepoRef, number: number): Promise<CommentSnapshot[]>;
  /**
   * `retry: false` for the comments the app owns: a 5xx may come after GitHub made the
   * comment, so the create is not re-sent; the queue's next run finds it by marker instead.
   */
  createComment(repo: RepoRef, number: number, body: string, options?: { retry?: boolean }): Promise<CommentSnapshot>;
  updateComment(repo: RepoRef, commentId: number, body: string): Promise<CommentSnapshot>;
  addReaction(repo: RepoRef, commentId: number, content: ReactionContent): Promise<void>;

  /** Links `childId` (numeric issue id) under the parent; already linked is not an error. */
  addSubIssue(repo: RepoRef, parentNumber: number, childId: number): Promise<void>;
  listSubIssueIds(repo: RepoRef, parentNumber: number): Promise<number[]>;

  findBacklogBoard(org: string, projectNumber: number, statusField: string): Promise<BacklogBoard>;
  /** Adds the issue to the board (returns the existing item when already there). */
  addToBoard(board: BacklogBoard, contentNodeId: string): Promise<string>;
  setBoardStatus(board: BacklogBoard, itemId: string, optionName: string): Promise<void>;

  getRepoPermission(repo: RepoRef, user: string): Promise<RepoPermission>;
  isTeamMember(org: string, teamSlug: string, user: string): Promise<boolean>;
  /** Text of a file on the default branch, or null when absent. */
  getFileText(repo: RepoRef, path: string): Promise<string | null>;
  /**
   * A file on the default branch with its blob sha, or null when absent. Given the `etag` of
   * an earlier read, answers `"unchanged"` when the file is still the same: GitHub answers
   * such a conditional request with 304, which costs nothing against the rate limit.
   */
  readRepoFile(repo: RepoRef, path: string, options?: { etag?: string | null }): Promise<RepoFile | "unchanged" | null>;
}

export interface RepoFile {
  path: string;
  /** Git blob sha of the content: changes exactly when the file does. */
  sha: string;
  text: string;
  etag: string | null;
}

export function parseRepoRef(fullName: string): RepoRef {
  const [owner, repo, ...rest] = fullName.split("/");
  if (!owner || !repo || rest.length > 0) throw new Error(`not an "owner/repo" name: ${fullName}`);
  return { owner, repo };
}

export function repoFullName(repo: RepoRef): string {
  return `${repo.owner}/${repo.repo}`;
}
