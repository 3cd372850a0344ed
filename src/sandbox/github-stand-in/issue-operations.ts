import { ApiError, forbidden, notFound, unauthorized, validationFailed } from "./api-error.js";
import type { ApiShapes } from "./api-shapes.js";
import {
  nodeIdFor,
  permissionAtLeast,
  type Comment,
  type Installation,
  type Issue,
  type Reaction,
  type ReactionContent,
  type Repo,
  type StandInState,
} from "./stand-in-state.js";
import type { WebhookSender } from "./webhook-sender.js";

/**
 * Who is making a request: nobody, a person (personal token or the `as(login)` helpers),
 * the app itself (its JWT, good only on `/app` endpoints), or one of its installations
 * (an installation access token, acting as the `<slug>[bot]` user).
 */
export type Actor =
  | { kind: "anonymous" }
  | { kind: "user"; login: string }
  | { kind: "app" }
  | { kind: "installation"; installation: Installation };

/** What a request wants to do to a repo, from least to most privileged. */
export type Need = "read" | "participate" | "triage" | "write";
/** The installation permission that guards a request (GitHub App permission names). */
export type PermissionArea = "issues" | "contents" | "metadata";

export function actorLogin(state: StandInState, actor: Actor): string | null {
  switch (actor.kind) {
    case "user":
      return actor.login;
    case "installation":
      return state.botLogin;
    case "app":
      return state.app.slug;
    case "anonymous":
      return null;
  }
}

export interface OperationSettings {
  /** Like real GitHub, the app's own writes cause webhooks (sender = the bot); tests may turn this off. */
  webhooksForAppWrites: boolean;
}

export interface IssuePatch {
  title?: string;
  body?: string | null;
  state?: "open" | "closed";
  stateReason?: "completed" | "not_planned" | "duplicate" | "reopened" | null;
  labels?: string[];
}

/**
 * Every write the stand-in knows, with GitHub's access rules and the webhooks GitHub
 * sends afterwards. The REST routes and the "act as a person" helpers both end here,
 * so a label added by the app and one added by a person produce the same event.
 */
export class IssueOperations {
  constructor(
    private readonly state: StandInState,
    private readonly shapes: ApiShapes,
    private readonly sender: WebhookSender,
    private readonly settings: OperationSettings,
  ) {}

  /** Throws the error GitHub would answer when `actor` may not do `need` on `repo`. */
  authorize(actor: Actor, repo: Repo, need: Need, options: { area?: PermissionArea; author?: string } = {}): void {
    const area = options.area ?? "issues";
    switch (actor.kind) {
      case "anonymous":
        if (repo.private) throw notFound();
        if (need !== "read") throw unauthorized("Requires authentication");
        return;
      case "app":
        throw forbidden("A JSON web token can only be used on /app endpoints; use an installation access token");
      case "installation": {
        const inScope = repo.owner.toLowerCase() === actor.installation.account.toLowerCase();
        if (!inScope) {
          // Outside its account an installation sees what the public sees.
          if (repo.private) throw notFound();
          if (need !== "read") throw forbidden();
          return;
        }
        const granted = actor.installation.permissions[area] ?? (area === "metadata" ? "read" : undefined);
        if (!granted) throw forbidden();
        if (need !== "read" && granted !== "write") throw forbidden();
        return;
      }
      case "user": {
        const permission = this.state.permissionOf(repo, actor.login);
        if (permission === "none") throw notFound();
        const isAuthor = options.author !== undefined && options.author.toLowerCase() === actor.login.toLowerCase();
        if (need === "read" || need === "participate") return;
        // Authors may edit and close their own issues and comments without triage rights.
        if (isAuthor) return;
        const required = need === "triage" ? "triage" : "write";
        if (!permissionAtLeast(permission, required)) {
          throw forbidden(`Must have ${required} access to ${repo.owner}/${repo.name}`);
        }
        return;
      }
    }
  }

  createIssue(actor: Actor, repo: Repo, input: { title: string; body?: string | null; labels?: string[] }): Issue {
    this.authorize(actor, repo, "participate");
    const author = this.requireLogin(actor);
    // Only people with triage rights may set labels on a new issue; GitHub drops them silently otherwise.
    const labels = input.labels && this.mayTriage(actor, repo) ? uniqueNames(input.labels) : [];
    const now = this.state.timestamp();
    const id = this.state.nextId("issue");
    const issue: Issue = {
      id,
      nodeId: nodeIdFor("I", id),
      number: repo.nextNumber++,
      repo,
      title: input.title,
      body: input.body ?? null,
      state: "open",
      stateReason: null,
      labels: [],
      author,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      closedBy: null,
      commentIds: [],
      parentId: null,
      subIssueIds: [],
      reactions: [],
    };
    for (const name of labels) issue.labels.push(this.state.ensureLabel(repo, name).name);
    repo.issues.set(issue.number, issue);
    this.state.issuesById.set(issue.id, issue);
    this.emitIssues(actor, issue, "opened");
    for (const name of issue.labels) this.emitIssues(actor, issue, "labeled", { label: this.labelJson(issue, name) });
    return issue;
  }

