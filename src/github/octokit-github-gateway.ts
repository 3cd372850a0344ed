import type { Octokit } from "@octokit/rest";
import { z } from "zod";
import { GitHubApiError, statusOf, toGitHubApiError } from "./github-api-error.js";
import type {
  BacklogBoard,
  CommentSnapshot,
  ConditionalIssueRead,
  GitHubGateway,
  IssuePatch,
  IssueSnapshot,
  IssueStateReason,
  ListedIssue,
  NewIssue,
  OwnedIssuesPage,
  ReactionContent,
  RepoFile,
  RepoPermission,
  RepoRef,
} from "./github-gateway.js";
import { parseCommentMarker, parseIssueMarker, type IssueKind } from "./issue-marker.js";

/**
 * What the adapter needs from an Octokit: REST by route, GraphQL and pagination. Both
 * Probot's `ProbotOctokit` (context.octokit, `await app.auth(id)`) and a plain
 * `@octokit/rest` Octokit fit.
 */
export type GitHubClient = Pick<Octokit, "request" | "graphql" | "paginate">;

// Only the fields the app reads; GitHub adds fields over time, so objects stay loose.
const labelSchema = z.union([z.string(), z.looseObject({ name: z.string() })]);
const userSchema = z.looseObject({ login: z.string() }).nullable().optional();
const issueSchema = z.looseObject({
  id: z.number().int(),
  node_id: z.string(),
  number: z.number().int(),
  html_url: z.string(),
  title: z.string(),
  body: z.string().nullable().optional(),
  state: z.enum(["open", "closed"]),
  state_reason: z.string().nullable().optional(),
  labels: z.array(labelSchema),
  user: userSchema,
  closed_by: userSchema,
  pull_request: z.unknown().optional(),
});
type IssueData = z.infer<typeof issueSchema>;
const listedIssueSchema = issueSchema.extend({ created_at: z.iso.datetime({ offset: true }) });

const commentSchema = z.looseObject({
  id: z.number().int(),
  html_url: z.string(),
  body: z.string().nullable().optional(),
  user: userSchema,
});

const subIssueSchema = z.looseObject({ id: z.number().int() });
const permissionSchema = z.looseObject({
  permission: z.string(),
  role_name: z.string().nullable().optional(),
});
const membershipSchema = z.looseObject({ state: z.string() });
const contentSchema = z.looseObject({
  type: z.string(),
  encoding: z.string().optional(),
  content: z.string().optional(),
});

const fileSchema = z.looseObject({
  type: z.literal("file", { error: "must be a file" }),
  path: z.string(),
  sha: z.string().regex(/^[0-9a-f]{40}$/, { error: "must be a 40-hex blob sha" }),
  encoding: z.literal("base64", { error: "must be base64 (files over 1 MB are not issue forms)" }),
  content: z.string(),
});

const STATE_REASONS = new Set<string>(["completed", "not_planned", "duplicate", "reopened"]);
const ROLE_NAMES = new Set<string>(["admin", "maintain", "write", "triage", "read", "none"]);

const boardQueryResult = z.looseObject({
  organization: z
    .looseObject({
      projectV2: z
        .looseObject({
          id: z.string(),
          field: z
            .looseObject({
              __typename: z.string(),
              id: z.string().optional(),
              options: z.array(z.looseObject({ id: z.string(), name: z.string() })).optional(),
            })
            .nullable()
            .optional(),
        })
        .nullable()
        .optional(),
    })
    .nullable()
    .optional(),
});
const addItemResult = z.looseObject({
  addProjectV2ItemById: z.looseObject({ item: z.looseObject({ id: z.string() }) }),
});
const graphqlErrorSchema = z.looseObject({
  errors: z.array(z.looseObject({ message: z.string(), type: z.string().optional() })),
});

const FIND_BOARD_QUERY = `
  query findBacklogBoard($org: String!, $number: Int!, $field: String!) {
    organization(login: $org) {
      projectV2(number: $number) {
        id
        field(name: $field) {
          __typename
          ... on ProjectV2SingleSelectField { id options { id name } }
        }
      }
    }
  }`;

