import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { z } from "zod";
import { forbidden, notFound, unauthorized, validationFailed, type ValidationErrorItem } from "./api-error.js";
import type { ApiShapes } from "./api-shapes.js";
import type { AppAuth } from "./app-auth.js";
import type { Actor, IssueOperations } from "./issue-operations.js";
import { paginate } from "./pagination.js";
import { REACTION_CONTENTS, type Comment, type Issue, type Repo, type StandInState } from "./stand-in-state.js";

/**
 * The REST endpoints the app (through Probot/Octokit) calls, answered with GitHub's
 * shapes, status codes and errors. Paths here are relative to the REST base
 * (`/api/v3` on GitHub Enterprise).
 */
export interface RouteContext {
  state: StandInState;
  shapes: ApiShapes;
  ops: IssueOperations;
  auth: AppAuth;
  actor: Actor;
  params: Record<string, string>;
  /** The public URL of this request (used to build `Link` headers). */
  url: URL;
  body: unknown;
  headers: IncomingHttpHeaders;
}

export interface RouteAnswer {
  status: number;
  json?: unknown;
  text?: { contentType: string; body: string };
  headers?: Record<string, string>;
}

interface Route {
  method: string;
  regex: RegExp;
  names: string[];
  handle: (ctx: RouteContext) => RouteAnswer;
}

const routes: Route[] = [];

