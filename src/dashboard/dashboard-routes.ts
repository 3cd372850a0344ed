import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { z } from "zod";
import type { HubSalesRuntime } from "../app/hub-sales-runtime.js";
import { checkCommandTeam } from "../commands/command-team.js";
import { isCalendarMonth, type CalendarMonth } from "../domain/calendar-date.js";
import { buildInvoiceBatch } from "../invoicing/build-invoice-batch.js";
import { computeInvoiceBatch } from "../invoicing/compute-invoice-batch.js";
import { invoiceFileBase } from "../invoicing/format-month.js";
import { readInvoiceSendRecord } from "../invoicing/invoice-outbox.js";
import { renderInvoiceCsv } from "../invoicing/render-invoice-csv.js";
import { renderInvoiceEmail } from "../invoicing/render-invoice-email.js";
import { LEAD_STATUSES, parseLeadStatus, type LeadStatus } from "../pipeline/lead-status.js";
import {
  DASHBOARD_PATH,
  INVOICES_PATH,
  invoicePagePath,
  leadPagePath,
  OAUTH_CALLBACK_PATH,
  SIGN_IN_PATH,
  SIGN_OUT_PATH,
  STYLESHEET_PATH,
  WORK_PATH,
} from "./dashboard-paths.js";
import {
  bearerTokenMatches,
  csrfTokenMatches,
  readCookie,
  sameText,
  serializeCookie,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  SessionCodec,
  SIGN_IN_COOKIE,
  SIGN_IN_TTL_MS,
  type DashboardSession,
} from "./dashboard-session.js";
import { DASHBOARD_STYLESHEET } from "./dashboard-stylesheet.js";
import { createDashboardTemplates, type DashboardTemplate } from "./dashboard-templates.js";
import {
  authorizeUrl,
  exchangeSignInCode,
  fetchSignedInLogin,
  signInEndpoints,
  SignInError,
  type OAuthClientCredentials,
} from "./github-sign-in.js";
import { buildInvoicePage, chartMonths } from "./invoice-page.js";
import { buildLeadPage } from "./lead-page.js";
import { buildPipelinePage, PIPELINE_ORDER } from "./pipeline-page.js";
import { buildWorkPage } from "./work-page.js";

/** No script, no inline style, nothing from elsewhere; forms post only here; never framed. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const MAX_FORM_BYTES = 16 * 1024;

/** Who is asking: a script with `DASHBOARD_TOKEN`, or a person signed in with GitHub. */
type Viewer = { kind: "token" } | { kind: "person"; session: DashboardSession };

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const pipelineQuery = z.object({
  status: z.array(z.string()).transform((values, ctx) => {
    const statuses: LeadStatus[] = [];
    for (const value of values) {
      const status = parseLeadStatus(value);
      if (status === null) {
        ctx.addIssue({ code: "custom", message: `unknown status "${value}"; valid: ${LEAD_STATUSES.join(", ")}` });
        return z.NEVER;
      }
      statuses.push(status);
    }
    return statuses;
  }),
  q: z.string().max(200, { message: "the search is at most 200 characters" }),
});
const retryForm = z.object({ key: z.string().min(1, { message: "name the work to retry (key)" }).max(500) });
const MONTH_PATH = /^([^/.]+)(?:\.(csv|eml))?$/;

/**
 * The dashboard (SPEC §8), on Probot's server through `addHandler`: server-rendered pages
 * (eta templates) that need no JavaScript, each also answering `Accept: application/json`
 * with its page model. People sign in with GitHub (the app's OAuth client; only the
 * command team); scripts send `Authorization: Bearer <DASHBOARD_TOKEN>`. Every answer
 * carries a content security policy; every POST form a CSRF token.
 */
