import { createHash, generateKeyPairSync, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { ApiError, badRequest, forbidden, injectedFailure, notFound, unauthorized } from "./api-error.js";
import { ApiShapes, type UrlBases } from "./api-shapes.js";
import { AppAuth } from "./app-auth.js";
import { parseOperation } from "./graphql-subset.js";
import { renderHtmlPage } from "./html-views.js";
import { actorLogin, IssueOperations, type Actor } from "./issue-operations.js";
import { describeBoard, ProjectsGraphql, type BoardItemView } from "./projects-graphql.js";
import { matchRoute } from "./rest-routes.js";
import { OAuthWebFlow } from "./oauth-web-flow.js";
import { REACTION_CONTENTS, StandInState, type Comment, type Issue, type Repo, type RepoPermission, type ReactionContent } from "./stand-in-state.js";
import { WebhookSender, type WebhookDelivery } from "./webhook-sender.js";

/**
 * A GitHub (Enterprise) stand-in: an HTTP server on 127.0.0.1 that keeps issues,
 * comments, labels, reactions, sub-issues, a Projects v2 board, repository files,
 * installations and permissions in memory and answers the REST (`/api/v3`) and GraphQL
 * (`/api/graphql`) calls the app makes, with GitHub's shapes and errors. Point Probot at
 * it with `GHE_HOST=127.0.0.1:<port>` and `GHE_PROTOCOL=http` (or `baseUrl: standIn.apiUrl`),
 * or Octokit with `baseUrl: standIn.apiUrl`. Writes send the webhooks GitHub would send,
 * signed, to `webhookUrl`.
 */

export type InstallationPermissions = Record<string, "read" | "write">;

const permissionLevel = z.enum(["read", "write"]);
const repoPermission = z.enum(["admin", "maintain", "write", "triage", "read", "none"]);
const fullNameSchema = z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'expected "owner/repo"');

const orgSeedSchema = z.object({
  login: z.string().min(1),
  /** team slug → member logins */
  teams: z.record(z.string(), z.array(z.string().min(1))).optional(),
});
const repoSeedSchema = z.object({
  fullName: fullNameSchema,
  private: z.boolean().optional(),
  defaultBranch: z.string().min(1).optional(),
  description: z.string().optional(),
  /** path → text, e.g. `{ ".github/hub-sales.yml": "hub_repo: ..." }` */
  files: z.record(z.string(), z.string()).optional(),
  /** login → permission */
  permissions: z.record(z.string(), repoPermission).optional(),
});
const installationSeedSchema = z.object({
  account: z.string().min(1),
  id: z.number().int().positive().optional(),
  permissions: z.record(z.string(), permissionLevel).optional(),
});
const projectSeedSchema = z.object({
  org: z.string().min(1),
  number: z.number().int().positive(),
  title: z.string().optional(),
  statusField: z.object({ name: z.string().min(1), options: z.array(z.string().min(1)).min(1) }).optional(),
});

const optionsSchema = z.object({
  host: z.string().optional(),
  port: z.number().int().min(0).max(65535).optional(),
  app: z
    .object({
      id: z.number().int().positive().optional(),
      slug: z.string().regex(/^[a-z0-9-]+$/, "lower-case letters, digits and dashes").optional(),
      name: z.string().optional(),
      privateKey: z.string().includes("PRIVATE KEY", { message: "expected a PEM private key" }).optional(),
      permissions: z.record(z.string(), permissionLevel).optional(),
      events: z.array(z.string()).optional(),
      /** The app's OAuth client ("Sign in with GitHub"); defaults are made up per stand-in. */
      clientId: z.string().min(1).optional(),
      clientSecret: z.string().min(1).optional(),
    })
    .optional(),
  webhookUrl: z.url().optional(),
  webhookSecret: z.string().min(1).optional(),
  webhooksForAppWrites: z.boolean().optional(),
  webhookTimeoutMs: z.number().int().positive().optional(),
  webhookConcurrency: z.number().int().positive().optional(),
  orgs: z.array(orgSeedSchema).optional(),
  users: z.array(z.string().min(1)).optional(),
  repos: z.array(repoSeedSchema).optional(),
  installations: z.array(installationSeedSchema).optional(),
  projects: z.array(projectSeedSchema).optional(),
  now: z.custom<() => Date>((v) => typeof v === "function", "expected a function returning a Date").optional(),
});

