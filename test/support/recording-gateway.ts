import { createHash } from "node:crypto";
import type {
  BacklogBoard,
  CommentSnapshot,
  ConditionalIssueRead,
  GitHubGateway,
  IssuePatch,
  IssueSnapshot,
  IssueStateReason,
  NewIssue,
  OwnedIssuesPage,
  ReactionContent,
  RepoFile,
  RepoPermission,
  RepoRef,
} from "../../src/github/github-gateway.js";
import { GitHubApiError } from "../../src/github/github-api-error.js";
import { parseCommentMarker, parseIssueMarker, type IssueKind } from "../../src/github/issue-marker.js";

/**
 * An in-memory GitHub for controller and command tests: issues, comments, labels,
 * sub-issues and one Projects v2 board per repo owner, kept like GitHub keeps them, and
 * every call recorded by method name. Tests can make the next N calls of a method fail,
 * or make a method silently not apply (an outside fight, a lagging API).
 */

export type GatewayMethod = keyof GitHubGateway;

/** Methods that change something on GitHub: what "no write when nothing changed" counts. */
export const WRITE_METHODS: readonly GatewayMethod[] = [
  "createIssue",
  "updateIssue",
  "addLabels",
  "removeLabel",
  "createComment",
  "updateComment",
  "addReaction",
  "addSubIssue",
  "addToBoard",
  "setBoardStatus",
];

export interface RecordedCall {
  method: GatewayMethod;
  args: unknown[];
}

interface StoredIssue {
  repo: RepoRef;
  number: number;
  id: number;
  nodeId: string;
  title: string;
  body: string;
  state: "open" | "closed";
  stateReason: IssueStateReason;
  labels: string[];
  author: string;
  subIssueIds: number[];
  createdAt: string;
}

interface StoredComment {
  id: number;
  repo: RepoRef;
  issueNumber: number;
  body: string;
  author: string;
}

export interface BoardItem {
  itemId: string;
  contentNodeId: string;
  status: string | null;
}

export interface RecordingGatewayOptions {
  /** Login the gateway acts as (author of what it creates). */
  appLogin?: string;
  /** `https://github.com` by default; issue URLs are `<base>/<owner>/<repo>/issues/<n>`. */
  baseUrl?: string;
  /** Yield to the event loop in every call, so concurrent runs really interleave. */
  yieldEachCall?: boolean;
  /** Status options of every backlog board. */
  boardStatusOptions?: string[];
}

const repoKey = (repo: RepoRef) => `${repo.owner}/${repo.repo}`.toLowerCase();

export class RecordingGateway implements GitHubGateway {
  readonly appLogin: string;
  readonly baseUrl: string;
  readonly calls: RecordedCall[] = [];
  /** Items on the backlog boards, by project id. */
  readonly boards = new Map<string, BoardItem[]>();

  readonly #issues = new Map<string, StoredIssue[]>();
  readonly #comments: StoredComment[] = [];
  readonly #failures = new Map<GatewayMethod, { remaining: number; error: () => unknown }[]>();
  readonly #ignored = new Map<GatewayMethod, number>();
  readonly #yieldEachCall: boolean;
  readonly #boardStatusOptions: string[];
  #nextId = 1000;
  /** Issues are made a second apart, from a fixed instant: only their order matters here. */
  #madeSoFar = 0;
  #nextCommentId = 5000;

  constructor(options: RecordingGatewayOptions = {}) {
    this.appLogin = options.appLogin ?? "hub-sales-bot[bot]";
    this.baseUrl = options.baseUrl ?? "https://github.com";
    this.#yieldEachCall = options.yieldEachCall ?? false;
    this.#boardStatusOptions = options.boardStatusOptions ?? ["New", "Ready", "In Progress", "Done"];
  }

  // ---- Test controls

  /** The next `times` calls of `method` throw `error` (a fresh one per call when a function). */
  failNext(method: GatewayMethod, times: number, error: unknown | (() => unknown)): void {
    const make = typeof error === "function" ? (error as () => unknown) : () => error;
    const queue = this.#failures.get(method) ?? [];
    queue.push({ remaining: times, error: make });
    this.#failures.set(method, queue);
  }

  /**
   * The next `times` calls of a write method answer as if they worked but change nothing
   * (`updateIssue` returns the issue as it was). `Infinity` for always.
   */
  ignore(method: GatewayMethod, times = Number.POSITIVE_INFINITY): void {
    this.#ignored.set(method, times);
  }