export function createDashboardRoutes(runtime: HubSalesRuntime) {
  const env = runtime.environment.raw;
  const token = runtime.environment.dashboardToken;
  const clientId = env.GITHUB_CLIENT_ID?.trim();
  const clientSecret = env.GITHUB_CLIENT_SECRET?.trim();
  const client: OAuthClientCredentials | null = clientId && clientSecret ? { clientId, clientSecret } : null;
  const codec = client ? new SessionCodec(client.clientSecret) : null;
  const endpoints = signInEndpoints(env);
  const templates = createDashboardTemplates();

  const isHttps = (req: IncomingMessage) =>
    runtime.environment.publicUrl?.startsWith("https:") === true ||
    req.headers["x-forwarded-proto"] === "https" ||
    (req.socket as TLSSocket).encrypted === true;
  const baseUrl = (req: IncomingMessage) =>
    runtime.environment.publicUrl?.replace(/\/+$/, "") ?? `${isHttps(req) ? "https" : "http"}://${req.headers.host ?? "127.0.0.1"}`;
  const cookie = (req: IncomingMessage, name: string, value: string, maxAgeMs: number) =>
    serializeCookie(name, value, { path: DASHBOARD_PATH, maxAgeSeconds: maxAgeMs / 1000, secure: isHttps(req) });

  function viewerOf(req: IncomingMessage): Viewer | null {
    const header = req.headers.authorization;
    if (header !== undefined) {
      if (!bearerTokenMatches(header, token)) throw new HttpProblem(401, "send Authorization: Bearer <DASHBOARD_TOKEN>");
      return { kind: "token" };
    }
    const session = codec?.openSession(readCookie(req.headers.cookie, SESSION_COOKIE), runtime.now()) ?? null;
    return session ? { kind: "person", session } : null;
  }

  function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string | string[]> = {}): true {
    res.writeHead(status, {
      "content-type": type,
      "content-security-policy": CONTENT_SECURITY_POLICY,
      "x-content-type-options": "nosniff",
      "referrer-policy": "same-origin",
      "x-frame-options": "DENY",
      "cache-control": "no-store",
      ...headers,
    });
    res.end(body);
    return true;
  }

  const wantsJson = (req: IncomingMessage) => (req.headers.accept ?? "").includes("application/json");

  function render(
    req: IncomingMessage,
    res: ServerResponse,
    input: { status?: number; template: DashboardTemplate; title: string; section: string; page: unknown; viewer: Viewer | null; notice?: string | null; extra?: Record<string, unknown>; headers?: Record<string, string | string[]> },
  ): true {
    const status = input.status ?? 200;
    if (wantsJson(req)) return send(res, status, "application/json; charset=utf-8", `${JSON.stringify(input.page, null, 2)}\n`, input.headers);
    const session = input.viewer?.kind === "person" ? input.viewer.session : null;
    const html = templates.render(`@${input.template}`, {
      page: input.page,
      view: {
        title: input.title,
        section: input.section,
        login: session?.login ?? null,
        csrf: session?.csrf ?? "",
        notice: input.notice ?? null,
        statuses: PIPELINE_ORDER,
        monthPath: (month: CalendarMonth) => invoicePagePath(month),
        paths: { stylesheet: STYLESHEET_PATH, pipeline: DASHBOARD_PATH, work: WORK_PATH, invoices: INVOICES_PATH, signOut: SIGN_OUT_PATH },
        ...input.extra,
      },
    });
    return send(res, status, "text/html; charset=utf-8", html, input.headers);
  }

  function message(req: IncomingMessage, res: ServerResponse, status: number, title: string, lines: string[], options: { viewer?: Viewer | null; signIn?: boolean; headers?: Record<string, string | string[]> } = {}): true {
    if (wantsJson(req)) return send(res, status, "application/json; charset=utf-8", `${JSON.stringify({ error: lines.join(" ") })}\n`, options.headers);
    const next = (req.url ?? DASHBOARD_PATH).startsWith(DASHBOARD_PATH) && req.method === "GET" ? (req.url ?? DASHBOARD_PATH) : DASHBOARD_PATH;
    const signInPath = options.signIn && client ? `${SIGN_IN_PATH}?next=${encodeURIComponent(next)}` : null;
    return render(req, res, { status, template: "message", title, section: "", page: { lines, signInPath }, viewer: options.viewer ?? null, headers: options.headers });
  }

  function seeOther(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}): true {
    return send(res, 303, "text/plain; charset=utf-8", "", { location, ...headers });
  }

  async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
    const type = req.headers["content-type"] ?? "";
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_FORM_BYTES) throw new HttpProblem(413, `the form is larger than ${MAX_FORM_BYTES} bytes`);
      chunks.push(chunk as Buffer);
    }
    if (size === 0) return new URLSearchParams();
    if (!type.startsWith("application/x-www-form-urlencoded")) throw new HttpProblem(415, "send the form as application/x-www-form-urlencoded");
    return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
  }

  /** A POST from a person needs the session's CSRF token; a script's bearer token is not a cookie, so it needs none. */
  function requireCsrf(viewer: Viewer, form: URLSearchParams): void {
    if (viewer.kind === "person" && !csrfTokenMatches(viewer.session, form.get("csrf"))) {
      throw new HttpProblem(403, "the form's CSRF token is missing or wrong: reload the page and try again; nothing was changed");
    }
  }

  const actorOf = (viewer: Viewer) => (viewer.kind === "person" ? `@${viewer.session.login}` : "DASHBOARD_TOKEN");

  // ---------------------------------------------------------------- sign-in

  function startSignIn(req: IncomingMessage, res: ServerResponse, url: URL): true {
    if (!client || !codec) return message(req, res, 404, "Sign-in is off", ["Sign in with GitHub needs GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (the GitHub App's client)."]);
    const asked = url.searchParams.get("next") ?? DASHBOARD_PATH;
    // Only back into the dashboard: never an open redirect.
    const next = /^\/hub-sales\/dashboard(?:[/?]|$)/.test(asked) && !asked.includes("//") ? asked : DASHBOARD_PATH;
    const attempt = codec.newSignIn(next, runtime.now());
    const location = authorizeUrl({ endpoints, clientId: client.clientId, redirectUri: `${baseUrl(req)}${OAUTH_CALLBACK_PATH}`, state: attempt.state });
    return send(res, 302, "text/plain; charset=utf-8", "", { location, "set-cookie": cookie(req, SIGN_IN_COOKIE, codec.sealSignIn(attempt), SIGN_IN_TTL_MS) });
  }

  async function finishSignIn(req: IncomingMessage, res: ServerResponse, url: URL): Promise<true> {
    if (!client || !codec) return message(req, res, 404, "Sign-in is off", ["Sign in with GitHub needs GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET."]);
    const clearSignIn = cookie(req, SIGN_IN_COOKIE, "", 0);
    const attempt = codec.openSignIn(readCookie(req.headers.cookie, SIGN_IN_COOKIE), runtime.now());
    const state = url.searchParams.get("state") ?? "";
    const code = url.searchParams.get("code") ?? "";
    if (!attempt || !sameText(state, attempt.state) || code === "") {
      return message(req, res, 400, "Sign-in did not complete", ["This sign-in expired or did not start here. Sign in again."], { signIn: true, headers: { "set-cookie": clearSignIn } });
    }
    let login: string;
    try {
      const userToken = await exchangeSignInCode({ endpoints, client, code, redirectUri: `${baseUrl(req)}${OAUTH_CALLBACK_PATH}` });
      login = await fetchSignedInLogin({ endpoints, token: userToken });
    } catch (error) {
      if (!(error instanceof SignInError)) throw error;
      return message(req, res, 502, "Sign-in failed", [error.message], { signIn: true, headers: { "set-cookie": clearSignIn } });
    }
    const config = await runtime.config();
    const { allowed, who } = await checkCommandTeam({ gateway: runtime.gateway, team: config.commands.team, repo: runtime.environment.salesRepo, login });
    if (!allowed) {
      runtime.log.info(`dashboard: refused sign-in of @${login} (not among ${who})`);
      return message(req, res, 403, "Not allowed", [`@${login}, the dashboard is only for ${who.replaceAll("`", "")}.`, "Ask one of them to add you if you work on the sales pipeline."], {
        headers: { "set-cookie": clearSignIn },
      });
    }
    const session = codec.newSession(login, runtime.now());
    runtime.log.info(`dashboard: @${login} signed in`);
    return seeOther(res, attempt.next, { "set-cookie": [clearSignIn, cookie(req, SESSION_COOKIE, codec.sealSession(session), SESSION_TTL_MS)] });
  }

  // ---------------------------------------------------------------- pages

  async function pipeline(req: IncomingMessage, res: ServerResponse, url: URL, viewer: Viewer): Promise<true> {
    const query = pipelineQuery.safeParse({ status: url.searchParams.getAll("status"), q: url.searchParams.get("q") ?? "" });
    if (!query.success) throw new HttpProblem(400, query.error.issues.map((i) => i.message).join("; "));
    const [leads, hubs, statusEntries, work, failedEffects] = await Promise.all([
      runtime.store.listLeads(),
      runtime.store.listHubs(),
      runtime.store.listLatestStatusEntries(),
      runtime.store.listWork(),
      runtime.store.listFailedEffects(),
    ]);
    const page = buildPipelinePage({ leads, hubs, statusEntries, work, failedEffects, filter: { statuses: query.data.status, search: query.data.q }, today: runtime.today(), now: runtime.now() });
    return render(req, res, { template: "pipeline", title: "Pipeline", section: "pipeline", page, viewer });
  }

  async function leadOr404(id: string) {
    const lead = await runtime.store.getLead(id);
    if (!lead) throw new HttpProblem(404, `no lead with id "${id}"`);
    return lead;
  }

  async function leadPage(req: IncomingMessage, res: ServerResponse, url: URL, viewer: Viewer, id: string): Promise<true> {
    const lead = await leadOr404(id);
    const [hubs, log, work, failedEffects, config] = await Promise.all([
      runtime.store.listHubs(),
      runtime.store.listLeadLog(lead.id),
      runtime.store.listWork(),
      runtime.store.listFailedEffects(lead.id),
      runtime.config(),
    ]);
    const page = buildLeadPage({
      lead,
      hubs,
      log,
      work: work.find((w) => w.key === `lead:${lead.id}`) ?? null,
      failedEffects,
      config,
      today: runtime.today(),
      now: runtime.now(),
    });
    const n = Number(url.searchParams.get("actions"));
    const done = url.searchParams.get("done");
    const notice =
      done === "reconciled"
        ? `Reconciled just now: ${Number.isInteger(n) && n > 0 ? `${n} action${n === 1 ? "" : "s"}` : "everything already matched"}.`
        : done === "failed"
          ? "Reconcile failed; it is queued and retried with backoff (see the failed effects below and the work page)."
          : null;
    return render(req, res, { template: "lead", title: lead.name, section: "pipeline", page, viewer, notice, extra: { reconcilePath: `${leadPagePath(lead.id)}/reconcile` } });
  }

  async function reconcileNow(req: IncomingMessage, res: ServerResponse, viewer: Viewer, id: string): Promise<true> {
    const form = await readForm(req);
    requireCsrf(viewer, form);
    const lead = await leadOr404(id);
    const trigger = `dashboard: reconcile now by ${actorOf(viewer)}`;
    try {
      const result = await runtime.reconcileNow(lead.id, { trigger });
      if (wantsJson(req)) return send(res, 200, "application/json; charset=utf-8", `${JSON.stringify({ ok: true, actions: result.actions })}\n`);
      return seeOther(res, `${leadPagePath(lead.id)}?done=reconciled&actions=${result.actions.length}`);
    } catch (error) {
      // Not lost: queued, retried with backoff, shown on the work page.
      await runtime.enqueue(lead.id, trigger);
      const reason = error instanceof Error ? error.message : String(error);
      if (wantsJson(req)) return send(res, 502, "application/json; charset=utf-8", `${JSON.stringify({ ok: false, error: reason, queued: true })}\n`);
      return seeOther(res, `${leadPagePath(lead.id)}?done=failed`);
    }
  }

  async function workPage(req: IncomingMessage, res: ServerResponse, url: URL, viewer: Viewer): Promise<true> {
    const [work, leads, failedEffects] = await Promise.all([runtime.store.listWork(), runtime.store.listLeads(), runtime.store.listFailedEffects()]);
    const page = buildWorkPage({ work, leads, failedEffects, now: runtime.now() });
    const notice = url.searchParams.get("done") === "retried" ? "Queued to run now." : null;
    return render(req, res, { template: "work", title: "Work", section: "work", page, viewer, notice, extra: { retryPath: `${WORK_PATH}/retry` } });
  }

  async function retryNow(req: IncomingMessage, res: ServerResponse, viewer: Viewer): Promise<true> {
    const form = await readForm(req);
    requireCsrf(viewer, form);
    const parsed = retryForm.safeParse({ key: form.get("key") ?? "" });
    if (!parsed.success) throw new HttpProblem(400, parsed.error.issues.map((i) => i.message).join("; "));
    const { key } = parsed.data;
    if (!(await runtime.store.listWork()).some((w) => w.key === key)) throw new HttpProblem(404, `no queued work "${key}"; it may have completed meanwhile`);
    const reason = `dashboard: retry now by ${actorOf(viewer)}`;
    // A fresh enqueue makes the item due now, even while it backs off.
    if (key.startsWith("lead:")) await runtime.enqueue(key.slice("lead:".length), reason);
    else {
      await runtime.store.enqueueWork(key, reason);
      runtime.queue.kick();
    }
    if (wantsJson(req)) return send(res, 200, "application/json; charset=utf-8", `${JSON.stringify({ ok: true, key })}\n`);
    return seeOther(res, `${WORK_PATH}?done=retried`);
  }

  async function invoicePage(req: IncomingMessage, res: ServerResponse, viewer: Viewer, rest: string): Promise<true> {
    const match = MONTH_PATH.exec(rest);
    const month = match?.[1] ?? rest;
    if (!match || !/^\d{4}-\d{2}$/.test(month) || !isCalendarMonth(month)) {
      throw new HttpProblem(400, `not a month: "${decodeSafely(month)}"; use YYYY-MM, e.g. ${runtime.today().slice(0, 7)}`);
    }
    const config = await runtime.config();
    const store = runtime.store;
    // The same computation as `hub-sales invoice`.
    const batch = await buildInvoiceBatch({ store, config, month });
    if (match[2] === "csv") {
      return send(res, 200, "text/csv; charset=utf-8", renderInvoiceCsv(batch), { "content-disposition": `attachment; filename="${invoiceFileBase(month)}.csv"` });
    }
    if (match[2] === "eml") {
      const email = await renderInvoiceEmail({ batch, config, from: env.SMTP_FROM?.trim() || undefined, date: runtime.now() });
      return send(res, 200, "message/rfc822", email.raw, { "content-disposition": `attachment; filename="${invoiceFileBase(month)}.eml"` });
    }
    const months = chartMonths(month);
    const [leads, hubs, costs, sent] = await Promise.all([store.listLeads(), store.listHubs(), store.listCloudCosts(), readInvoiceSendRecord(store, month)]);
    const history = await Promise.all(
      months.map(async (m) =>
        m === month
          ? { month: m, total: batch.total }
          : { month: m, total: computeInvoiceBatch({ month: m, leads, hubs, costs, confirmations: await store.listDeliveryConfirmations(m), config }).total },
      ),
    );
    const page = buildInvoicePage({ batch, history, sent });
    return render(req, res, { template: "invoice", title: page.title, section: "invoices", page, viewer });
  }

  // ---------------------------------------------------------------- routing

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<true> {
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const method = req.method ?? "GET";
    if (path === STYLESHEET_PATH && method === "GET") {
      return send(res, 200, "text/css; charset=utf-8", DASHBOARD_STYLESHEET, { "cache-control": "public, max-age=300" });
    }
    if (!token && !client) {
      return message(req, res, 404, "The dashboard is off", ["Set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (Sign in with GitHub) or DASHBOARD_TOKEN (scripts) to turn it on."]);
    }
    if (path === SIGN_IN_PATH && method === "GET") return startSignIn(req, res, url);
    if (path === OAUTH_CALLBACK_PATH && method === "GET") return finishSignIn(req, res, url);

    const viewer = viewerOf(req);
    if (!viewer) {
      const lines = client ? ["Sign in with GitHub to see the sales pipeline."] : ["send Authorization: Bearer <DASHBOARD_TOKEN>"];
      return message(req, res, 401, "Sign in", lines, { signIn: true, headers: { "set-cookie": cookie(req, SESSION_COOKIE, "", 0) } });
    }
    if (path === SIGN_OUT_PATH && method === "POST") {
      const form = await readForm(req);
      requireCsrf(viewer, form);
      return message(req, res, 200, "Signed out", ["You are signed out of the dashboard."], { signIn: true, headers: { "set-cookie": cookie(req, SESSION_COOKIE, "", 0) } });
    }

    const rest = path === DASHBOARD_PATH ? "" : path.slice(DASHBOARD_PATH.length + 1);
    const [section, id, action, ...more] = rest.split("/");
    if (rest === "" && method === "GET") return pipeline(req, res, url, viewer);
    if (section === "leads" && id && more.length === 0) {
      const leadId = decodeSafely(id);
      if (action === undefined && method === "GET") return leadPage(req, res, url, viewer, leadId);
      if (action === "reconcile" && method === "POST") return reconcileNow(req, res, viewer, leadId);
    }
    if (section === "work" && id === undefined && method === "GET") return workPage(req, res, url, viewer);
    if (section === "work" && id === "retry" && action === undefined && method === "POST") return retryNow(req, res, viewer);
    if (section === "invoices" && id === undefined && method === "GET") return seeOther(res, invoicePagePath(runtime.today().slice(0, 7)));
    if (section === "invoices" && id !== undefined && action === undefined && method === "GET") return invoicePage(req, res, viewer, id);
    throw new HttpProblem(404, `no dashboard page ${method} ${path}`);
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? "/", "http://dashboard.invalid");
    if (url.pathname !== DASHBOARD_PATH && !url.pathname.startsWith(`${DASHBOARD_PATH}/`)) return false;
    try {
      return await route(req, res, url);
    } catch (error) {
      if (error instanceof HttpProblem) {
        const viewer = error.status === 401 ? null : safeViewer(req);
        return message(req, res, error.status, titleOf(error.status), [error.message], { viewer, signIn: error.status === 401 });
      }
      const reason = error instanceof Error ? error.message : String(error);
      runtime.log.error(`dashboard ${req.method} ${url.pathname}: ${reason}`);
      const status = (error as { name?: string }).name === "ConfigInvalidError" ? 503 : 500;
      return message(req, res, status, titleOf(status), [reason]);
    }
  };

  function safeViewer(req: IncomingMessage): Viewer | null {
    try {
      return viewerOf(req);
    } catch {
      return null;
    }
  }
}

function titleOf(status: number): string {
  return (
    { 400: "Bad request", 401: "Sign in", 403: "Forbidden", 404: "Not found", 413: "Too large", 415: "Unsupported form", 503: "Not available" }[status] ??
    "Something went wrong"
  );
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
