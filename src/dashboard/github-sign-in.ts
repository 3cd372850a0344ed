import { z } from "zod";

/**
 * The OAuth web flow of the GitHub App's own client ("Sign in with GitHub"), against
 * github.com or, with `GHE_HOST`, a GitHub Enterprise server (or the stand-in): the
 * authorize URL people are sent to, the code-for-token exchange and `GET /user`.
 * Responses are validated; errors are one line saying what GitHub answered.
 */
export interface GitHubSignInEndpoints {
  /** `https://github.com` or `<GHE_PROTOCOL>://<GHE_HOST>` */
  web: string;
  /** `https://api.github.com` or `<web>/api/v3` */
  api: string;
}

export interface OAuthClientCredentials {
  clientId: string;
  clientSecret: string;
}

export function signInEndpoints(env: Readonly<Record<string, string | undefined>>): GitHubSignInEndpoints {
  const host = env.GHE_HOST?.trim();
  if (!host) return { web: "https://github.com", api: "https://api.github.com" };
  const protocol = env.GHE_PROTOCOL?.trim() || "https";
  const web = `${protocol}://${host}`;
  return { web, api: `${web}/api/v3` };
}

export function authorizeUrl(input: { endpoints: GitHubSignInEndpoints; clientId: string; redirectUri: string; state: string }): string {
  const url = new URL("/login/oauth/authorize", input.endpoints.web);
  url.searchParams.set("client_id", input.clientId);
  url.searchParams.set("redirect_uri", input.redirectUri);
  url.searchParams.set("state", input.state);
  // A GitHub App's user token carries the app's permissions; no scopes are asked for.
  url.searchParams.set("allow_signup", "false");
  return url.toString();
}

export class SignInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SignInError";
  }
}

const tokenAnswer = z.union([
  z.object({ access_token: z.string().min(1), token_type: z.string().optional() }),
  z.object({ error: z.string(), error_description: z.string().optional() }),
]);
const userAnswer = z.looseObject({ login: z.string().min(1), type: z.string().optional() });

/** Trades the one-time code for a user token. */
export async function exchangeSignInCode(input: {
  endpoints: GitHubSignInEndpoints;
  client: OAuthClientCredentials;
  code: string;
  redirectUri: string;
}): Promise<string> {
  const res = await fetch(new URL("/login/oauth/access_token", input.endpoints.web), {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify({
      client_id: input.client.clientId,
      client_secret: input.client.clientSecret,
      code: input.code,
      redirect_uri: input.redirectUri,
    }),
  });
  if (!res.ok) throw new SignInError(`GitHub answered ${res.status} to the sign-in code exchange`);
  const parsed = tokenAnswer.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new SignInError("GitHub's answer to the sign-in code exchange is not a token");
  if ("error" in parsed.data) throw new SignInError(`GitHub refused the sign-in code: ${parsed.data.error_description ?? parsed.data.error}`);
  return parsed.data.access_token;
}

/** Who the user token belongs to. */
export async function fetchSignedInLogin(input: { endpoints: GitHubSignInEndpoints; token: string }): Promise<string> {
  const res = await fetch(`${input.endpoints.api}/user`, {
    headers: { accept: "application/vnd.github+json", authorization: `Bearer ${input.token}` },
  });
  if (!res.ok) throw new SignInError(`GitHub answered ${res.status} to GET /user`);
  const parsed = userAnswer.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new SignInError("GitHub's answer to GET /user names no login");
  return parsed.data.login;
}