/** `:name` matches one segment, `*name` the rest of the path. */
function route(method: string, pattern: string, handle: (ctx: RouteContext) => RouteAnswer): void {
  const names: string[] = [];
  const source = pattern
    .split("/")
    .map((segment) => {
      if (segment.startsWith(":")) {
        names.push(segment.slice(1));
        return "([^/]+)";
      }
      if (segment.startsWith("*")) {
        names.push(segment.slice(1));
        return "(.+)";
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  routes.push({ method, regex: new RegExp(`^${source}/?$`), names, handle });
}

export function matchRoute(method: string, path: string): { handle: Route["handle"]; params: Record<string, string> } | "method-not-allowed" | null {
  let pathMatched = false;
  for (const r of routes) {
    const m = r.regex.exec(path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== method) continue;
    const params: Record<string, string> = {};
    r.names.forEach((name, i) => {
      params[name] = decodeURIComponent(m[i + 1]!);
    });
    return { handle: r.handle, params };
  }
  return pathMatched ? "method-not-allowed" : null;
}

// ---------------------------------------------------------------- helpers

function ok(json: unknown, status = 200, headers: Record<string, string> = {}): RouteAnswer {
  return { status, json, headers };
}

function list<T>(ctx: RouteContext, all: T[], render: (item: T) => unknown): RouteAnswer {
  const page = paginate(all, ctx.url);
  return { status: 200, json: page.items.map(render), headers: page.link ? { link: page.link } : {} };
}

/** zod failure → GitHub's 422 "Validation Failed" with one entry per problem. */
function parseBody<T>(schema: z.ZodType<T>, body: unknown, resource: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const errors: ValidationErrorItem[] = result.error.issues.map((issue) => {
    const field = issue.path.join(".") || undefined;
    const missing = valueAt(body, issue.path) === undefined;
    return {
      resource,
      ...(field ? { field } : {}),
      code: missing ? "missing_field" : "invalid",
      message: field ? `${field}: ${issue.message}` : issue.message,
    };
  });
  throw validationFailed(errors);
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function requireApp(ctx: RouteContext): void {
  if (ctx.actor.kind !== "app") throw unauthorized("A JSON web token could not be decoded");
}

function repoOf(ctx: RouteContext, need: "read" = "read", area: "issues" | "contents" | "metadata" = "metadata"): Repo {
  const repo = ctx.state.repo(ctx.params.owner!, ctx.params.repo!);
  if (!repo) throw notFound();
  ctx.ops.authorize(ctx.actor, repo, need, { area });
  return repo;
}

function issueOf(ctx: RouteContext, repo: Repo): Issue {
  const raw = ctx.params.number!;
  const issue = /^\d+$/.test(raw) ? repo.issues.get(Number(raw)) : undefined;
  if (!issue) throw notFound();
  return issue;
}

function commentOf(ctx: RouteContext, repo: Repo): Comment {
  const raw = ctx.params.comment_id!;
  const comment = /^\d+$/.test(raw) ? ctx.state.commentsById.get(Number(raw)) : undefined;
  if (!comment || comment.issue.repo !== repo) throw notFound();
  return comment;
}

const labelNameList = z.array(z.union([z.string().min(1), z.object({ name: z.string().min(1) })])).transform((items) =>
  items.map((item) => (typeof item === "string" ? item : item.name)),
);
/** GitHub accepts `{labels: [...]}`, a bare array, and label objects `{name}`. */
const labelsBodySchema = z.union([z.object({ labels: labelNameList }), labelNameList.transform((labels) => ({ labels }))]);

const stateReasonSchema = z.enum(["completed", "not_planned", "duplicate", "reopened"]).nullable();

// GitHub accepts a number as a title and stores its text.
const titleSchema = z.union([z.string().min(1), z.number()]).transform(String);

const createIssueSchema = z.object({
  title: titleSchema,
  body: z.string().nullable().optional(),
  labels: labelNameList.optional(),
  assignees: z.array(z.string()).optional(),
  milestone: z.union([z.number(), z.string()]).nullable().optional(),
});

const updateIssueSchema = z.object({
  title: titleSchema.optional(),
  body: z.string().nullable().optional(),
  state: z.enum(["open", "closed"]).optional(),
  state_reason: stateReasonSchema.optional(),
  labels: labelNameList.optional(),
  assignees: z.array(z.string()).optional(),
  milestone: z.union([z.number(), z.string()]).nullable().optional(),
});

const listIssuesQuerySchema = z.object({
  state: z.enum(["open", "closed", "all"]).default("open"),
  labels: z.string().optional(),
  creator: z.string().optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  sort: z.enum(["created", "updated", "comments"]).default("created"),
  direction: z.enum(["asc", "desc"]).default("desc"),
});

const commentBodySchema = z.object({ body: z.string().min(1) });

/** GitHub's limits, in characters (code points), with the messages its API answers. */
const TITLE_MAX = 256;
const BODY_MAX = 65_536;
const length = (text: string) => [...text].length;

function checkIssueLimits(input: { title?: string | undefined; body?: string | null | undefined }): void {
  const errors: ValidationErrorItem[] = [];
  if (input.title !== undefined && length(input.title) > TITLE_MAX) {
    errors.push({ resource: "Issue", code: "custom", field: "title", message: `title is too long (maximum is ${TITLE_MAX} characters)` });
  }
  if (typeof input.body === "string" && length(input.body) > BODY_MAX) {
    errors.push({ resource: "Issue", code: "custom", field: "body", message: `body is too long (maximum is ${BODY_MAX} characters)` });
  }
  if (errors.length > 0) throw validationFailed(errors);
}

function checkCommentLimit(body: string): void {
  if (length(body) <= BODY_MAX) return;
  throw validationFailed([
    { resource: "IssueComment", code: "unprocessable", field: "data", message: `Body is too long (maximum is ${BODY_MAX} characters)` },
  ]);
}
const reactionBodySchema = z.object({ content: z.enum(REACTION_CONTENTS) });
const subIssueBodySchema = z.object({ sub_issue_id: z.number().int().positive(), replace_parent: z.boolean().optional() });
const createLabelSchema = z.object({
  name: z.string().min(1),
  color: z.string().regex(/^#?[0-9a-fA-F]{6}$/).optional(),
  description: z.string().nullable().optional(),
});

function queryObject(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams.entries());
}

// ---------------------------------------------------------------- app & installations

route("GET", "/app", (ctx) => {
  requireApp(ctx);
  return ok(ctx.shapes.app());
});

route("GET", "/app/installations", (ctx) => {
  requireApp(ctx);
  return list(ctx, [...ctx.state.installations.values()], (i) => ctx.shapes.installation(i));
});

route("GET", "/app/installations/:installation_id", (ctx) => {
  requireApp(ctx);
  const installation = ctx.state.installations.get(Number(ctx.params.installation_id));
  if (!installation) throw notFound();
  return ok(ctx.shapes.installation(installation));
});

route("POST", "/app/installations/:installation_id/access_tokens", (ctx) => {
  requireApp(ctx);
  const installation = ctx.state.installations.get(Number(ctx.params.installation_id));
  if (!installation) throw notFound();
  const { token, expiresAt } = ctx.auth.issueInstallationToken(installation.id);
  return ok({ token, expires_at: expiresAt, permissions: installation.permissions, repository_selection: "all" }, 201);
});

route("GET", "/repos/:owner/:repo/installation", (ctx) => {
  requireApp(ctx);
  const repo = ctx.state.repo(ctx.params.owner!, ctx.params.repo!);
  const installation = repo && ctx.state.installationForAccount(repo.owner);
  if (!installation) throw notFound();
  return ok(ctx.shapes.installation(installation));
});

for (const kind of ["orgs", "users"] as const) {
  route("GET", `/${kind}/:account/installation`, (ctx) => {
    requireApp(ctx);
    const installation = ctx.state.installationForAccount(ctx.params.account!);
    if (!installation) throw notFound();
    return ok(ctx.shapes.installation(installation));
  });
}

route("GET", "/installation/repositories", (ctx): RouteAnswer => {
  if (ctx.actor.kind !== "installation") throw forbidden("This endpoint needs an installation access token");
  const account = ctx.actor.installation.account.toLowerCase();
  const repos = [...ctx.state.repos.values()].filter((r) => r.owner.toLowerCase() === account);
  const page = paginate(repos, ctx.url);
  return {
    status: 200,
    json: { total_count: repos.length, repository_selection: "all", repositories: page.items.map((r) => ctx.shapes.repository(r)) },
    headers: page.link ? { link: page.link } : {},
  };
});

/** The signed-in person (a user token, e.g. from the OAuth web flow); apps and installations are not people. */
route("GET", "/user", (ctx) => {
  if (ctx.actor.kind === "anonymous") throw unauthorized("Requires authentication");
  if (ctx.actor.kind !== "user") throw forbidden("Resource not accessible by integration");
  return ok(ctx.shapes.user(ctx.actor.login));
});

route("GET", "/users/:login", (ctx) => {
  const account = ctx.state.account(ctx.params.login!);
  if (!account) throw notFound();
  return ok(ctx.shapes.user(account.login));
});

// ---------------------------------------------------------------- repos, contents, permissions

route("GET", "/repos/:owner/:repo", (ctx) => ok(ctx.shapes.repository(repoOf(ctx))));

route("GET", "/repos/:owner/:repo/contents/*path", (ctx) => {
  const repo = repoOf(ctx, "read", "contents");
  const ref = ctx.url.searchParams.get("ref");
  if (ref && ref !== repo.defaultBranch) throw notFound(`No commit found for the ref ${ref}`);
  const path = ctx.params.path!.replace(/^\/+|\/+$/g, "");
  const { api, web } = { api: ctx.url.origin + "/api/v3", web: ctx.url.origin };
  const text = repo.files.get(path);
  const entry = (p: string, type: "file" | "dir", size: number) => ({
    type,
    name: p.split("/").pop(),
    path: p,
    sha: type === "file" ? gitBlobSha(repo.files.get(p) ?? "") : sha1Hex(`tree:${p}:${repo.files.get(p) ?? ""}`),
    size,
    url: `${api}/repos/${repo.owner}/${repo.name}/contents/${p}`,
    html_url: `${web}/${repo.owner}/${repo.name}/blob/${repo.defaultBranch}/${p}`,
    git_url: null,
    download_url: type === "file" ? `${web}/${repo.owner}/${repo.name}/raw/${repo.defaultBranch}/${p}` : null,
  });
  if (text !== undefined) {
    const accept = String(ctx.headers.accept ?? "");
    // Probot's context.config asks for the raw media type and parses the text itself.
    if (/application\/vnd\.github(\.v3)?\.raw/.test(accept)) {
      return { status: 200, text: { contentType: "text/plain; charset=utf-8", body: text } };
    }
    // Like GitHub: an ETag per version, and 304 without a body to a request that names it.
    const etag = `W/"${gitBlobSha(text)}"`;
    if (String(ctx.headers["if-none-match"] ?? "") === etag) return { status: 304, headers: { etag } };
    const size = Buffer.byteLength(text);
    const base64 = Buffer.from(text, "utf8").toString("base64").replace(/(.{60})/g, "$1\n");
    return ok({ ...entry(path, "file", size), encoding: "base64", content: base64 }, 200, { etag });
  }
  const prefix = `${path}/`;
  const children = new Map<string, "file" | "dir">();
  for (const filePath of repo.files.keys()) {
    if (!filePath.startsWith(prefix)) continue;
    const rest = filePath.slice(prefix.length);
    const [head, ...tail] = rest.split("/");
    children.set(`${prefix}${head}`, tail.length > 0 ? "dir" : "file");
  }
  if (children.size === 0) throw notFound();
  return ok([...children].map(([p, type]) => entry(p, type, type === "file" ? Buffer.byteLength(repo.files.get(p)!) : 0)));
});

route("GET", "/repos/:owner/:repo/collaborators/:username/permission", (ctx) => {
  const repo = repoOf(ctx);
  const user = ctx.state.account(ctx.params.username!);
  if (!user || user.type === "Organization") throw notFound();
  const role = ctx.state.permissionOf(repo, user.login);
  // The legacy `permission` field folds maintain into write and triage into read.
  const permission = role === "maintain" ? "write" : role === "triage" ? "read" : role;
  return ok({ permission, role_name: role, user: { ...ctx.shapes.user(user.login), permissions: permissionFlags(role) } });
});

route("GET", "/orgs/:org/teams/:team_slug/memberships/:username", (ctx) => {
  if (ctx.actor.kind === "installation") {
    const scoped = ctx.actor.installation.account.toLowerCase() === ctx.params.org!.toLowerCase();
    if (!scoped || !ctx.actor.installation.permissions.members) throw forbidden();
  } else if (ctx.actor.kind !== "user") {
    throw notFound();
  }
  const org = ctx.state.org(ctx.params.org!);
  const team = org?.teams.get(ctx.params.team_slug!.toLowerCase());
  const role = team?.members.get(ctx.params.username!.toLowerCase());
  if (!org || !team || !role) throw notFound();
  return ok({
    url: `${ctx.url.origin}/api/v3/organizations/${org.id}/team/${team.id}/memberships/${ctx.params.username}`,
    role,
    state: "active",
  });
});

// ---------------------------------------------------------------- labels

route("GET", "/repos/:owner/:repo/labels", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  return list(ctx, [...repo.labels.values()], (l) => ctx.shapes.label(repo, l));
});

route("GET", "/repos/:owner/:repo/labels/:name", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  const label = repo.labels.get(ctx.params.name!.toLowerCase());
  if (!label) throw notFound();
  return ok(ctx.shapes.label(repo, label));
});

route("POST", "/repos/:owner/:repo/labels", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  ctx.ops.authorize(ctx.actor, repo, "write");
  const input = parseBody(createLabelSchema, ctx.body, "Label");
  if (repo.labels.has(input.name.toLowerCase())) throw validationFailed([{ resource: "Label", code: "already_exists", field: "name" }]);
  const label = ctx.state.ensureLabel(repo, input.name);
  if (input.color) label.color = input.color.replace(/^#/, "").toLowerCase();
  label.description = input.description ?? null;
  return ok(ctx.shapes.label(repo, label), 201);
});

// ---------------------------------------------------------------- comments by id (before /issues/:number)

route("GET", "/repos/:owner/:repo/issues/comments/:comment_id", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  return ok(ctx.shapes.comment(commentOf(ctx, repo)));
});

route("PATCH", "/repos/:owner/:repo/issues/comments/:comment_id", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  const comment = commentOf(ctx, repo);
  const { body } = parseBody(commentBodySchema, ctx.body, "IssueComment");
  checkCommentLimit(body);
  return ok(ctx.shapes.comment(ctx.ops.updateComment(ctx.actor, comment, body)));
});

