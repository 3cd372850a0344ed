import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CONTENT_SECURITY_POLICY } from "../../src/dashboard/dashboard-routes.js";
import { SessionCodec } from "../../src/dashboard/dashboard-session.js";
import { INVOICE_CSV_COLUMNS } from "../../src/invoicing/render-invoice-csv.js";
import { newLeadFields, type Lead } from "../../src/domain/records.js";
import { startSandboxWorld, type SandboxWorld } from "../support/sandbox-world.js";
import { failQueuedWork } from "../support/work-items.js";

const TOKEN = "dashboard-script-token";
let world: SandboxWorld;
let lead: Lead;

beforeEach(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  world = await startSandboxWorld({ env: { DASHBOARD_TOKEN: TOKEN } });
  lead = await world.store.createLead(
    newLeadFields("Example University", "Active Lead", { contactEmail: "pi@example.edu", serviceTier: "Research" }),
  );
  await world.server.runtime.enqueue(lead.id, "test setup");
  await world.settle();
});

afterEach(async () => {
  await world.close();
  nock.enableNetConnect();
});

const url = (path: string) => `${world.server.url}${path}`;
const setCookies = (res: Response) => res.headers.getSetCookie();
const cookieValue = (res: Response, name: string) =>
  setCookies(res)
    .find((c) => c.startsWith(`${name}=`))
    ?.split(";")[0]!
    .slice(name.length + 1);

/** The OAuth web flow with fetch: the app's sign-in redirect, the stand-in's authorize form, the app's callback. */
async function signIn(login: string, next = "/hub-sales/dashboard", headers: Record<string, string> = {}): Promise<Response> {
  const start = await fetch(url(`/hub-sales/dashboard/sign-in?next=${encodeURIComponent(next)}`), { redirect: "manual", headers });
  expect(start.status).toBe(302);
  const signInCookie = cookieValue(start, "hub_sales_sign_in")!;
  const authorize = new URL(start.headers.get("location")!);
  expect(`${authorize.origin}${authorize.pathname}`).toBe(`${world.github.url}/login/oauth/authorize`);
  const granted = await fetch(`${world.github.url}/login/oauth/authorize`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      client_id: authorize.searchParams.get("client_id")!,
      redirect_uri: authorize.searchParams.get("redirect_uri")!,
      state: authorize.searchParams.get("state")!,
      login,
    }),
  });
  expect(granted.status).toBe(302);
  return fetch(granted.headers.get("location")!, { redirect: "manual", headers: { cookie: `hub_sales_sign_in=${signInCookie}`, ...headers } });
}