  updateIssue(actor: Actor, issue: Issue, patch: IssuePatch): Issue {
    const repo = issue.repo;
    const changesText = patch.title !== undefined || patch.body !== undefined;
    const changesState = patch.state !== undefined || patch.stateReason !== undefined;
    this.authorize(actor, repo, changesText ? "write" : changesState ? "triage" : "read", { author: issue.author });
    if (patch.labels !== undefined) this.authorize(actor, repo, "triage");

    const changes: Record<string, { from: unknown }> = {};
    if (patch.title !== undefined && patch.title !== issue.title) {
      changes.title = { from: issue.title };
      issue.title = patch.title;
    }
    if (patch.body !== undefined && patch.body !== issue.body) {
      changes.body = { from: issue.body };
      issue.body = patch.body;
    }

    let stateAction: "closed" | "reopened" | null = null;
    const login = this.requireLogin(actor);
    if (patch.state === "closed" && issue.state === "open") {
      issue.state = "closed";
      issue.stateReason = patch.stateReason && patch.stateReason !== "reopened" ? patch.stateReason : "completed";
      issue.closedAt = this.state.timestamp();
      issue.closedBy = login;
      stateAction = "closed";
    } else if (patch.state === "open" && issue.state === "closed") {
      issue.state = "open";
      issue.stateReason = "reopened";
      issue.closedAt = null;
      issue.closedBy = null;
      stateAction = "reopened";
    } else if (patch.stateReason !== undefined && issue.state === "closed" && patch.stateReason !== "reopened") {
      // Changing why a closed issue was closed causes no event on GitHub either.
      issue.stateReason = patch.stateReason ?? "completed";
    }

    const before = [...issue.labels];
    if (patch.labels !== undefined) {
      issue.labels = uniqueNames(patch.labels).map((name) => this.state.ensureLabel(repo, name).name);
    }
    const added = issue.labels.filter((n) => !before.some((b) => sameName(b, n)));
    const removed = before.filter((b) => !issue.labels.some((n) => sameName(b, n)));

    if (Object.keys(changes).length > 0 || stateAction || added.length > 0 || removed.length > 0) {
      issue.updatedAt = this.state.timestamp();
    }
    if (Object.keys(changes).length > 0) this.emitIssues(actor, issue, "edited", { changes });
    if (stateAction) this.emitIssues(actor, issue, stateAction);
    for (const name of removed) this.emitIssues(actor, issue, "unlabeled", { label: this.labelJson(issue, name) });
    for (const name of added) this.emitIssues(actor, issue, "labeled", { label: this.labelJson(issue, name) });
    return issue;
  }

  addLabels(actor: Actor, issue: Issue, names: string[]): void {
    this.authorize(actor, issue.repo, "triage");
    const added: string[] = [];
    for (const name of uniqueNames(names)) {
      if (issue.labels.some((n) => sameName(n, name))) continue;
      const label = this.state.ensureLabel(issue.repo, name);
      issue.labels.push(label.name);
      added.push(label.name);
    }
    if (added.length > 0) issue.updatedAt = this.state.timestamp();
    for (const name of added) this.emitIssues(actor, issue, "labeled", { label: this.labelJson(issue, name) });
  }

  setLabels(actor: Actor, issue: Issue, names: string[]): void {
    this.updateIssue(actor, issue, { labels: names });
  }

  /** GitHub answers 404 "Label does not exist" when the issue does not carry the label. */
  removeLabel(actor: Actor, issue: Issue, name: string): void {
    this.authorize(actor, issue.repo, "triage");
    const index = issue.labels.findIndex((n) => sameName(n, name));
    if (index < 0) throw notFound("Label does not exist");
    const [removed] = issue.labels.splice(index, 1);
    issue.updatedAt = this.state.timestamp();
    this.emitIssues(actor, issue, "unlabeled", { label: this.labelJson(issue, removed!) });
  }

  createComment(actor: Actor, issue: Issue, body: string): Comment {
    this.authorize(actor, issue.repo, "participate");
    const now = this.state.timestamp();
    const id = this.state.nextId("comment");
    const comment: Comment = {
      id,
      nodeId: nodeIdFor("IC", id),
      issue,
      body,
      author: this.requireLogin(actor),
      createdAt: now,
      updatedAt: now,
      reactions: [],
    };
    issue.commentIds.push(id);
    issue.updatedAt = now;
    this.state.commentsById.set(id, comment);
    this.emitComment(actor, comment, "created");
    return comment;
  }

  updateComment(actor: Actor, comment: Comment, body: string): Comment {
    this.authorize(actor, comment.issue.repo, "write", { author: comment.author });
    if (body === comment.body) return comment;
    const from = comment.body;
    comment.body = body;
    comment.updatedAt = this.state.timestamp();
    this.emitComment(actor, comment, "edited", { changes: { body: { from } } });
    return comment;
  }