function reactionRoutes(base: string, targetOf: (ctx: RouteContext, repo: Repo) => Issue | Comment): void {
  route("GET", `${base}/reactions`, (ctx) => {
    const repo = repoOf(ctx, "read", "issues");
    const content = ctx.url.searchParams.get("content");
    const reactions = targetOf(ctx, repo).reactions.filter((r) => !content || r.content === content);
    return list(ctx, reactions, (r) => ctx.shapes.reaction(r));
  });
  route("POST", `${base}/reactions`, (ctx) => {
    const repo = repoOf(ctx, "read", "issues");
    const target = targetOf(ctx, repo);
    const { content } = parseBody(reactionBodySchema, ctx.body, "Reaction");
    const { reaction, created } = ctx.ops.addReaction(ctx.actor, target, content);
    return ok(ctx.shapes.reaction(reaction), created ? 201 : 200);
  });
}
reactionRoutes("/repos/:owner/:repo/issues/comments/:comment_id", commentOf);
reactionRoutes("/repos/:owner/:repo/issues/:number", issueOf);

// ---------------------------------------------------------------- issues

route("GET", "/repos/:owner/:repo/issues", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  const query = parseBody(listIssuesQuerySchema, queryObject(ctx.url), "Issue");
  const wanted = (query.labels ?? "")
    .split(",")
    .map((l) => l.trim().toLowerCase())
    .filter((l) => l.length > 0);
  const since = query.since ? Date.parse(query.since) : null;
  const issues = [...repo.issues.values()].filter(
    (issue) =>
      (query.state === "all" || issue.state === query.state) &&
      wanted.every((w) => issue.labels.some((l) => l.toLowerCase() === w)) &&
      (!query.creator || issue.author.toLowerCase() === query.creator.toLowerCase()) &&
      (since === null || Date.parse(issue.updatedAt) >= since),
  );
  const key = (issue: Issue): number =>
    query.sort === "comments" ? issue.commentIds.length : Date.parse(query.sort === "updated" ? issue.updatedAt : issue.createdAt);
  const sign = query.direction === "asc" ? 1 : -1;
  // Timestamps have second precision; the issue number breaks ties the way creation order would.
  issues.sort((a, b) => sign * (key(a) - key(b) || a.number - b.number));
  return list(ctx, issues, (i) => ctx.shapes.issue(i));
});

