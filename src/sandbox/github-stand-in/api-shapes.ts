import type { Account, Comment, Installation, Issue, Label, Reaction, Repo, StandInState } from "./stand-in-state.js";

/**
 * Render the stand-in's records in the JSON shapes GitHub's REST API and webhooks use,
 * so Octokit users (and Probot's `context.payload`) read the same fields they would on
 * github.com. `html_url`s point at the stand-in's own browsable pages.
 */
export interface UrlBases {
  /** e.g. `http://127.0.0.1:4010/api/v3` */
  api: string;
  /** e.g. `http://127.0.0.1:4010` */
  web: string;
}

export class ApiShapes {
  constructor(
    private readonly state: StandInState,
    private readonly urls: () => UrlBases,
  ) {}

  user(login: string): Record<string, unknown> {
    const { api, web } = this.urls();
    const account: Account = this.state.account(login) ?? this.state.ensureUser(login, login.endsWith("[bot]") ? "Bot" : "User");
    return {
      login: account.login,
      id: account.id,
      node_id: account.nodeId,
      avatar_url: `${web}/avatars/${encodeURIComponent(account.login)}`,
      url: `${api}/users/${encodeURIComponent(account.login)}`,
      html_url: account.type === "Bot" ? `${web}/apps/${this.state.app.slug}` : `${web}/${encodeURIComponent(account.login)}`,
      type: account.type,
      site_admin: false,
    };
  }

  repository(repo: Repo): Record<string, unknown> {
    const { api, web } = this.urls();
    const fullName = `${repo.owner}/${repo.name}`;
    return {
      id: repo.id,
      node_id: repo.nodeId,
      name: repo.name,
      full_name: fullName,
      private: repo.private,
      visibility: repo.private ? "private" : "public",
      owner: this.user(repo.owner),
      html_url: `${web}/${fullName}`,
      description: repo.description,
      fork: false,
      url: `${api}/repos/${fullName}`,
      issues_url: `${api}/repos/${fullName}/issues{/number}`,
      labels_url: `${api}/repos/${fullName}/labels{/name}`,
      created_at: repo.createdAt,
      updated_at: repo.createdAt,
      pushed_at: repo.createdAt,
      has_issues: true,
      archived: false,
      disabled: false,
      open_issues_count: [...repo.issues.values()].filter((i) => i.state === "open").length,
      default_branch: repo.defaultBranch,
    };
  }

  label(repo: Repo, label: Label): Record<string, unknown> {
    const { api } = this.urls();
    return {
      id: label.id,
      node_id: label.nodeId,
      url: `${api}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(label.name)}`,
      name: label.name,
      color: label.color,
      default: false,
      description: label.description,
    };
  }

  issueHtmlUrl(issue: Issue): string {
    return `${this.urls().web}/${issue.repo.owner}/${issue.repo.name}/issues/${issue.number}`;
  }

  issue(issue: Issue): Record<string, unknown> {
    const { api } = this.urls();
    const repoUrl = `${api}/repos/${issue.repo.owner}/${issue.repo.name}`;
    const url = `${repoUrl}/issues/${issue.number}`;
    const subIssues = issue.subIssueIds.map((id) => this.state.issuesById.get(id)).filter((i): i is Issue => !!i);
    const completed = subIssues.filter((i) => i.state === "closed").length;
    const parent = issue.parentId ? this.state.issuesById.get(issue.parentId) : undefined;
    return {
      id: issue.id,
      node_id: issue.nodeId,
      url,
      repository_url: repoUrl,
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: this.issueHtmlUrl(issue),
      number: issue.number,
      title: issue.title,
      body: issue.body,
      state: issue.state,
      state_reason: issue.stateReason,
      locked: false,
      user: this.user(issue.author),
      labels: issue.labels.map((name) => this.label(issue.repo, this.state.ensureLabel(issue.repo, name))),
      assignee: null,
      assignees: [],
      milestone: null,
      comments: issue.commentIds.length,
      created_at: issue.createdAt,
      updated_at: issue.updatedAt,
      closed_at: issue.closedAt,
      closed_by: issue.closedBy ? this.user(issue.closedBy) : null,
      author_association: this.authorAssociation(issue.repo, issue.author),
      reactions: this.reactionRollup(url, issue.reactions),
      sub_issues_summary: {
        total: subIssues.length,
        completed,
        percent_completed: subIssues.length === 0 ? 0 : Math.floor((completed * 100) / subIssues.length),
      },
      ...(parent ? { parent_issue_url: `${api}/repos/${parent.repo.owner}/${parent.repo.name}/issues/${parent.number}` } : {}),
    };
  }