async function signedIn(login = "carol"): Promise<{ cookie: string; csrf: string }> {
  const done = await signIn(login);
  expect(done.status).toBe(303);
  const cookie = `hub_sales_session=${cookieValue(done, "hub_sales_session")}`;
  const page = await (await fetch(url(`/hub-sales/dashboard/leads/${lead.id}`), { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
  return { cookie, csrf };
}

/** What a refused request must leave alone: the records, the queue, the action log, and GitHub. */
async function snapshot() {
  return {
    leads: await world.store.listLeads(),
    work: await world.store.listWork(),
    log: await world.store.listLeadLog(lead.id),
    githubWrites: world.github.requests.filter((r) => r.method !== "GET").length,
  };
}

describe("Sign in with GitHub", () => {
  it("lets in a person with write access (no team configured) and keeps them in with an HttpOnly, SameSite=Lax cookie", async () => {
    const done = await signIn("carol", `/hub-sales/dashboard/leads/${lead.id}`);
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(`/hub-sales/dashboard/leads/${lead.id}`);
    const session = setCookies(done).find((c) => c.startsWith("hub_sales_session="))!;
    expect(session).toMatch(/; HttpOnly/);
    expect(session).toMatch(/; SameSite=Lax/);
    expect(session).toMatch(/; Max-Age=28800/);
    expect(session).not.toMatch(/Secure/);
    const page = await fetch(url("/hub-sales/dashboard"), { headers: { cookie: session.split(";")[0]! } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Signed in as <strong>@carol</strong>");
  });

  it("marks the cookies Secure under https, and asks GitHub to come back over https", async () => {
    const start = await fetch(url("/hub-sales/dashboard/sign-in"), { redirect: "manual", headers: { "x-forwarded-proto": "https" } });
    expect(setCookies(start).find((c) => c.startsWith("hub_sales_sign_in="))).toMatch(/; HttpOnly; SameSite=Lax; Secure$/);
    expect(new URL(start.headers.get("location")!).searchParams.get("redirect_uri")).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/hub-sales\/dashboard\/auth\/callback$/);
    const plain = await fetch(url("/hub-sales/dashboard/sign-in"), { redirect: "manual" });
    expect(setCookies(plain).find((c) => c.startsWith("hub_sales_sign_in="))).not.toMatch(/Secure/);
  });

  it("refuses a person with read access: a page says who may sign in, and no session is made", async () => {
    const done = await signIn("bob");
    expect(done.status).toBe(403);
    expect(await done.text()).toContain("@bob, the dashboard is only for people with write access to example-org/sales.");
    expect(cookieValue(done, "hub_sales_session")).toBeUndefined();
  });

  it("sends people back only into the dashboard, never elsewhere", async () => {
    for (const next of ["https://evil.example/", "//evil.example/x", "/hub-sales/dashboardx", "/api/github/webhooks"]) {
      const done = await signIn("carol", next);
      expect(done.headers.get("location")).toBe("/hub-sales/dashboard");
    }
  });

  it("refuses a callback whose state does not match the sign-in it started, or that comes without one", async () => {
    const start = await fetch(url("/hub-sales/dashboard/sign-in"), { redirect: "manual" });
    const signInCookie = cookieValue(start, "hub_sales_sign_in")!;
    const wrongState = await fetch(url("/hub-sales/dashboard/auth/callback?code=abc&state=forged-state-1234567890"), {
      headers: { cookie: `hub_sales_sign_in=${signInCookie}` },
    });
    expect(wrongState.status).toBe(400);
    expect(cookieValue(wrongState, "hub_sales_session")).toBeUndefined();
    const noCookie = await fetch(url("/hub-sales/dashboard/auth/callback?code=abc&state=x"));
    expect(noCookie.status).toBe(400);
  });

  it("signs out with the CSRF token only", async () => {
    const { cookie, csrf } = await signedIn();
    const refused = await fetch(url("/hub-sales/dashboard/sign-out"), { method: "POST", headers: { cookie } });
    expect(refused.status).toBe(403);
    const out = await fetch(url("/hub-sales/dashboard/sign-out"), {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf }),
    });
    expect(out.status).toBe(200);
    expect(setCookies(out).find((c) => c.startsWith("hub_sales_session="))).toMatch(/^hub_sales_session=; .*Max-Age=0/);
  });
});

describe("bad input changes nothing", () => {
  it("answers 404 for an unknown lead and 400 for a month that is not YYYY-MM or a status that does not exist", async () => {
    const { cookie } = await signedIn();
    const before = await snapshot();
    for (const path of ["/hub-sales/dashboard/leads/lead-999", "/hub-sales/dashboard/leads/%E0%A4%A", "/hub-sales/dashboard/nothing-here"]) {
      const res = await fetch(url(path), { headers: { cookie } });
      expect(res.status, path).toBe(404);
    }
    const json = await fetch(url("/hub-sales/dashboard/leads/lead-999"), { headers: { cookie, accept: "application/json" } });
    expect(await json.json()).toEqual({ error: 'no lead with id "lead-999"' });
    for (const month of ["2026-13", "2026-3", "march", "2026-03-01", "20260", "2026-00.csv"]) {
      const res = await fetch(url(`/hub-sales/dashboard/invoices/${month}`), { headers: { cookie } });
      expect(res.status, month).toBe(400);
      expect(await res.text()).toContain("use YYYY-MM");
    }
    const status = await fetch(url("/hub-sales/dashboard?status=Sold"), { headers: { cookie, accept: "application/json" } });
    expect(status.status).toBe(400);
    expect(((await status.json()) as { error: string }).error).toMatch(/unknown status "Sold"; valid: Active Lead/);
    const reconcileUnknown = await fetch(url("/hub-sales/dashboard/leads/lead-999/reconcile"), { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
    expect(reconcileUnknown.status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it("treats a forged or an expired session cookie as no session", async () => {
    const { cookie } = await signedIn();
    const [body, mac] = cookie.slice("hub_sales_session=".length).split(".") as [string, string];
    const payload = JSON.parse(Buffer.from(body, "base64url").toString()) as Record<string, unknown>;
    const forged = `hub_sales_session=${Buffer.from(JSON.stringify({ ...payload, login: "alice" })).toString("base64url")}.${mac}`;
    const codec = new SessionCodec(world.env.GITHUB_CLIENT_SECRET!);
    const expiredSession = codec.newSession("carol", new Date(Date.now() - 9 * 60 * 60_000));
    const expired = `hub_sales_session=${codec.sealSession(expiredSession)}`;
    const otherSecret = `hub_sales_session=${new SessionCodec("not-the-secret").sealSession(new SessionCodec("x").newSession("carol", new Date()))}`;
    const before = await snapshot();
    for (const bad of [forged, expired, otherSecret, "hub_sales_session=junk"]) {
      const page = await fetch(url("/hub-sales/dashboard"), { headers: { cookie: bad } });
      expect(page.status).toBe(401);
      expect(await page.text()).toContain("Sign in with GitHub");
      const post = await fetch(url(`/hub-sales/dashboard/leads/${lead.id}/reconcile`), {
        method: "POST",
        headers: { cookie: bad, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrf: expiredSession.csrf }),
      });
      expect(post.status).toBe(401);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a POST without the session's CSRF token (403) and does nothing", async () => {
    const { cookie, csrf } = await signedIn();
    await world.server.runtime.queue.stop();
    await world.store.enqueueWork(`lead:${lead.id}`, "failing for the test");
    await failQueuedWork(world.store, `lead:${lead.id}`, "GitHub answered 502", new Date(Date.now() + 3_600_000));
    world.server.runtime.queue.start();
    await world.store.updateLead(lead.id, { serviceTier: "Education" });
    const before = await snapshot();
    const form = (fields: Record<string, string>) => ({
      method: "POST",
      redirect: "manual" as const,
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields),
    });
    for (const fields of [{}, { csrf: "wrong" }, { csrf: `${csrf}x` }] as Record<string, string>[]) {
      expect((await fetch(url(`/hub-sales/dashboard/leads/${lead.id}/reconcile`), form(fields))).status).toBe(403);
      expect((await fetch(url("/hub-sales/dashboard/work/retry"), form({ ...fields, key: `lead:${lead.id}` }))).status).toBe(403);
    }
    expect(await snapshot()).toEqual(before);

    // The same forms with the token do their work.
    const retried = await fetch(url("/hub-sales/dashboard/work/retry"), form({ csrf, key: `lead:${lead.id}` }));
    expect(retried.status).toBe(303);
    expect(retried.headers.get("location")).toBe("/hub-sales/dashboard/work?done=retried");
    await world.settle();
    expect(await world.store.listWork()).toEqual([]);
    const log = await world.store.listLeadLog(lead.id, { kind: "action" });
    expect(log[0]).toMatchObject({ what: "update lead issue (body)" });
    expect(log[0]!.trigger).toContain("dashboard: retry now by @carol");
  });
});

describe("scripts and every page", () => {
  const pages = () => ["/hub-sales/dashboard", `/hub-sales/dashboard/leads/${lead.id}`, "/hub-sales/dashboard/work", "/hub-sales/dashboard/invoices/2026-03"];

  it("accepts the token only as Authorization: Bearer, on every page, as JSON when asked", async () => {
    for (const path of pages()) {
      const res = await fetch(url(path), { headers: { authorization: `Bearer ${TOKEN}`, accept: "application/json" } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      for (const wrong of [TOKEN, `token ${TOKEN}`, `Bearer ${TOKEN}x`, `bearer  ${TOKEN}`]) {
        expect((await fetch(url(path), { headers: { authorization: wrong } })).status, `${path} ${wrong}`).toBe(401);
      }
    }
    const leadJson = (await (await fetch(url(`/hub-sales/dashboard/leads/${lead.id}`), { headers: { authorization: `Bearer ${TOKEN}`, accept: "application/json" } })).json()) as {
      fields: { label: string; value: string }[];
      log: { what: string }[];
    };
    expect(leadJson.fields).toContainEqual({ label: "Contact email", value: "pi@example.edu" });
    expect(leadJson.log.map((e) => e.what)).toContain('open lead issue "Lead: Example University"');
    const month = (await (await fetch(url("/hub-sales/dashboard/invoices/2026-03"), { headers: { authorization: `Bearer ${TOKEN}`, accept: "application/json" } })).json()) as {
      chart: { bars: unknown[] };
      batch: { month: string };
    };
    expect(month.batch.month).toBe("2026-03");
    expect(month.chart.bars).toHaveLength(12);
  });

  it("lists effects GitHub refused for good on the lead page, the work page and in the pipeline's JSON", async () => {
    await world.store.recordFailedEffect({
      leadId: lead.id,
      effect: "link-sub-issue:request-information",
      what: "link the request-information issue as a sub-issue",
      why: "GitHub answered 422: sub-issues are off in this repository",
      fix: "turn on sub-issues, or ignore: the link comment stands in",
      status: 422,
      at: new Date(),
    });
    const get = (path: string) => fetch(url(path), { headers: { authorization: `Bearer ${TOKEN}`, accept: "application/json" } }).then((r) => r.json());
    const leadJson = (await get(`/hub-sales/dashboard/leads/${lead.id}`)) as { failedEffects: { why: string }[] };
    expect(leadJson.failedEffects.map((f) => f.why)).toEqual(["GitHub answered 422: sub-issues are off in this repository"]);
    const pipelineJson = (await get("/hub-sales/dashboard")) as { failedEffects: { leadId: string }[]; columns: { cards: { id: string; refused: number }[] }[] };
    expect(pipelineJson.failedEffects.map((f) => f.leadId)).toEqual([lead.id]);
    expect(pipelineJson.columns.flatMap((c) => c.cards).find((c) => c.id === lead.id)?.refused).toBe(1);
    const workHtml = await (await fetch(url("/hub-sales/dashboard/work"), { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(workHtml).toContain("turn on sub-issues, or ignore: the link comment stands in");
  });

  it("reconciles now for a script without a CSRF token (a bearer token is no cookie)", async () => {
    await world.store.updateLead(lead.id, { serviceTier: "Education" });
    const res = await fetch(url(`/hub-sales/dashboard/leads/${lead.id}/reconcile`), {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, accept: "application/json" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, actions: ["update lead issue (body)"] });
    const [last] = await world.store.listLeadLog(lead.id, { kind: "action", limit: 1 });
    expect(last).toMatchObject({ what: "update lead issue (body)", trigger: "dashboard: reconcile now by DASHBOARD_TOKEN" });
  });

  it("sends the content security policy on every answer, pages and errors alike", async () => {
    const { cookie } = await signedIn();
    const answers = [
      ...(await Promise.all(pages().map((p) => fetch(url(p), { headers: { cookie } })))),
      await fetch(url("/hub-sales/dashboard")),
      await fetch(url("/hub-sales/dashboard/leads/nope"), { headers: { cookie } }),
      await fetch(url("/hub-sales/dashboard/invoices/bad"), { headers: { cookie } }),
      await fetch(url("/hub-sales/dashboard/assets/dashboard.css")),
      await fetch(url("/hub-sales/dashboard/invoices/2026-03.csv"), { headers: { cookie } }),
    ];
    for (const res of answers) {
      expect(res.headers.get("content-security-policy"), res.url).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe|script-src/);
    const html = await (await fetch(url("/hub-sales/dashboard"), { headers: { cookie } })).text();
    expect(html).not.toMatch(/<script|style=/);
  });

  it("downloads the month's CSV and .eml", async () => {
    const { cookie } = await signedIn();
    const csv = await fetch(url("/hub-sales/dashboard/invoices/2026-03.csv"), { headers: { cookie } });
    expect(csv.headers.get("content-disposition")).toBe('attachment; filename="invoices-2026-03.csv"');
    expect((await csv.text()).split(/\r?\n/)[0]).toBe(INVOICE_CSV_COLUMNS.join(","));
    const eml = await fetch(url("/hub-sales/dashboard/invoices/2026-03.eml"), { headers: { cookie } });
    expect(eml.headers.get("content-type")).toBe("message/rfc822");
    const raw = await eml.text();
    expect(raw).toMatch(/^To: operations@codeforsociety.org\r$/m);
    expect(raw).toContain("invoices-2026-03.csv");
  });
});
