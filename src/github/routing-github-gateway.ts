import type { BacklogBoard, GitHubGateway, IssuePatch, NewIssue, ReactionContent, RepoRef } from "./github-gateway.js";

/**
 * Sends each call to the gateway of the owner it concerns. The sales repo and the hub
 * repo may belong to different owners, each with its own installation of the app.
 */
export class RoutingGitHubGateway implements GitHubGateway {
  constructor(private readonly forOwner: (owner: string) => Promise<GitHubGateway>) {}

  async getIssue(repo: RepoRef, number: number) {
    return (await this.forOwner(repo.owner)).getIssue(repo, number);
  }
  async getIssueIfChanged(repo: RepoRef, number: number, etag: string | null) {
    return (await this.forOwner(repo.owner)).getIssueIfChanged(repo, number, etag);
  }
  async listOwnedIssues(repo: RepoRef, kind: Parameters<GitHubGateway["listOwnedIssues"]>[1], options?: { labels?: string[] }) {
    return (await this.forOwner(repo.owner)).listOwnedIssues(repo, kind, options);
  }
  async listOwnedIssuesPage(repo: RepoRef, options: { page: number; etag?: string | null }) {
    return (await this.forOwner(repo.owner)).listOwnedIssuesPage(repo, options);
  }
  async createIssue(repo: RepoRef, issue: NewIssue) {
    return (await this.forOwner(repo.owner)).createIssue(repo, issue);
  }
  async updateIssue(repo: RepoRef, number: number, patch: IssuePatch) {
    return (await this.forOwner(repo.owner)).updateIssue(repo, number, patch);
  }
  async addLabels(repo: RepoRef, number: number, labels: string[]) {
    return (await this.forOwner(repo.owner)).addLabels(repo, number, labels);
  }
  async removeLabel(repo: RepoRef, number: number, label: string) {
    return (await this.forOwner(repo.owner)).removeLabel(repo, number, label);
  }
  async listComments(repo: RepoRef, number: number) {
    return (await this.forOwner(repo.owner)).listComments(repo, number);
  }
  async createComment(repo: RepoRef, number: number, body: string, options?: { retry?: boolean }) {
    return (await this.forOwner(repo.owner)).createComment(repo, number, body, options);
  }
  async updateComment(repo: RepoRef, commentId: number, body: string) {
    return (await this.forOwner(repo.owner)).updateComment(repo, commentId, body);
  }
  async addReaction(repo: RepoRef, commentId: number, content: ReactionContent) {
    return (await this.forOwner(repo.owner)).addReaction(repo, commentId, content);
  }
  async addSubIssue(repo: RepoRef, parentNumber: number, childId: number) {
    return (await this.forOwner(repo.owner)).addSubIssue(repo, parentNumber, childId);
  }
  async listSubIssueIds(repo: RepoRef, parentNumber: number) {
    return (await this.forOwner(repo.owner)).listSubIssueIds(repo, parentNumber);
  }
  async findBacklogBoard(org: string, projectNumber: number, statusField: string) {
    const board = await (await this.forOwner(org)).findBacklogBoard(org, projectNumber, statusField);
    return { ...board, org };
  }
  /** Board ids carry no owner; the board was resolved through the org's gateway, so is it used here. */
  async addToBoard(board: BacklogBoard & { org?: string }, contentNodeId: string) {
    return (await this.forOwner(board.org ?? "")).addToBoard(board, contentNodeId);
  }
  async setBoardStatus(board: BacklogBoard & { org?: string }, itemId: string, optionName: string) {
    return (await this.forOwner(board.org ?? "")).setBoardStatus(board, itemId, optionName);
  }
  async getRepoPermission(repo: RepoRef, user: string) {
    return (await this.forOwner(repo.owner)).getRepoPermission(repo, user);
  }
  async isTeamMember(org: string, teamSlug: string, user: string) {
    return (await this.forOwner(org)).isTeamMember(org, teamSlug, user);
  }
  async getFileText(repo: RepoRef, path: string) {
    return (await this.forOwner(repo.owner)).getFileText(repo, path);
  }
  async readRepoFile(repo: RepoRef, path: string, options?: { etag?: string | null }) {
    return (await this.forOwner(repo.owner)).readRepoFile(repo, path, options);
  }
}