const ADD_ITEM_MUTATION = `
  mutation addToBoard($projectId: ID!, $contentId: ID!) {
    addProjectV2ItemById(input: { projectId: $projectId, contentId: $contentId }) { item { id } }
  }`;

const SET_STATUS_MUTATION = `
  mutation setBoardStatus($projectId: ID!, $itemId: ID!, $fieldId: ID!, $optionId: String!) {
    updateProjectV2ItemFieldValue(
      input: { projectId: $projectId, itemId: $itemId, fieldId: $fieldId, value: { singleSelectOptionId: $optionId } }
    ) { projectV2Item { id } }
  }`;

export class OctokitGitHubGateway implements GitHubGateway {
  private readonly octokit: GitHubClient;
  private readonly appLogin: string;

  constructor(input: { octokit: GitHubClient; appLogin: string }) {
    this.octokit = input.octokit;
    this.appLogin = input.appLogin;
  }

  async getIssue(repo: RepoRef, number: number): Promise<IssueSnapshot | null> {
    const read = await this.getIssueIfChanged(repo, number, null);
    return read.notModified ? null : read.issue;
  }

  async getIssueIfChanged(repo: RepoRef, number: number, etag: string | null): Promise<ConditionalIssueRead> {
    const where = { method: "GET", url: `/repos/${repo.owner}/${repo.repo}/issues/${number}` };
    try {
      const { data, headers } = await this.octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}", {
        ...repo,
        issue_number: number,
        ...(etag === null ? {} : { headers: { "if-none-match": etag } }),
      });
      return { notModified: false, issue: toIssueSnapshot(repo, parseWith(issueSchema, data, where)), etag: headers.etag ?? null };
    } catch (error) {
      const status = statusOf(error);
      // Octokit throws on 304: the issue is as it was when it had this tag.
      if (status === 304 && etag !== null) return { notModified: true };
      // 410: the issue was deleted; to the controller that is the same as never created.
      if (status === 404 || status === 410) return { notModified: false, issue: null, etag: null };
      throw toGitHubApiError(error, where);
    }
  }

  async listOwnedIssues(repo: RepoRef, kind: IssueKind, options: { labels?: string[] } = {}): Promise<IssueSnapshot[]> {
    const where = { method: "GET", url: `/repos/${repo.owner}/${repo.repo}/issues` };
    const labels = options.labels?.length ? { labels: options.labels.join(",") } : {};
    const items = await this.call(where, () =>
      this.octokit.paginate("GET /repos/{owner}/{repo}/issues", {
        ...repo,
        state: "all",
        creator: this.appLogin,
        per_page: 100,
        ...labels,
      }),
    );
    return z
      .array(z.unknown())
      .parse(items)
      .map((item) => parseWith(issueSchema, item, where))
      .filter((issue) => issue.pull_request === undefined && issue.user?.login === this.appLogin)
      .map((issue) => toIssueSnapshot(repo, issue))
      .filter((issue) => issue.marker?.kind === kind);
  }

  async listOwnedIssuesPage(repo: RepoRef, options: { page: number; etag?: string | null }): Promise<OwnedIssuesPage> {
    const where = { method: "GET", url: `/repos/${repo.owner}/${repo.repo}/issues` };
    try {
      const { data, headers } = await this.octokit.request("GET /repos/{owner}/{repo}/issues", {
        ...repo,
        state: "all",
        creator: this.appLogin,
        sort: "created",
        direction: "desc",
        per_page: 100,
        page: options.page,
        ...(options.etag ? { headers: { "if-none-match": options.etag } } : {}),
      });
      const issues: ListedIssue[] = z
        .array(z.unknown())
        .parse(data)
        .map((item) => parseWith(listedIssueSchema, item, where))
        .filter((issue) => issue.pull_request === undefined && issue.user?.login === this.appLogin)
        .map((issue) => ({ issue: toIssueSnapshot(repo, issue), createdAt: issue.created_at }));
      return { notModified: false, issues, etag: headers.etag ?? null, hasNext: /\brel="next"/.test(headers.link ?? "") };
    } catch (error) {
      // Octokit throws on 304: the page is as it was when it had this tag.
      if (statusOf(error) === 304 && options.etag) return { notModified: true };
      throw toGitHubApiError(error, where);
    }
  }

  async createIssue(repo: RepoRef, issue: NewIssue): Promise<IssueSnapshot> {
    const where = { method: "POST", url: `/repos/${repo.owner}/${repo.repo}/issues` };
    const { data } = await this.call(where, () =>
      this.octokit.request("POST /repos/{owner}/{repo}/issues", {
        ...repo,
        title: issue.title,
        body: issue.body,
        labels: issue.labels,
        // A 5xx here may come after GitHub created the issue (a gateway timeout): re-sending
        // the POST would open a second one. The error goes to the queue instead, whose next
        // reconcile adopts an issue that was made (by its marker) before creating one.
        request: { retries: 0 },
      }),
    );
    return toIssueSnapshot(repo, parseWith(issueSchema, data, where));
  }

  async updateIssue(repo: RepoRef, number: number, patch: IssuePatch): Promise<IssueSnapshot> {
    const where = { method: "PATCH", url: `/repos/${repo.owner}/${repo.repo}/issues/${number}` };
    const { data } = await this.call(where, () =>
      this.octokit.request("PATCH /repos/{owner}/{repo}/issues/{issue_number}", {
        ...repo,
        issue_number: number,
        ...(patch.title !== undefined ? { title: patch.title } : {}),
        ...(patch.body !== undefined ? { body: patch.body } : {}),
        ...(patch.state !== undefined ? { state: patch.state } : {}),
        ...(patch.stateReason !== undefined ? { state_reason: patch.stateReason } : {}),
      }),
    );
    return toIssueSnapshot(repo, parseWith(issueSchema, data, where));
  }

  async addLabels(repo: RepoRef, number: number, labels: string[]): Promise<void> {
    if (labels.length === 0) return;
    const where = { method: "POST", url: `/repos/${repo.owner}/${repo.repo}/issues/${number}/labels` };
    await this.call(where, () =>
      this.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/labels", {
        ...repo,
        issue_number: number,
        labels,
      }),
    );
  }

  async removeLabel(repo: RepoRef, number: number, label: string): Promise<void> {
    const where = { method: "DELETE", url: `/repos/${repo.owner}/${repo.repo}/issues/${number}/labels/${label}` };
    try {
      await this.octokit.request("DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", {
        ...repo,
        issue_number: number,
        name: label,
      });
    } catch (error) {
      // The label is already gone (someone, or a previous run, removed it): the goal is met.
      if (statusOf(error) === 404) return;
      throw toGitHubApiError(error, where);
    }
  }

  async listComments(repo: RepoRef, number: number): Promise<CommentSnapshot[]> {
    const where = { method: "GET", url: `/repos/${repo.owner}/${repo.repo}/issues/${number}/comments` };
    const items = await this.call(where, () =>
      this.octokit.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", {
        ...repo,
        issue_number: number,
        per_page: 100,
      }),
    );
    return z
      .array(z.unknown())
      .parse(items)
      .map((item) => toCommentSnapshot(parseWith(commentSchema, item, where)));
  }

  async createComment(repo: RepoRef, number: number, body: string, options: { retry?: boolean } = {}): Promise<CommentSnapshot> {
    const where = { method: "POST", url: `/repos/${repo.owner}/${repo.repo}/issues/${number}/comments` };
    const { data } = await this.call(where, () =>
      this.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
        ...repo,
        issue_number: number,
        body,
        ...(options.retry === false ? { request: { retries: 0 } } : {}),
      }),
    );
    return toCommentSnapshot(parseWith(commentSchema, data, where));
  }

  async updateComment(repo: RepoRef, commentId: number, body: string): Promise<CommentSnapshot> {
    const where = { method: "PATCH", url: `/repos/${repo.owner}/${repo.repo}/issues/comments/${commentId}` };
    const { data } = await this.call(where, () =>
      this.octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", {
        ...repo,
        comment_id: commentId,
        body,
      }),
    );
    return toCommentSnapshot(parseWith(commentSchema, data, where));
  }

  async addReaction(repo: RepoRef, commentId: number, content: ReactionContent): Promise<void> {
    // GitHub answers 201 for a new reaction and 200 when this app already reacted so.
    const where = { method: "POST", url: `/repos/${repo.owner}/${repo.repo}/issues/comments/${commentId}/reactions` };
    await this.call(where, () =>
      this.octokit.request("POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", {
        ...repo,
        comment_id: commentId,
        content,
      }),
    );
  }

  async addSubIssue(repo: RepoRef, parentNumber: number, childId: number): Promise<void> {
    const where = { method: "POST", url: `/repos/${repo.owner}/${repo.repo}/issues/${parentNumber}/sub_issues` };
    try {
      await this.octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues", {
        ...repo,
        issue_number: parentNumber,
        sub_issue_id: childId,
      });
    } catch (error) {
      if (statusOf(error) !== 422) throw toGitHubApiError(error, where);
      // GitHub answers 422 both for "already linked here" (our goal, met) and for real
      // refusals (another parent, different owner, limits); its wording is not a contract,
      // so ask the parent which children it has.
      const children = await this.listSubIssueIds(repo, parentNumber);
      if (children.includes(childId)) return;
      const apiError = toGitHubApiError(error, where);
      throw new GitHubApiError({
        message: `cannot add issue id ${childId} as a sub-issue of ${repo.owner}/${repo.repo}#${parentNumber}: ${apiError.message} (it may already have another parent, or belong to a different owner)`,
        status: apiError.status,
        method: apiError.method,
        url: apiError.url,
        retryable: false,
        cause: error,
      });
    }
  }

  async listSubIssueIds(repo: RepoRef, parentNumber: number): Promise<number[]> {
    const where = { method: "GET", url: `/repos/${repo.owner}/${repo.repo}/issues/${parentNumber}/sub_issues` };
    const items = await this.call(where, () =>
      this.octokit.paginate("GET /repos/{owner}/{repo}/issues/{issue_number}/sub_issues", {
        ...repo,
        issue_number: parentNumber,
        per_page: 100,
      }),
    );
    return z
      .array(z.unknown())
      .parse(items)
      .map((item) => parseWith(subIssueSchema, item, where).id);
  }

  async findBacklogBoard(org: string, projectNumber: number, statusField: string): Promise<BacklogBoard> {
    const board = `Projects v2 board ${org}/projects/${projectNumber}`;
    const hint = `check that the project exists and that the app has the "organization_projects: write" permission and is installed on ${org}`;
    let data: unknown;
    try {
      data = await this.octokit.graphql(FIND_BOARD_QUERY, { org, number: projectNumber, field: statusField });
    } catch (error) {
      const gqlErrors = graphqlErrorSchema.safeParse(error);
      if (gqlErrors.success) {
        const messages = gqlErrors.data.errors.map((e) => e.message).join("; ");
        const retryable = gqlErrors.data.errors.some((e) => e.type === "RATE_LIMITED");
        throw new GitHubApiError({
          message: `${board} could not be read: ${messages} (${hint})`,
          status: null,
          method: "POST",
          url: "/graphql",
          retryable,
          cause: error,
        });
      }
      throw toGitHubApiError(error, { method: "POST", url: "/graphql" });
    }
    const result = parseWith(boardQueryResult, data, { method: "POST", url: "/graphql" });
    const project = result.organization?.projectV2;
    if (!project) {
      throw new GitHubApiError({
        message: `${board} was not found (${hint})`,
        status: null,
        method: "POST",
        url: "/graphql",
        retryable: false,
      });
    }
    const field = project.field;
    if (!field || field.__typename !== "ProjectV2SingleSelectField" || !field.id) {
      // The board still works for adding items; only status changes need the field.
      return { projectId: project.id, statusFieldId: null, statusOptions: {} };
    }
    const statusOptions: Record<string, string> = {};
    for (const option of field.options ?? []) statusOptions[option.name] = option.id;
    return { projectId: project.id, statusFieldId: field.id, statusOptions };
  }

  async addToBoard(board: BacklogBoard, contentNodeId: string): Promise<string> {
    const data = await this.graphql(ADD_ITEM_MUTATION, { projectId: board.projectId, contentId: contentNodeId });
    return parseWith(addItemResult, data, { method: "POST", url: "/graphql" }).addProjectV2ItemById.item.id;
  }

  async setBoardStatus(board: BacklogBoard, itemId: string, optionName: string): Promise<void> {
    if (!board.statusFieldId) {
      throw new GitHubApiError({
        message: `cannot set "${optionName}" on board ${board.projectId}: the board has no single-select status field with the configured name (backlog.status_field)`,
        status: null,
        method: "POST",
        url: "/graphql",
        retryable: false,
      });
    }
    const optionId = findOptionId(board.statusOptions, optionName);
    if (!optionId) {
      const valid = Object.keys(board.statusOptions).map((name) => `"${name}"`);
      throw new GitHubApiError({
        message: `"${optionName}" is not an option of the board's status field; valid options: ${valid.join(", ") || "(none)"}`,
        status: null,
        method: "POST",
        url: "/graphql",
        retryable: false,
      });
    }
    await this.graphql(SET_STATUS_MUTATION, {
      projectId: board.projectId,
      itemId,
      fieldId: board.statusFieldId,
      optionId,
    });
  }

  async getRepoPermission(repo: RepoRef, user: string): Promise<RepoPermission> {
    const where = { method: "GET", url: `/repos/${repo.owner}/${repo.repo}/collaborators/${user}/permission` };
    try {
      const { data } = await this.octokit.request("GET /repos/{owner}/{repo}/collaborators/{username}/permission", {
        ...repo,
        username: user,
      });
      const parsed = parseWith(permissionSchema, data, where);
      // `permission` folds maintain into write and triage into read; `role_name` keeps them
      // (unless it is an organisation's custom role, which we cannot rank).
      const role = parsed.role_name && ROLE_NAMES.has(parsed.role_name) ? parsed.role_name : parsed.permission;
      return ROLE_NAMES.has(role) ? (role as RepoPermission) : "none";
    } catch (error) {
      if (statusOf(error) === 404) return "none";
      throw toGitHubApiError(error, where);
    }
  }

  async isTeamMember(org: string, teamSlug: string, user: string): Promise<boolean> {
    const where = { method: "GET", url: `/orgs/${org}/teams/${teamSlug}/memberships/${user}` };
    try {
      const { data } = await this.octokit.request("GET /orgs/{org}/teams/{team_slug}/memberships/{username}", {
        org,
        team_slug: teamSlug,
        username: user,
      });
      // A pending invitation does not make someone a member yet.
      return parseWith(membershipSchema, data, where).state === "active";
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw toGitHubApiError(error, where);
    }
  }

  async getFileText(repo: RepoRef, path: string): Promise<string | null> {
    const where = { method: "GET", url: `/repos/${repo.owner}/${repo.repo}/contents/${path}` };
    let data: unknown;
    try {
      ({ data } = await this.octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { ...repo, path }));
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw toGitHubApiError(error, where);
    }
    if (Array.isArray(data)) {
      throw new GitHubApiError({
        message: `${repo.owner}/${repo.repo}:${path} is a directory, not a file`,
        status: 200,
        ...where,
        retryable: false,
      });
    }
    const file = parseWith(contentSchema, data, where);
    if (file.type !== "file") {
      throw new GitHubApiError({
        message: `${repo.owner}/${repo.repo}:${path} is a ${file.type}, not a file`,
        status: 200,
        ...where,
        retryable: false,
      });
    }
    if (file.encoding === "base64" && file.content !== undefined) {
      return Buffer.from(file.content, "base64").toString("utf8");
    }
    // Files over 1 MB come without inline content; the raw media type returns them whole.
    const raw = await this.call(where, () =>
      this.octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
        ...repo,
        path,
        mediaType: { format: "raw" },
      }),
    );
    return z.string().parse(raw.data);
  }

  async readRepoFile(repo: RepoRef, path: string, options: { etag?: string | null } = {}): Promise<RepoFile | "unchanged" | null> {
    const where = { method: "GET", url: `/repos/${repo.owner}/${repo.repo}/contents/${path}` };
    let response: { data: unknown; headers: Record<string, unknown> };
    try {
      response = await this.octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
        ...repo,
        path,
        ...(options.etag ? { headers: { "if-none-match": options.etag } } : {}),
      });
    } catch (error) {
      const status = statusOf(error);
      if (status === 304) return "unchanged";
      if (status === 404) return null;
      throw toGitHubApiError(error, where);
    }
    if (Array.isArray(response.data)) {
      throw new GitHubApiError({ message: `${repo.owner}/${repo.repo}:${path} is a directory, not a file`, status: 200, ...where, retryable: false });
    }
    const file = parseWith(fileSchema, response.data, where);
    const etag = typeof response.headers.etag === "string" ? response.headers.etag : null;
    return { path: file.path, sha: file.sha, text: Buffer.from(file.content, "base64").toString("utf8"), etag };
  }

  private async call<T>(where: { method: string; url: string }, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toGitHubApiError(error, where);
    }
  }

  private async graphql(query: string, variables: Record<string, unknown>): Promise<unknown> {
    try {
      return await this.octokit.graphql(query, variables);
    } catch (error) {
      const gqlErrors = graphqlErrorSchema.safeParse(error);
      if (!gqlErrors.success) throw toGitHubApiError(error, { method: "POST", url: "/graphql" });
      const errors = gqlErrors.data.errors;
      const forbidden = errors.some((e) => e.type === "FORBIDDEN" || /not accessible by integration/i.test(e.message));
      throw new GitHubApiError({
        message: `GitHub GraphQL request failed: ${errors.map((e) => e.message).join("; ")}${
          forbidden ? ' (the app needs the "organization_projects: write" permission)' : ""
        }`,
        status: null,
        method: "POST",
        url: "/graphql",
        retryable: errors.some((e) => e.type === "RATE_LIMITED"),
        cause: error,
      });
    }
  }
}