route("POST", "/repos/:owner/:repo/issues", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  const input = parseBody(createIssueSchema, ctx.body, "Issue");
  checkIssueLimits(input);
  const issue = ctx.ops.createIssue(ctx.actor, repo, { title: input.title, body: input.body ?? null, labels: input.labels ?? [] });
  return ok(ctx.shapes.issue(issue), 201, { location: String(ctx.shapes.issue(issue).url) });
});

route("GET", "/repos/:owner/:repo/issues/:number", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  return ok(ctx.shapes.issue(issueOf(ctx, repo)));
});

route("PATCH", "/repos/:owner/:repo/issues/:number", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  const issue = issueOf(ctx, repo);
  const input = parseBody(updateIssueSchema, ctx.body, "Issue");
  checkIssueLimits(input);
  ctx.ops.updateIssue(ctx.actor, issue, {
    ...(input.title !== undefined ? { title: input.title } : {}),
    ...(input.body !== undefined ? { body: input.body } : {}),
    ...(input.state !== undefined ? { state: input.state } : {}),
    ...(input.state_reason !== undefined ? { stateReason: input.state_reason } : {}),
    ...(input.labels !== undefined ? { labels: input.labels } : {}),
  });
  return ok(ctx.shapes.issue(issue));
});

// ---------------------------------------------------------------- labels on an issue