  comment(comment: Comment): Record<string, unknown> {
    const { api } = this.urls();
    const repoUrl = `${api}/repos/${comment.issue.repo.owner}/${comment.issue.repo.name}`;
    const url = `${repoUrl}/issues/comments/${comment.id}`;
    return {
      id: comment.id,
      node_id: comment.nodeId,
      url,
      html_url: `${this.issueHtmlUrl(comment.issue)}#issuecomment-${comment.id}`,
      issue_url: `${repoUrl}/issues/${comment.issue.number}`,
      body: comment.body,
      user: this.user(comment.author),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: this.authorAssociation(comment.issue.repo, comment.author),
      reactions: this.reactionRollup(url, comment.reactions),
    };
  }

  reaction(reaction: Reaction): Record<string, unknown> {
    return {
      id: reaction.id,
      node_id: reaction.nodeId,
      user: this.user(reaction.user),
      content: reaction.content,
      created_at: reaction.createdAt,
    };
  }

  installation(installation: Installation): Record<string, unknown> {
    const { api, web } = this.urls();
    const account = this.state.account(installation.account);
    return {
      id: installation.id,
      account: this.user(installation.account),
      repository_selection: "all",
      access_tokens_url: `${api}/app/installations/${installation.id}/access_tokens`,
      repositories_url: `${api}/installation/repositories`,
      html_url: `${web}/organizations/${installation.account}/settings/installations/${installation.id}`,
      app_id: this.state.app.id,
      app_slug: this.state.app.slug,
      target_id: account?.id ?? 0,
      target_type: account?.type === "Organization" ? "Organization" : "User",
      permissions: installation.permissions,
      events: this.state.app.events,
      created_at: installation.createdAt,
      updated_at: installation.createdAt,
      single_file_name: null,
      suspended_at: null,
      suspended_by: null,
    };
  }

  app(): Record<string, unknown> {
    const { web } = this.urls();
    const owner = [...this.state.installations.values()][0]?.account;
    return {
      id: this.state.app.id,
      slug: this.state.app.slug,
      node_id: this.state.app.nodeId,
      name: this.state.app.name,
      owner: owner ? this.user(owner) : null,
      description: "GitHub stand-in app",
      external_url: web,
      html_url: `${web}/apps/${this.state.app.slug}`,
      created_at: "2024-01-01T00:00:00Z",
      updated_at: "2024-01-01T00:00:00Z",
      permissions: this.state.app.permissions,
      events: this.state.app.events,
      installations_count: this.state.installations.size,
    };
  }

  organization(login: string): Record<string, unknown> {
    const { api } = this.urls();
    const org = this.state.account(login)!;
    return { login: org.login, id: org.id, node_id: org.nodeId, url: `${api}/orgs/${org.login}`, description: null };
  }

  private authorAssociation(repo: Repo, login: string): string {
    if (login.endsWith("[bot]")) return "NONE";
    if (repo.owner.toLowerCase() === login.toLowerCase()) return "OWNER";
    const explicit = repo.permissions.get(login.toLowerCase());
    if (explicit && explicit !== "none") return "COLLABORATOR";
    const org = this.state.org(repo.owner);
    if (org && [...org.teams.values()].some((t) => t.members.has(login.toLowerCase()))) return "MEMBER";
    return "NONE";
  }

  private reactionRollup(url: string, reactions: Reaction[]): Record<string, unknown> {
    const count = (content: string) => reactions.filter((r) => r.content === content).length;
    return {
      url: `${url}/reactions`,
      total_count: reactions.length,
      "+1": count("+1"),
      "-1": count("-1"),
      laugh: count("laugh"),
      hooray: count("hooray"),
      confused: count("confused"),
      heart: count("heart"),
      rocket: count("rocket"),
      eyes: count("eyes"),
    };
  }
}
