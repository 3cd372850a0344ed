import { randomBytes } from "node:crypto";
import type { AppAuth } from "./app-auth.js";
import type { StandInState } from "./stand-in-state.js";

/**
 * GitHub's OAuth web flow for the app's own client, as "Sign in with GitHub" uses it:
 * `GET /login/oauth/authorize` shows a page where the person says who they are (the
 * stand-in has no passwords) and authorizes; that redirects to the client's
 * `redirect_uri` with a one-time `code` and the client's `state`; `POST
 * /login/oauth/access_token` trades the code (with the client secret) for a user token
 * that `GET /api/v3/user` answers for. Errors follow GitHub: the token endpoint answers
 * 200 with `error` and `error_description`.
 */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface OAuthAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** GitHub's codes live 10 minutes and work once. */
const CODE_TTL_MS = 10 * 60_000;
/** User-to-server tokens of GitHub Apps expire after 8 hours. */
const TOKEN_TTL_MS = 8 * 60 * 60_000;

export const OAUTH_AUTHORIZE_PATH = "/login/oauth/authorize";
export const OAUTH_TOKEN_PATH = "/login/oauth/access_token";

export class OAuthWebFlow {
  readonly #codes = new Map<string, { login: string; redirectUri: string; expiresAt: number }>();

  constructor(
    private readonly state: StandInState,
    private readonly auth: AppAuth,
    readonly client: OAuthClient,
  ) {}

  /** Answers the flow's paths; null for every other path. */
  handle(input: { method: string; url: URL; body: string; contentType: string; accept: string }): OAuthAnswer | null {
    const { method, url } = input;
    if (url.pathname === OAUTH_AUTHORIZE_PATH && method === "GET") return this.#authorizePage(url.searchParams);
    if (url.pathname === OAUTH_AUTHORIZE_PATH && method === "POST") return this.#authorize(new URLSearchParams(input.body));
    if (url.pathname === OAUTH_TOKEN_PATH && method === "POST") return this.#token(input);
    return null;
  }

  #authorizePage(query: URLSearchParams): OAuthAnswer {
    const clientId = query.get("client_id") ?? "";
    const redirectUri = query.get("redirect_uri") ?? "";
    if (clientId !== this.client.clientId) return page(404, "Not found", "<p>No application has this client_id.</p>");
    if (!isHttpUrl(redirectUri)) return page(400, "Bad redirect_uri", "<p>The redirect_uri must be an http(s) URL.</p>");
    const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${esc(value)}">`;
    return page(
      200,
      `Authorize ${this.state.app.name}`,
      `<p><strong>${esc(this.state.app.name)}</strong> wants to know who you are.</p>
<form method="post" action="${OAUTH_AUTHORIZE_PATH}">
${hidden("client_id", clientId)}${hidden("redirect_uri", redirectUri)}${hidden("state", query.get("state") ?? "")}
<label>Sign in to the GitHub stand-in as <input name="login" autocomplete="username" required></label>
<button type="submit">Authorize ${esc(this.state.app.name)}</button>
</form>`,
    );
  }

  #authorize(form: URLSearchParams): OAuthAnswer {
    const login = (form.get("login") ?? "").trim();
    const redirectUri = form.get("redirect_uri") ?? "";
    if (form.get("client_id") !== this.client.clientId) return page(404, "Not found", "<p>No application has this client_id.</p>");
    if (!isHttpUrl(redirectUri)) return page(400, "Bad redirect_uri", "<p>The redirect_uri must be an http(s) URL.</p>");
    const account = this.state.account(login);
    if (!account || account.type !== "User") return page(422, "No such user", `<p>The stand-in has no user "${esc(login)}".</p>`);
    const code = randomBytes(10).toString("hex");
    this.#codes.set(code, { login: account.login, redirectUri, expiresAt: this.state.now().getTime() + CODE_TTL_MS });
    const target = new URL(redirectUri);
    target.searchParams.set("code", code);
    const state = form.get("state");
    if (state) target.searchParams.set("state", state);
    return { status: 302, headers: { location: target.toString() }, body: "" };
  }

  #token(input: { body: string; contentType: string; accept: string }): OAuthAnswer {
    const params = readParams(input.body, input.contentType);
    const reply = (fields: Record<string, string>): OAuthAnswer =>
      input.accept.includes("application/json")
        ? { status: 200, headers: { "content-type": "application/json; charset=utf-8" }, body: JSON.stringify(fields) }
        : { status: 200, headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString() };
    if (params.get("client_id") !== this.client.clientId || params.get("client_secret") !== this.client.clientSecret) {
      return reply({ error: "incorrect_client_credentials", error_description: "The client_id and/or client_secret passed are incorrect." });
    }
    const code = params.get("code") ?? "";
    const grant = this.#codes.get(code);
    this.#codes.delete(code);
    const redirectUri = params.get("redirect_uri");
    if (!grant || grant.expiresAt < this.state.now().getTime() || (redirectUri && redirectUri !== grant.redirectUri)) {
      return reply({ error: "bad_verification_code", error_description: "The code passed is incorrect or expired." });
    }
    const token = this.auth.issueUserToken(grant.login, TOKEN_TTL_MS);
    return reply({ access_token: token, token_type: "bearer", scope: "" });
  }
}

function readParams(body: string, contentType: string): URLSearchParams {
  if (contentType.includes("application/json")) {
    try {
      const json = JSON.parse(body) as Record<string, unknown>;
      return new URLSearchParams(Object.entries(json).map(([k, v]): [string, string] => [k, String(v)]));
    } catch {
      return new URLSearchParams();
    }
  }
  return new URLSearchParams(body);
}

function isHttpUrl(value: string): boolean {
  try {
    return ["http:", "https:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function page(status: number, title: string, main: string): OAuthAnswer {
  return {
    status,
    headers: { "content-type": "text/html; charset=utf-8" },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body><h1>${esc(title)}</h1>${main}</body></html>`,
  };
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
