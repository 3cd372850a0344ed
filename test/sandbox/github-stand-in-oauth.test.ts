import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startGitHubStandIn, type GitHubStandIn } from "../../src/sandbox/github-stand-in/github-stand-in.js";

let standIn: GitHubStandIn;
const REDIRECT = "http://127.0.0.1:9/hub-sales/dashboard/auth/callback";

beforeEach(async () => {
  standIn = await startGitHubStandIn({ app: { clientId: "Iv1.test", clientSecret: "shh-secret" }, users: ["alice"], orgs: [{ login: "example-org" }] });
});
afterEach(async () => {
  await standIn.close();
});

/** Walks the flow as a browser would: the authorize page, the form post, the redirect with the code. */
async function authorizeAs(login: string, state = "state-1"): Promise<URL> {
  const query = new URLSearchParams({ client_id: "Iv1.test", redirect_uri: REDIRECT, state });
  const page = await fetch(`${standIn.url}/login/oauth/authorize?${query}`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<form method="post" action="/login/oauth/authorize">');
  const answer = await fetch(`${standIn.url}/login/oauth/authorize`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: "Iv1.test", redirect_uri: REDIRECT, state, login }),
  });
  expect(answer.status).toBe(302);
  return new URL(answer.headers.get("location")!);
}

async function exchange(fields: Record<string, string>): Promise<Record<string, string>> {
  const res = await fetch(`${standIn.url}/login/oauth/access_token`, {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify(fields),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, string>;
}

describe("the OAuth web flow", () => {
  it("redirects with a one-time code and the state, trades it for a user token that GET /user answers for", async () => {
    const back = await authorizeAs("alice");
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get("state")).toBe("state-1");
    const code = back.searchParams.get("code")!;
    const token = await exchange({ client_id: "Iv1.test", client_secret: "shh-secret", code, redirect_uri: REDIRECT });
    expect(token).toMatchObject({ token_type: "bearer" });
    expect(token.access_token).toMatch(/^ghu_/);
    const user = await fetch(`${standIn.apiUrl}/user`, { headers: { authorization: `Bearer ${token.access_token}` } });
    expect(user.status).toBe(200);
    expect(await user.json()).toMatchObject({ login: "alice", type: "User" });

    // The code works once.
    expect(await exchange({ client_id: "Iv1.test", client_secret: "shh-secret", code })).toMatchObject({ error: "bad_verification_code" });
  });

  it("refuses a wrong client secret, an unknown code, an unknown client and an unknown person", async () => {
    const code = (await authorizeAs("alice")).searchParams.get("code")!;
    expect(await exchange({ client_id: "Iv1.test", client_secret: "wrong", code })).toMatchObject({ error: "incorrect_client_credentials" });
    expect(await exchange({ client_id: "Iv1.test", client_secret: "shh-secret", code: "nope" })).toMatchObject({ error: "bad_verification_code" });
    const unknownClient = await fetch(`${standIn.url}/login/oauth/authorize?client_id=other&redirect_uri=${encodeURIComponent(REDIRECT)}`);
    expect(unknownClient.status).toBe(404);
    const nobody = await fetch(`${standIn.url}/login/oauth/authorize`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: "Iv1.test", redirect_uri: REDIRECT, login: "mallory" }),
    });
    expect(nobody.status).toBe(422);
  });

  it("answers GET /user only for people: 401 without a token, 403 for an installation", async () => {
    expect((await fetch(`${standIn.apiUrl}/user`)).status).toBe(401);
    const installation = standIn.installationToken("example-org");
    expect((await fetch(`${standIn.apiUrl}/user`, { headers: { authorization: `token ${installation}` } })).status).toBe(403);
  });

  it("answers the token form-encoded when JSON is not asked for, as GitHub does", async () => {
    const code = (await authorizeAs("alice")).searchParams.get("code")!;
    const res = await fetch(`${standIn.url}/login/oauth/access_token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: "Iv1.test", client_secret: "shh-secret", code }),
    });
    const fields = new URLSearchParams(await res.text());
    expect(fields.get("access_token")).toMatch(/^ghu_/);
  });
});