  /** Returns `created: false` (GitHub answers 200 instead of 201) when this user already reacted so. */
  addReaction(actor: Actor, target: Issue | Comment, content: ReactionContent): { reaction: Reaction; created: boolean } {
    const repo = "repo" in target ? target.repo : target.issue.repo;
    this.authorize(actor, repo, "participate");
    const user = this.requireLogin(actor);
    const existing = target.reactions.find((r) => r.content === content && sameName(r.user, user));
    if (existing) return { reaction: existing, created: false };
    const id = this.state.nextId("reaction");
    const reaction: Reaction = { id, nodeId: nodeIdFor("REA", id), content, user, createdAt: this.state.timestamp() };
    target.reactions.push(reaction);
    return { reaction, created: true };
  }

  addSubIssue(actor: Actor, parent: Issue, childId: number, replaceParent: boolean): Issue {
    this.authorize(actor, parent.repo, "triage");
    const child = this.state.issuesById.get(childId);
    if (!child) throw notFound();
    this.authorize(actor, child.repo, "read");
    const fail = (message: string): ApiError =>
      validationFailed([{ resource: "Issue", field: "sub_issue_id", code: "custom", message }], `An error occurred while adding the sub-issue to the parent issue. ${message}`);
    if (child.id === parent.id) throw fail("Issue cannot be a sub-issue of itself");
    if (child.repo.owner.toLowerCase() !== parent.repo.owner.toLowerCase()) {
      throw fail("Sub-issue must belong to a repository with the same owner as the parent issue");
    }
    if (child.parentId === parent.id) throw fail("Issue may not contain duplicate sub-issues");
    if (child.parentId !== null && !replaceParent) throw fail("Sub issue may only have one parent");
    for (let ancestor: Issue | undefined = parent; ancestor; ancestor = ancestor.parentId ? this.state.issuesById.get(ancestor.parentId) : undefined) {
      if (ancestor.id === child.id) throw fail("Sub-issue cannot be an ancestor of the parent issue");
    }
    if (child.parentId !== null) {
      const oldParent = this.state.issuesById.get(child.parentId);
      if (oldParent) oldParent.subIssueIds = oldParent.subIssueIds.filter((id) => id !== child.id);
    }
    child.parentId = parent.id;
    parent.subIssueIds.push(child.id);
    parent.updatedAt = this.state.timestamp();
    return child;
  }

  removeSubIssue(actor: Actor, parent: Issue, childId: number): Issue {
    this.authorize(actor, parent.repo, "triage");
    const child = this.state.issuesById.get(childId);
    if (!child || child.parentId !== parent.id) throw notFound();
    child.parentId = null;
    parent.subIssueIds = parent.subIssueIds.filter((id) => id !== childId);
    parent.updatedAt = this.state.timestamp();
    return child;
  }

  private mayTriage(actor: Actor, repo: Repo): boolean {
    try {
      this.authorize(actor, repo, "triage");
      return true;
    } catch {
      return false;
    }
  }

  private requireLogin(actor: Actor): string {
    const login = actorLogin(this.state, actor);
    if (!login || actor.kind === "app") throw unauthorized("Requires authentication");
    return login;
  }

  private labelJson(issue: Issue, name: string): Record<string, unknown> {
    return this.shapes.label(issue.repo, this.state.ensureLabel(issue.repo, name));
  }

  private emitIssues(actor: Actor, issue: Issue, action: string, extra: Record<string, unknown> = {}): void {
    this.emit(actor, issue.repo, "issues", { action, issue: this.shapes.issue(issue), ...extra });
  }

  private emitComment(actor: Actor, comment: Comment, action: string, extra: Record<string, unknown> = {}): void {
    this.emit(actor, comment.issue.repo, "issue_comment", {
      action,
      issue: this.shapes.issue(comment.issue),
      comment: this.shapes.comment(comment),
      ...extra,
    });
  }

  private emit(actor: Actor, repo: Repo, event: string, head: Record<string, unknown>): void {
    if (actor.kind === "installation" && !this.settings.webhooksForAppWrites) return;
    const login = actorLogin(this.state, actor);
    if (!login) return;
    const installation = this.state.installationForAccount(repo.owner);
    const org = this.state.org(repo.owner);
    this.sender.send(event, {
      ...head,
      repository: this.shapes.repository(repo),
      ...(org ? { organization: this.shapes.organization(org.login) } : {}),
      sender: this.shapes.user(login),
      ...(installation ? { installation: { id: installation.id, node_id: nodeIdFor("MDIz", installation.id) } } : {}),
    });
  }
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function uniqueNames(names: string[]): string[] {
  const out: string[] = [];
  for (const name of names.map((n) => n.trim()).filter((n) => n.length > 0)) {
    if (!out.some((o) => sameName(o, name))) out.push(name);
  }
  return out;
}