  callsOf(method: GatewayMethod): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  writes(): RecordedCall[] {
    return this.calls.filter((c) => WRITE_METHODS.includes(c.method));
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  /** Every issue in a repo, as snapshots (what a person browsing the repo sees). */
  issuesIn(repo: RepoRef): IssueSnapshot[] {
    return (this.#issues.get(repoKey(repo)) ?? []).map((i) => this.#snapshot(i));
  }

  commentsOn(repo: RepoRef, number: number): CommentSnapshot[] {
    return this.#comments
      .filter((c) => repoKey(c.repo) === repoKey(repo) && c.issueNumber === number)
      .map((c) => this.#commentSnapshot(c));
  }

  /** Every comment in a repo, on any issue. */
  commentsIn(repo: RepoRef): CommentSnapshot[] {
    return this.#comments.filter((c) => repoKey(c.repo) === repoKey(repo)).map((c) => this.#commentSnapshot(c));
  }

  subIssueIdsOf(repo: RepoRef, number: number): number[] {
    return [...this.#find(repo, number).subIssueIds];
  }

  /** A person deletes a comment in the UI. */
  personDeletesComment(commentId: number): void {
    const index = this.#comments.findIndex((c) => c.id === commentId);
    if (index < 0) throw notFound(`comment ${commentId}`);
    this.#comments.splice(index, 1);
  }

  /** What a person does in the UI: not recorded as a call of the app. */
  personEditsIssue(repo: RepoRef, number: number, patch: IssuePatch & { stateReason?: IssueStateReason }): IssueSnapshot {
    const issue = this.#find(repo, number);
    this.#applyPatch(issue, patch);
    return this.#snapshot(issue);
  }

  /** An issue opened by someone else (no marker unless the body carries one). */
  personOpensIssue(repo: RepoRef, issue: NewIssue & { author?: string }): IssueSnapshot {
    return this.#snapshot(this.#insert(repo, issue, issue.author ?? "someone"));
  }

  personComments(repo: RepoRef, number: number, body: string, author = "someone"): CommentSnapshot {
    this.#find(repo, number);
    const comment: StoredComment = { id: this.#nextCommentId++, repo, issueNumber: number, body, author };
    this.#comments.push(comment);
    return this.#commentSnapshot(comment);
  }

  // ---- GitHubGateway

  async getIssue(repo: RepoRef, number: number): Promise<IssueSnapshot | null> {
    await this.#enter("getIssue", [repo, number]);
    const issue = (this.#issues.get(repoKey(repo)) ?? []).find((i) => i.number === number);
    return issue ? this.#snapshot(issue) : null;
  }

  /** Tags an issue by its content, as GitHub's ETag changes whenever the issue does. */
  async getIssueIfChanged(repo: RepoRef, number: number, etag: string | null): Promise<ConditionalIssueRead> {
    await this.#enter("getIssueIfChanged", [repo, number, etag]);
    const issue = (this.#issues.get(repoKey(repo)) ?? []).find((i) => i.number === number);
    if (!issue) return { notModified: false, issue: null, etag: null };
    const snapshot = this.#snapshot(issue);
    const current = `W/"${createHash("sha256").update(JSON.stringify(snapshot)).digest("hex").slice(0, 16)}"`;
    return current === etag ? { notModified: true } : { notModified: false, issue: snapshot, etag: current };
  }

  async listOwnedIssues(repo: RepoRef, kind: IssueKind, options: { labels?: string[] } = {}): Promise<IssueSnapshot[]> {
    await this.#enter("listOwnedIssues", [repo, kind, options]);
    const wanted = (options.labels ?? []).map((l) => l.toLowerCase());
    return (this.#issues.get(repoKey(repo)) ?? [])
      .filter((i) => i.author === this.appLogin)
      .filter((i) => wanted.every((l) => i.labels.some((have) => have.toLowerCase() === l)))
      .map((i) => this.#snapshot(i))
      .filter((i) => i.marker?.kind === kind);
  }

  /** Pages of 100, newest first; no tags (never a 304). */
  async listOwnedIssuesPage(repo: RepoRef, options: { page: number; etag?: string | null }): Promise<OwnedIssuesPage> {
    await this.#enter("listOwnedIssuesPage", [repo, options]);
    const owned = (this.#issues.get(repoKey(repo)) ?? []).filter((i) => i.author === this.appLogin).reverse();
    const page = owned.slice((options.page - 1) * 100, options.page * 100);
    return {
      notModified: false,
      issues: page.map((i) => ({ issue: this.#snapshot(i), createdAt: i.createdAt })),
      etag: null,
      hasNext: owned.length > options.page * 100,
    };
  }

  async createIssue(repo: RepoRef, issue: NewIssue): Promise<IssueSnapshot> {
    await this.#enter("createIssue", [repo, issue]);
    return this.#snapshot(this.#insert(repo, issue, this.appLogin));
  }

  async updateIssue(repo: RepoRef, number: number, patch: IssuePatch): Promise<IssueSnapshot> {
    const ignored = await this.#enter("updateIssue", [repo, number, patch]);
    const issue = this.#find(repo, number);
    if (!ignored) this.#applyPatch(issue, patch);
    return this.#snapshot(issue);
  }

  async addLabels(repo: RepoRef, number: number, labels: string[]): Promise<void> {
    const ignored = await this.#enter("addLabels", [repo, number, labels]);
    const issue = this.#find(repo, number);
    if (ignored) return;
    for (const label of labels) {
      if (!issue.labels.some((l) => l.toLowerCase() === label.toLowerCase())) issue.labels.push(label);
    }
  }

  async removeLabel(repo: RepoRef, number: number, label: string): Promise<void> {
    const ignored = await this.#enter("removeLabel", [repo, number, label]);
    const issue = this.#find(repo, number);
    if (ignored) return;
    issue.labels = issue.labels.filter((l) => l.toLowerCase() !== label.toLowerCase());
  }

  async listComments(repo: RepoRef, number: number): Promise<CommentSnapshot[]> {
    await this.#enter("listComments", [repo, number]);
    this.#find(repo, number);
    return this.commentsOn(repo, number);
  }

  async createComment(repo: RepoRef, number: number, body: string): Promise<CommentSnapshot> {
    const ignored = await this.#enter("createComment", [repo, number, body]);
    this.#find(repo, number);
    const comment: StoredComment = { id: this.#nextCommentId++, repo, issueNumber: number, body, author: this.appLogin };
    if (!ignored) this.#comments.push(comment);
    return this.#commentSnapshot(comment);
  }

  async updateComment(repo: RepoRef, commentId: number, body: string): Promise<CommentSnapshot> {
    const ignored = await this.#enter("updateComment", [repo, commentId, body]);
    const comment = this.#comments.find((c) => c.id === commentId && repoKey(c.repo) === repoKey(repo));
    if (!comment) throw notFound(`comment ${commentId} in ${repoKey(repo)}`);
    if (!ignored) comment.body = body;
    return this.#commentSnapshot(comment);
  }

  async addReaction(repo: RepoRef, commentId: number, content: ReactionContent): Promise<void> {
    await this.#enter("addReaction", [repo, commentId, content]);
  }

  async addSubIssue(repo: RepoRef, parentNumber: number, childId: number): Promise<void> {
    const ignored = await this.#enter("addSubIssue", [repo, parentNumber, childId]);
    const parent = this.#find(repo, parentNumber);
    const child = [...this.#issues.values()].flat().find((i) => i.id === childId);
    if (!child) throw notFound(`issue id ${childId}`);
    // GitHub's rule: parent and child must share an owner.
    if (child.repo.owner.toLowerCase() !== parent.repo.owner.toLowerCase()) {
      throw new Error(`422: sub-issue ${childId} belongs to another owner than ${repoKey(repo)}`);
    }
    if (!ignored && !parent.subIssueIds.includes(childId)) parent.subIssueIds.push(childId);
  }

  async listSubIssueIds(repo: RepoRef, parentNumber: number): Promise<number[]> {
    await this.#enter("listSubIssueIds", [repo, parentNumber]);
    return this.subIssueIdsOf(repo, parentNumber);
  }

  async findBacklogBoard(org: string, projectNumber: number, statusField: string): Promise<BacklogBoard> {
    await this.#enter("findBacklogBoard", [org, projectNumber, statusField]);
    const projectId = `PVT_${org}_${projectNumber}`;
    if (!this.boards.has(projectId)) this.boards.set(projectId, []);
    return {
      projectId,
      statusFieldId: `PVTSSF_${statusField}`,
      statusOptions: Object.fromEntries(this.#boardStatusOptions.map((name, i) => [name, `opt${i}`])),
    };
  }

  async addToBoard(board: BacklogBoard, contentNodeId: string): Promise<string> {
    const ignored = await this.#enter("addToBoard", [board.projectId, contentNodeId]);
    const items = this.boards.get(board.projectId) ?? [];
    this.boards.set(board.projectId, items);
    // Like addProjectV2ItemById: the existing item when the content is already there.
    const existing = items.find((i) => i.contentNodeId === contentNodeId);
    if (existing) return existing.itemId;
    const item: BoardItem = { itemId: `PVTI_${this.#nextId++}`, contentNodeId, status: null };
    if (!ignored) items.push(item);
    return item.itemId;
  }

  async setBoardStatus(board: BacklogBoard, itemId: string, optionName: string): Promise<void> {
    const ignored = await this.#enter("setBoardStatus", [board.projectId, itemId, optionName]);
    if (!(optionName in board.statusOptions)) throw new Error(`"${optionName}" is not an option of the status field`);
    const item = (this.boards.get(board.projectId) ?? []).find((i) => i.itemId === itemId);
    if (!item) throw notFound(`board item ${itemId}`);
    if (!ignored) item.status = optionName;
  }

  async getRepoPermission(repo: RepoRef, user: string): Promise<RepoPermission> {
    await this.#enter("getRepoPermission", [repo, user]);
    return "none";
  }

  async isTeamMember(org: string, teamSlug: string, user: string): Promise<boolean> {
    await this.#enter("isTeamMember", [org, teamSlug, user]);
    return false;
  }

  async getFileText(repo: RepoRef, path: string): Promise<string | null> {
    await this.#enter("getFileText", [repo, path]);
    return null;
  }

  /** Files on the default branch, by `owner/repo:path`. */
  readonly files = new Map<string, string>();

  async readRepoFile(repo: RepoRef, path: string, options: { etag?: string | null } = {}): Promise<RepoFile | "unchanged" | null> {
    await this.#enter("readRepoFile", [repo, path, options]);
    const text = this.files.get(`${repo.owner}/${repo.repo}:${path}`);
    if (text === undefined) return null;
    const sha = createHash("sha1").update(`blob ${Buffer.byteLength(text)}\0${text}`).digest("hex");
    if (options.etag === `"${sha}"`) return "unchanged";
    return { path, sha, text, etag: `"${sha}"` };
  }

  // ---- Internals

  /** Records the call, then throws a queued failure or says whether the call is to be ignored. */
  async #enter(method: GatewayMethod, args: unknown[]): Promise<boolean> {
    this.calls.push({ method, args });
    if (this.#yieldEachCall) await new Promise((resolve) => setImmediate(resolve));
    const queue = this.#failures.get(method);
    const failure = queue?.[0];
    if (failure) {
      failure.remaining -= 1;
      if (failure.remaining <= 0) queue.shift();
      throw failure.error();
    }
    const ignored = this.#ignored.get(method) ?? 0;
    if (ignored > 0) {
      this.#ignored.set(method, ignored - 1);
      return true;
    }
    return false;
  }

  #insert(repo: RepoRef, issue: NewIssue, author: string): StoredIssue {
    const list = this.#issues.get(repoKey(repo)) ?? [];
    this.#issues.set(repoKey(repo), list);
    const id = this.#nextId++;
    const stored: StoredIssue = {
      repo: { ...repo },
      number: list.length + 1,
      id,
      nodeId: `I_node${id}`,
      title: issue.title,
      body: issue.body,
      state: "open",
      stateReason: null,
      labels: [...new Set(issue.labels)],
      author,
      subIssueIds: [],
      createdAt: new Date(Date.UTC(2026, 0, 1) + this.#madeSoFar++ * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    };
    list.push(stored);
    return stored;
  }

  #find(repo: RepoRef, number: number): StoredIssue {
    const issue = (this.#issues.get(repoKey(repo)) ?? []).find((i) => i.number === number);
    if (!issue) throw notFound(`issue ${repoKey(repo)}#${number}`);
    return issue;
  }

  #applyPatch(issue: StoredIssue, patch: IssuePatch & { stateReason?: IssueStateReason }): void {
    if (patch.title !== undefined) issue.title = patch.title;
    if (patch.body !== undefined) issue.body = patch.body;
    if (patch.state !== undefined) {
      issue.state = patch.state;
      issue.stateReason = patch.stateReason ?? (patch.state === "closed" ? "completed" : "reopened");
    } else if (patch.stateReason !== undefined) {
      issue.stateReason = patch.stateReason;
    }
  }

  #snapshot(issue: StoredIssue): IssueSnapshot {
    return {
      repo: { ...issue.repo },
      number: issue.number,
      id: issue.id,
      nodeId: issue.nodeId,
      htmlUrl: `${this.baseUrl}/${issue.repo.owner}/${issue.repo.repo}/issues/${issue.number}`,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      stateReason: issue.stateReason,
      labels: [...issue.labels],
      author: issue.author,
      marker: parseIssueMarker(issue.body),
    };
  }

  #commentSnapshot(comment: StoredComment): CommentSnapshot {
    return {
      id: comment.id,
      htmlUrl: `${this.baseUrl}/${comment.repo.owner}/${comment.repo.repo}/issues/${comment.issueNumber}#issuecomment-${comment.id}`,
      body: comment.body,
      author: comment.author,
      marker: parseCommentMarker(comment.body),
    };
  }
}

/** What the Octokit adapter throws for a 404. */
function notFound(what: string): GitHubApiError {
  return new GitHubApiError({ message: `404: ${what} not found`, status: 404, method: "GET", url: what, retryable: false });
}