function issueLabels(ctx: RouteContext, issue: Issue): unknown[] {
  return issue.labels.map((name) => ctx.shapes.label(issue.repo, ctx.state.ensureLabel(issue.repo, name)));
}

route("GET", "/repos/:owner/:repo/issues/:number/labels", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  const issue = issueOf(ctx, repo);
  return list(ctx, issue.labels, (name) => ctx.shapes.label(repo, ctx.state.ensureLabel(repo, name)));
});

route("POST", "/repos/:owner/:repo/issues/:number/labels", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  const issue = issueOf(ctx, repo);
  const { labels } = parseBody(labelsBodySchema, ctx.body, "Label");
  ctx.ops.addLabels(ctx.actor, issue, labels);
  return ok(issueLabels(ctx, issue));
});

route("PUT", "/repos/:owner/:repo/issues/:number/labels", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  const issue = issueOf(ctx, repo);
  const { labels } = parseBody(labelsBodySchema, ctx.body ?? { labels: [] }, "Label");
  ctx.ops.setLabels(ctx.actor, issue, labels);
  return ok(issueLabels(ctx, issue));
});

route("DELETE", "/repos/:owner/:repo/issues/:number/labels", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  ctx.ops.setLabels(ctx.actor, issueOf(ctx, repo), []);
  return { status: 204 };
});