export type GitHubStandInOptions = z.input<typeof optionsSchema>;
export type OrgSeed = z.input<typeof orgSeedSchema>;
export type RepoSeed = z.input<typeof repoSeedSchema>;
export type InstallationSeed = z.input<typeof installationSeedSchema>;
export type ProjectSeed = z.input<typeof projectSeedSchema>;

const failureRuleSchema = z.object({
  method: z.string().optional(),
  /** API path: REST paths without `/api/v3` (e.g. `/repos/o/r/issues`), GraphQL as `/graphql`. */
  path: z.union([z.string().startsWith("/"), z.instanceof(RegExp)]),
  status: z.union([z.literal(502), z.literal(403), z.literal(429), z.literal(404), z.literal(422)]),
  times: z.number().int().positive().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  message: z.string().optional(),
});
export type FailureRule = z.input<typeof failureRuleSchema>;

const delayRuleSchema = z.object({
  method: z.string().optional(),
  path: z.union([z.string().startsWith("/"), z.instanceof(RegExp)]),
  /** How long the answer is held back after the request took effect. */
  ms: z.number().int().positive(),
  times: z.number().int().positive().optional(),
});
/** A request that takes effect at once but is answered late (a gateway timing out after GitHub did the work). */
export type DelayRule = z.input<typeof delayRuleSchema>;

export interface RequestLogEntry {
  at: string;
  method: string;
  /** REST: the path after `/api/v3`; GraphQL: `/graphql`; pages: the page path. */
  path: string;
  query: string;
  kind: "rest" | "graphql" | "page";
  /** Top-level GraphQL fields, e.g. `["addProjectV2ItemById"]`. */
  graphqlFields?: string[];
  /** 304: a conditional read of something unchanged (GitHub does not count those against the primary rate limit). */
  status: number;
  /** Login acting (`<slug>[bot]` for installation tokens, the app slug for its JWT), null when anonymous. */
  actor: string | null;
  injected: boolean;
  durationMs: number;
}

export interface CommentView {
  id: number;
  body: string;
  author: string;
  htmlUrl: string;
  createdAt: string;
  updatedAt: string;
  reactions: Array<{ content: ReactionContent; user: string }>;
}

export interface IssueView {
  repo: string;
  number: number;
  id: number;
  nodeId: string;
  title: string;
  body: string | null;
  state: "open" | "closed";
  stateReason: Issue["stateReason"];
  labels: string[];
  author: string;
  htmlUrl: string;
  comments: CommentView[];
  parentId: number | null;
  subIssueIds: number[];
}

export interface BoardView {
  id: string;
  org: string;
  number: number;
  title: string;
  statusField: { id: string; name: string; options: Array<{ id: string; name: string }> } | null;
  items: BoardItemView[];
}

/** What a person can do in the stand-in; each action sends the webhook GitHub would. */
export interface PersonActions {
  openIssue(input: { repo: string; title: string; body?: string; labels?: string[] }): IssueView;
  editIssue(input: { repo: string; number: number; title?: string; body?: string }): IssueView;
  close(input: { repo: string; number: number; reason?: "completed" | "not_planned" | "duplicate" }): IssueView;
  reopen(input: { repo: string; number: number }): IssueView;
  addLabels(input: { repo: string; number: number; labels: string[] }): IssueView;
  removeLabel(input: { repo: string; number: number; label: string }): IssueView;
  comment(input: { repo: string; number: number; body: string }): CommentView;
  editComment(input: { repo: string; commentId: number; body: string }): CommentView;
  react(input: { repo: string; commentId: number; content: ReactionContent }): void;
}