function parseWith<T>(schema: z.ZodType<T>, data: unknown, where: { method: string; url: string }): T {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  throw new GitHubApiError({
    message: `unexpected response from GitHub ${where.method} ${where.url}: ${problems}`,
    status: null,
    method: where.method,
    url: where.url,
    retryable: false,
  });
}

function findOptionId(options: Record<string, string>, name: string): string | undefined {
  if (options[name] !== undefined) return options[name];
  // Config files are typed by hand; forgive case and surrounding spaces, nothing more.
  const wanted = name.trim().toLowerCase();
  const match = Object.keys(options).find((option) => option.trim().toLowerCase() === wanted);
  return match === undefined ? undefined : options[match];
}

function toIssueSnapshot(repo: RepoRef, issue: IssueData): IssueSnapshot {
  const body = issue.body ?? "";
  const reason = issue.state_reason ?? null;
  return {
    repo: { owner: repo.owner, repo: repo.repo },
    number: issue.number,
    id: issue.id,
    nodeId: issue.node_id,
    htmlUrl: issue.html_url,
    title: issue.title,
    body,
    state: issue.state,
    stateReason: reason !== null && STATE_REASONS.has(reason) ? (reason as IssueStateReason) : null,
    labels: issue.labels.map((label) => (typeof label === "string" ? label : label.name)),
    // A deleted account shows as `null`; GitHub itself renders it as "ghost".
    author: issue.user?.login ?? "ghost",
    marker: parseIssueMarker(body),
    ...(issue.closed_by !== undefined ? { closedBy: issue.closed_by?.login ?? null } : {}),
  };
}

function toCommentSnapshot(comment: z.infer<typeof commentSchema>): CommentSnapshot {
  const body = comment.body ?? "";
  return {
    id: comment.id,
    htmlUrl: comment.html_url,
    body,
    author: comment.user?.login ?? "ghost",
    marker: parseCommentMarker(body),
  };
}