route("DELETE", "/repos/:owner/:repo/issues/:number/labels/:name", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  const issue = issueOf(ctx, repo);
  ctx.ops.removeLabel(ctx.actor, issue, ctx.params.name!);
  return ok(issueLabels(ctx, issue));
});

// ---------------------------------------------------------------- comments on an issue

route("GET", "/repos/:owner/:repo/issues/:number/comments", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  const issue = issueOf(ctx, repo);
  const sinceRaw = ctx.url.searchParams.get("since");
  const since = sinceRaw ? Date.parse(sinceRaw) : null;
  if (since !== null && Number.isNaN(since)) {
    throw validationFailed([{ resource: "IssueComment", field: "since", code: "invalid", message: "since must be an ISO 8601 timestamp" }]);
  }
  const comments = issue.commentIds
    .map((id) => ctx.state.commentsById.get(id))
    .filter((c): c is Comment => !!c && (since === null || Date.parse(c.updatedAt) >= since));
  return list(ctx, comments, (c) => ctx.shapes.comment(c));
});

route("POST", "/repos/:owner/:repo/issues/:number/comments", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  const issue = issueOf(ctx, repo);
  const { body } = parseBody(commentBodySchema, ctx.body, "IssueComment");
  checkCommentLimit(body);
  return ok(ctx.shapes.comment(ctx.ops.createComment(ctx.actor, issue, body)), 201);
});

// ---------------------------------------------------------------- sub-issues

route("GET", "/repos/:owner/:repo/issues/:number/sub_issues", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  const issue = issueOf(ctx, repo);
  const children = issue.subIssueIds.map((id) => ctx.state.issuesById.get(id)).filter((i): i is Issue => !!i);
  return list(ctx, children, (i) => ctx.shapes.issue(i));
});

route("POST", "/repos/:owner/:repo/issues/:number/sub_issues", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  const parent = issueOf(ctx, repo);
  const input = parseBody(subIssueBodySchema, ctx.body, "Issue");
  const child = ctx.ops.addSubIssue(ctx.actor, parent, input.sub_issue_id, input.replace_parent ?? false);
  return ok(ctx.shapes.issue(child), 201);
});

route("DELETE", "/repos/:owner/:repo/issues/:number/sub_issue", (ctx) => {
  const repo = repoOf(ctx, "read", "issues");
  const parent = issueOf(ctx, repo);
  const input = parseBody(subIssueBodySchema.pick({ sub_issue_id: true }), ctx.body, "Issue");
  return ok(ctx.shapes.issue(ctx.ops.removeSubIssue(ctx.actor, parent, input.sub_issue_id)));
});

// ---------------------------------------------------------------- small helpers

function permissionFlags(role: string): Record<string, boolean> {
  const rank = ["none", "read", "triage", "write", "maintain", "admin"].indexOf(role);
  return { pull: rank >= 1, triage: rank >= 2, push: rank >= 3, maintain: rank >= 4, admin: rank >= 5 };
}

function sha1Hex(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}


/** Git's blob id, which GitHub reports as a file's `sha`: sha1 of `blob <bytes>\0<content>`. */
function gitBlobSha(text: string): string {
  const content = Buffer.from(text, "utf8");
  return createHash("sha1").update(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content])).digest("hex");
}