export interface GitHubStandIn {
  /** `http://127.0.0.1:<port>`: the browsable pages. */
  readonly url: string;
  /** `http://127.0.0.1:<port>/api/v3`: Octokit's / Probot's `baseUrl`. */
  readonly apiUrl: string;
  readonly graphqlUrl: string;
  /** `127.0.0.1:<port>`: the value for `GHE_HOST` (with `GHE_PROTOCOL=http`). */
  readonly host: string;
  readonly port: number;
  readonly app: { id: number; slug: string; botLogin: string; privateKey: string; clientId: string; clientSecret: string };
  /** Every request answered, in order. */
  readonly requests: readonly RequestLogEntry[];
  /** Every webhook delivery (and redelivery), in order, with the receiver's answer. */
  readonly deliveries: readonly WebhookDelivery[];
  /** Whether the app's own API writes cause webhooks (default true, as on GitHub). */
  webhooksForAppWrites: boolean;

  setWebhookTarget(target: { url: string; secret: string } | null): void;
  /** Answer the next `times` (default 1) matching requests with an injected failure. */
  failNext(rule: FailureRule): void;
  /** Carry out the next `times` (default 1) matching requests at once, but answer them only after `ms`. */
  delayNext(rule: DelayRule): void;
  countRequests(filter?: { method?: string; path?: string | RegExp; actor?: string; kind?: RequestLogEntry["kind"] }): number;
  clearRequests(): void;
  /** Resends a delivery with the same payload, signature and `X-GitHub-Delivery` id. */
  redeliver(deliveryId: string): WebhookDelivery;
  /** Resolves once every queued webhook delivery has been answered. */
  settle(): Promise<void>;

  as(login: string): PersonActions;
  /** A personal access token acting as `login` (created on first use). */
  tokenFor(login: string): string;
  /** An installation access token for the installation on `account` (as Probot would obtain). */
  installationToken(account: string): string;

  addOrg(org: OrgSeed): void;
  addUser(login: string): void;
  addRepo(repo: RepoSeed): void;
  setFile(input: { repo: string; path: string; text: string }): void;
  setPermission(input: { repo: string; user: string; permission: RepoPermission }): void;
  addTeamMember(input: { org: string; team: string; user: string; role?: "member" | "maintainer" }): void;
  addProject(project: ProjectSeed): BoardView;
  install(installation: InstallationSeed): { id: number };
  installationId(account: string): number | undefined;

  issue(repo: string, number: number): IssueView | undefined;
  issues(repo: string): IssueView[];
  board(org: string, number: number): BoardView | undefined;

  close(): Promise<void>;
}

const DEFAULT_PERMISSIONS: InstallationPermissions = {
  issues: "write",
  contents: "read",
  metadata: "read",
  members: "read",
  organization_projects: "write",
};
const DEFAULT_EVENTS = ["issues", "issue_comment"];
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export async function startGitHubStandIn(options: GitHubStandInOptions = {}): Promise<GitHubStandIn> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "options"}: ${i.message}`).join("; ");
    throw new Error(`startGitHubStandIn: invalid options: ${problems}`);
  }
  const opts = parsed.data;
  const privateKey =
    opts.app?.privateKey ??
    generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const appId = opts.app?.id ?? 12345;
  const slug = opts.app?.slug ?? "hub-sales-bot";
  const state = new StandInState(
    {
      id: appId,
      slug,
      name: opts.app?.name ?? slug,
      nodeId: `A_kwStandIn${appId}`,
      permissions: opts.app?.permissions ?? { ...DEFAULT_PERMISSIONS },
      events: opts.app?.events ?? DEFAULT_EVENTS,
    },
    opts.now ?? (() => new Date()),
  );
  state.ensureUser(state.botLogin, "Bot");

  let bases: UrlBases = { api: "", web: "" };
  const shapes = new ApiShapes(state, () => bases);
  let webhookTarget = opts.webhookUrl && opts.webhookSecret ? { url: opts.webhookUrl, secret: opts.webhookSecret } : null;
  if ((opts.webhookUrl === undefined) !== (opts.webhookSecret === undefined)) {
    throw new Error("startGitHubStandIn: webhookUrl and webhookSecret go together; give both or neither");
  }
  const sender = new WebhookSender({
    target: () => webhookTarget,
    appId,
    timeoutMs: opts.webhookTimeoutMs ?? 10_000,
    concurrency: opts.webhookConcurrency ?? 1,
  });
  const settings = { webhooksForAppWrites: opts.webhooksForAppWrites ?? true };
  const ops = new IssueOperations(state, shapes, sender, settings);
  const auth = new AppAuth(state, privateKey);
  const graphql = new ProjectsGraphql(state);
  const oauth = new OAuthWebFlow(state, auth, {
    clientId: opts.app?.clientId ?? `Iv1.standin${appId}`,
    clientSecret: opts.app?.clientSecret ?? randomUUID().replaceAll("-", ""),
  });
  const requests: RequestLogEntry[] = [];
  const failures: Array<z.output<typeof failureRuleSchema> & { remaining: number }> = [];
  const delays: Array<z.output<typeof delayRuleSchema> & { remaining: number }> = [];

  // ---------------------------------------------------------------- seeding
  const addOrg = (org: OrgSeed): void => {
    const o = orgSeedSchema.parse(org);
    state.ensureOrg(o.login);
    for (const [team, members] of Object.entries(o.teams ?? {})) {
      for (const user of members) state.addTeamMember({ org: o.login, team, user });
    }
  };
  const addRepo = (seed: RepoSeed): Repo => {
    const r = repoSeedSchema.parse(seed);
    const [owner, name] = r.fullName.split("/") as [string, string];
    const repo = state.addRepo({ owner, name, private: r.private, defaultBranch: r.defaultBranch, description: r.description ?? null });
    for (const [path, text] of Object.entries(r.files ?? {})) repo.files.set(path.replace(/^\/+/, ""), text);
    for (const [user, permission] of Object.entries(r.permissions ?? {})) {
      state.ensureUser(user);
      repo.permissions.set(user.toLowerCase(), permission);
    }
    return repo;
  };
  const repoByName = (fullName: string): Repo => {
    const [owner, name] = fullNameSchema.parse(fullName).split("/") as [string, string];
    const repo = state.repo(owner, name);
    if (!repo) throw new Error(`stand-in: no repository ${fullName}; add it with addRepo first`);
    return repo;
  };
  const issueByRef = (fullName: string, number: number): Issue => {
    const issue = repoByName(fullName).issues.get(number);
    if (!issue) throw new Error(`stand-in: no issue ${fullName}#${number}`);
    return issue;
  };
  const commentByRef = (fullName: string, id: number): Comment => {
    const comment = state.commentsById.get(id);
    if (!comment || comment.issue.repo !== repoByName(fullName)) throw new Error(`stand-in: no comment ${id} in ${fullName}`);
    return comment;
  };

  for (const org of opts.orgs ?? []) addOrg(org);
  for (const user of opts.users ?? []) state.ensureUser(user);
  for (const repo of opts.repos ?? []) addRepo(repo);
  for (const project of opts.projects ?? []) {
    state.addProject({ org: project.org, number: project.number, title: project.title ?? `Project ${project.number}`, statusField: project.statusField });
  }
  if (opts.installations) {
    for (const installation of opts.installations) state.addInstallation(installation);
  } else {
    // Without explicit installations the app is installed on every organization seeded.
    for (const account of state.accounts.values()) if (account.type === "Organization") state.addInstallation({ account: account.login });
  }

  // ---------------------------------------------------------------- views
  const commentView = (c: Comment): CommentView => ({
    id: c.id,
    body: c.body,
    author: c.author,
    htmlUrl: String(shapes.comment(c).html_url),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    reactions: c.reactions.map((r) => ({ content: r.content, user: r.user })),
  });
  const issueView = (i: Issue): IssueView => ({
    repo: `${i.repo.owner}/${i.repo.name}`,
    number: i.number,
    id: i.id,
    nodeId: i.nodeId,
    title: i.title,
    body: i.body,
    state: i.state,
    stateReason: i.stateReason,
    labels: [...i.labels],
    author: i.author,
    htmlUrl: shapes.issueHtmlUrl(i),
    comments: i.commentIds.map((id) => state.commentsById.get(id)).filter((c): c is Comment => !!c).map(commentView),
    parentId: i.parentId,
    subIssueIds: [...i.subIssueIds],
  });
  const boardView = (org: string, number: number): BoardView | undefined => {
    const project = state.project(org, number);
    if (!project) return undefined;
    return {
      id: project.id,
      org: project.org,
      number: project.number,
      title: project.title,
      statusField: project.statusField ? { id: project.statusField.id, name: project.statusField.name, options: project.statusField.options.map((o) => ({ ...o })) } : null,
      items: describeBoard(state, project),
    };
  };

  // ---------------------------------------------------------------- HTTP
  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify({ message: `stand-in internal error: ${error instanceof Error ? error.message : String(error)}` }));
      } else {
        res.destroy();
      }
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const url = new URL(req.url ?? "/", bases.web);
    const method = (req.method ?? "GET").toUpperCase();
    const raw = await readBody(req);
    const isRest = url.pathname === "/api/v3" || url.pathname.startsWith("/api/v3/");
    const isGraphql = url.pathname === "/api/graphql";
    const kind: RequestLogEntry["kind"] = isRest ? "rest" : isGraphql ? "graphql" : "page";
    const routePath = isRest ? url.pathname.slice("/api/v3".length) || "/" : isGraphql ? "/graphql" : url.pathname;
    // Octokit escapes "/" inside a contents path as %2F; log and match the readable form.
    const apiPath = safeDecode(routePath);
    let actor: Actor = { kind: "anonymous" };
    let injected = false;
    let graphqlFields: string[] | undefined;

    const finish = (status: number, headers: Record<string, string>, body: string | null): void => {
      res.writeHead(status, { ...rateLimitHeaders(), "x-github-request-id": randomUUID(), ...headers });
      res.end(body ?? undefined);
      requests.push({
        at: new Date(started).toISOString(),
        method,
        path: apiPath,
        query: url.search,
        kind,
        ...(graphqlFields ? { graphqlFields } : {}),
        status,
        actor: actorLogin(state, actor),
        injected,
        durationMs: Date.now() - started,
      });
    };
    const sendJson = (status: number, json: unknown, headers: Record<string, string> = {}): void => {
      const text = status === 204 || status === 304 ? null : JSON.stringify(json);
      // GitHub tags every successful REST read and answers a matching If-None-Match with an empty 304
      // (a route with tags of its own, like contents, answers them itself).
      if (method === "GET" && isRest && status === 200 && text !== null && headers.etag === undefined) {
        const etag = entityTag(text);
        if (etagMatches(header(req, "if-none-match"), etag)) {
          finish(304, { etag, ...headers }, null);
          return;
        }
        headers = { etag, ...headers };
      }
      finish(status, { "content-type": "application/json; charset=utf-8", ...headers }, text);
    };

    const signIn = kind === "page" ? oauth.handle({ method, url, body: raw, contentType: header(req, "content-type") ?? "", accept: header(req, "accept") ?? "" }) : null;
    if (signIn) {
      finish(signIn.status, signIn.headers, signIn.body);
      return;
    }
    if (kind === "page") {
      const page = method === "GET" ? renderHtmlPage(state, url.pathname) : null;
      finish(page?.status ?? 404, { "content-type": "text/html; charset=utf-8" }, page?.html ?? "<!doctype html><title>Not Found</title><h1>404 Not Found</h1>");
      return;
    }

    try {
      actor = auth.authenticate(header(req, "authorization"));
      let body: unknown = undefined;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw);
        } catch {
          throw badRequest("Problems parsing JSON");
        }
      }
      if (isGraphql && body && typeof body === "object" && typeof (body as { query?: unknown }).query === "string") {
        try {
          graphqlFields = parseOperation((body as { query: string }).query).selections.flatMap((s) => (s.kind === "field" ? [s.name] : []));
        } catch {
          // The GraphQL handler answers the syntax error itself.
        }
      }
      const failure = takeFailure(method, apiPath);
      if (failure) {
        injected = true;
        throw failure;
      }
      if (isGraphql) {
        if (method !== "POST") throw notFound();
        if (actor.kind === "anonymous") throw unauthorized("This endpoint requires you to be authenticated.");
        if (actor.kind === "app") throw forbidden("A JSON web token cannot be used for GraphQL; use an installation access token");
        sendJson(200, graphql.execute(actor, body));
        return;
      }
      const matched = matchRoute(method, routePath);
      // GitHub answers unknown routes and wrong methods alike with 404.
      if (matched === null || matched === "method-not-allowed") throw notFound();
      const delay = takeRule(delays, method, apiPath);
      const answer = matched.handle({ state, shapes, ops, auth, actor, params: matched.params, url, body, headers: req.headers });
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay.ms));
      if (answer.text) {
        finish(answer.status, { "content-type": answer.text.contentType, ...answer.headers }, answer.text.body);
      } else {
        sendJson(answer.status, answer.json, answer.headers);
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      sendJson(error.status, error.body, error.headers);
    }
  }

  function takeRule<R extends { method?: string; path: string | RegExp; remaining: number }>(rules: R[], method: string, path: string): R | null {
    const index = rules.findIndex(
      (f) => (!f.method || f.method.toUpperCase() === method) && (typeof f.path === "string" ? f.path === path : f.path.test(path)),
    );
    if (index < 0) return null;
    const rule = rules[index]!;
    rule.remaining--;
    if (rule.remaining <= 0) rules.splice(index, 1);
    return rule;
  }

  function takeFailure(method: string, path: string): ApiError | null {
    const rule = takeRule(failures, method, path);
    return rule ? injectedFailure(rule.status, rule.message, rule.headers ?? {}) : null;
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostPort = `${opts.host ?? "127.0.0.1"}:${address.port}`;
  bases = { web: `http://${hostPort}`, api: `http://${hostPort}/api/v3` };

  // ---------------------------------------------------------------- person actions
  const as = (login: string): PersonActions => {
    state.ensureUser(login);
    const actor: Actor = { kind: "user", login: state.account(login)!.login };
    return {
      openIssue: ({ repo, title, body, labels }) => issueView(ops.createIssue(actor, repoByName(repo), { title, body: body ?? null, labels: labels ?? [] })),
      editIssue: ({ repo, number, title, body }) =>
        issueView(ops.updateIssue(actor, issueByRef(repo, number), { ...(title !== undefined ? { title } : {}), ...(body !== undefined ? { body } : {}) })),
      close: ({ repo, number, reason }) => issueView(ops.updateIssue(actor, issueByRef(repo, number), { state: "closed", stateReason: reason ?? "completed" })),
      reopen: ({ repo, number }) => issueView(ops.updateIssue(actor, issueByRef(repo, number), { state: "open" })),
      addLabels: ({ repo, number, labels }) => {
        const issue = issueByRef(repo, number);
        ops.addLabels(actor, issue, labels);
        return issueView(issue);
      },
      removeLabel: ({ repo, number, label }) => {
        const issue = issueByRef(repo, number);
        ops.removeLabel(actor, issue, label);
        return issueView(issue);
      },
      comment: ({ repo, number, body }) => commentView(ops.createComment(actor, issueByRef(repo, number), body)),
      editComment: ({ repo, commentId, body }) => commentView(ops.updateComment(actor, commentByRef(repo, commentId), body)),
      react: ({ repo, commentId, content }) => {
        if (!(REACTION_CONTENTS as readonly string[]).includes(content)) throw new Error(`stand-in: unknown reaction "${content}"; valid: ${REACTION_CONTENTS.join(", ")}`);
        ops.addReaction(actor, commentByRef(repo, commentId), content);
      },
    };
  };

  return {
    url: bases.web,
    apiUrl: bases.api,
    graphqlUrl: `${bases.web}/api/graphql`,
    host: hostPort,
    port: address.port,
    app: { id: appId, slug, botLogin: state.botLogin, privateKey, ...oauth.client },
    requests,
    deliveries: sender.deliveries,
    get webhooksForAppWrites() {
      return settings.webhooksForAppWrites;
    },
    set webhooksForAppWrites(value: boolean) {
      settings.webhooksForAppWrites = value;
    },
    setWebhookTarget: (target) => {
      webhookTarget = target ? z.object({ url: z.url(), secret: z.string().min(1) }).parse(target) : null;
    },
    failNext: (rule) => {
      const r = failureRuleSchema.parse(rule);
      failures.push({ ...r, remaining: r.times ?? 1 });
    },
    delayNext: (rule) => {
      const r = delayRuleSchema.parse(rule);
      delays.push({ ...r, remaining: r.times ?? 1 });
    },
    countRequests: (filter = {}) =>
      requests.filter(
        (r) =>
          (!filter.method || r.method === filter.method.toUpperCase()) &&
          (!filter.path || (typeof filter.path === "string" ? r.path === filter.path : filter.path.test(r.path))) &&
          (!filter.actor || r.actor === filter.actor) &&
          (!filter.kind || r.kind === filter.kind),
      ).length,
    clearRequests: () => {
      requests.length = 0;
    },
    redeliver: (id) => sender.redeliver(id),
    settle: () => sender.settle(),
    as,
    tokenFor: (login) => auth.userToken(login),
    installationToken: (account) => {
      const installation = state.installationForAccount(account);
      if (!installation) throw new Error(`stand-in: the app is not installed on ${account}`);
      return auth.issueInstallationToken(installation.id).token;
    },
    addOrg,
    addUser: (login) => {
      state.ensureUser(login);
    },
    addRepo: (repo) => {
      addRepo(repo);
    },
    setFile: ({ repo, path, text }) => {
      repoByName(repo).files.set(path.replace(/^\/+/, ""), text);
    },
    setPermission: ({ repo, user, permission }) => {
      state.ensureUser(user);
      repoByName(repo).permissions.set(user.toLowerCase(), repoPermission.parse(permission));
    },
    addTeamMember: (input) => state.addTeamMember(input),
    addProject: (project) => {
      const p = projectSeedSchema.parse(project);
      state.addProject({ org: p.org, number: p.number, title: p.title ?? `Project ${p.number}`, statusField: p.statusField });
      return boardView(p.org, p.number)!;
    },
    install: (installation) => ({ id: state.addInstallation(installationSeedSchema.parse(installation)).id }),
    installationId: (account) => state.installationForAccount(account)?.id,
    issue: (repo, number) => {
      const issue = repoByName(repo).issues.get(number);
      return issue ? issueView(issue) : undefined;
    },
    issues: (repo) => [...repoByName(repo).issues.values()].map(issueView),
    board: boardView,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error("request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A weak validator of the representation, as GitHub sends (`W/"<hex>"`). */
function entityTag(body: string): string {
  return `W/"${createHash("sha256").update(body).digest("hex").slice(0, 32)}"`;
}

/** `If-None-Match` lists tags (or `*`); comparison is weak, so `W/` prefixes are ignored (RFC 9110 §13.1.2). */
function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => tag.trim() === "*" || opaque(tag) === opaque(etag));
}

/** Octokit's throttling plugin reads these; a generous, never-exhausted primary limit. */
function rateLimitHeaders(): Record<string, string> {
  return {
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-used": "1",
    "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
    "x-ratelimit-resource": "core",
    "x-github-api-version-selected": "2022-11-28",
  };
}
