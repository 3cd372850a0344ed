import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generateKeyPairSync } from "node:crypto";
import { Probot, ProbotOctokit } from "probot";
import { GitHubApiError } from "../../src/github/github-api-error.js";
import { OctokitGitHubGateway } from "../../src/github/octokit-github-gateway.js";
import {
  createProbotOctokit,
  createRetryOptions,
  createThrottleOptions,
  retryOptions,
  throttleOptions,
} from "../../src/github/octokit-options.js";

const API = "https://api.github.com";
const repo = { owner: "2i2c-org", repo: "sales" };
const warnings: string[] = [];
const silentLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => void warnings.push(String(message)),
  error: () => undefined,
};

const issueJson = {
  id: 1001,
  node_id: "I_1001",
  number: 7,
  html_url: `https://github.com/2i2c-org/sales/issues/7`,
  title: "Lead: Example",
  body: "hello",
  state: "open",
  state_reason: null,
  labels: [],
  user: { login: "hub-sales-bot[bot]" },
};

/** Builds the client class the way the app does, with waits shrunk to 20 ms a "second". */
function newOctokit(policy: Parameters<typeof createProbotOctokit>[0] = {}) {
  const Octokit = createProbotOctokit({ retryAfterBaseMs: 20, ...policy });
  return new Octokit({ auth: { token: "test-token" }, log: silentLog });
}

function mockGetIssue(status: number, body: unknown, headers: Record<string, string> = {}) {
  return nock(API).get("/repos/2i2c-org/sales/issues/7").reply(status, body as nock.Body, headers);
}

function mockCreateComment(status: number, body: unknown, headers: Record<string, string> = {}) {
  return nock(API).post("/repos/2i2c-org/sales/issues/7/comments").reply(status, body as nock.Body, headers);
}

const secondaryLimitBody = {
  message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
  documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
};

const unmatched: string[] = [];
const onNoMatch = (req: { method?: string; path?: string }) => unmatched.push(`${req.method} ${req.path}`);

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  nock.emitter.on("no match", onNoMatch);
  warnings.length = 0;
  unmatched.length = 0;
});

afterEach(() => {
  nock.emitter.off("no match", onNoMatch);
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, "unused mocks").toEqual([]);
  expect(unmatched, "unmocked requests").toEqual([]);
});

describe("createProbotOctokit", () => {
  it("retries a 502 and then succeeds", async () => {
    mockGetIssue(502, { message: "Bad Gateway" });
    mockGetIssue(200, issueJson);
    const { data } = await newOctokit().request("GET /repos/{owner}/{repo}/issues/{issue_number}", {
      ...repo,
      issue_number: 7,
    });
    expect(data.number).toBe(7);
  });

  it("retries a secondary rate limit 403 after retry-after and then succeeds", async () => {
    mockCreateComment(403, secondaryLimitBody, { "retry-after": "1" });
    mockCreateComment(201, { id: 55, html_url: "https://github.com/x#c55", body: "hi", user: { login: "hub-sales-bot[bot]" } });
    const { data } = await newOctokit().request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
      ...repo,
      issue_number: 7,
      body: "hi",
    });
    expect(data.id).toBe(55);
    expect(warnings.some((w) => /secondary rate limit.*retry 1 of 3 in 1 s/.test(w))).toBe(true);
  });

  it("writeIntervalMs: 0 drops the write spacing (tests, the demo) but still retries", async () => {
    mockCreateComment(403, secondaryLimitBody, { "retry-after": "1" });
    mockCreateComment(201, { id: 57, html_url: "https://github.com/x#c57", body: "hi", user: null });
    mockCreateComment(201, { id: 58, html_url: "https://github.com/x#c58", body: "hi", user: null });
    const octokit = newOctokit({ writeIntervalMs: 0 });
    const started = Date.now();
    const post = () =>
      octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { ...repo, issue_number: 7, body: "hi" });
    expect((await post()).data.id).toBe(57);
    expect((await post()).data.id).toBe(58);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("retries a secondary rate limit 429 too", async () => {
    mockGetIssue(429, secondaryLimitBody, { "retry-after": "1" });
    mockGetIssue(200, issueJson);
    const { data } = await newOctokit().request("GET /repos/{owner}/{repo}/issues/{issue_number}", {
      ...repo,
      issue_number: 7,
    });
    expect(data.number).toBe(7);
  });

  it("waits as long as retry-after says (scaled by retryAfterBaseMs)", async () => {
    mockGetIssue(403, secondaryLimitBody, { "retry-after": "5" });
    mockGetIssue(200, issueJson);
    const started = Date.now();
    await newOctokit({ retryAfterBaseMs: 40 }).request("GET /repos/{owner}/{repo}/issues/{issue_number}", {
      ...repo,
      issue_number: 7,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("gives up on a secondary rate limit after the retry cap, with the status and message", async () => {
    const scope = nock(API)
      .get("/repos/2i2c-org/sales/issues/7")
      .times(3)
      .reply(403, secondaryLimitBody, { "retry-after": "1" });
    const attempt = newOctokit({ rateLimitRetries: 2 }).request("GET /repos/{owner}/{repo}/issues/{issue_number}", {
      ...repo,
      issue_number: 7,
    });
    await expect(attempt).rejects.toMatchObject({ status: 403, message: expect.stringMatching(/secondary rate limit/) });
    expect(scope.isDone()).toBe(true);
    expect(warnings.some((w) => /giving up after 2 retries/.test(w))).toBe(true);
  });

  it("gives up on 5xx after the retry cap (1 + retries requests)", async () => {
    nock(API).get("/repos/2i2c-org/sales/issues/7").times(3).reply(503, { message: "Service Unavailable" });
    const attempt = newOctokit({ serverErrorRetries: 2 }).request("GET /repos/{owner}/{repo}/issues/{issue_number}", {
      ...repo,
      issue_number: 7,
    });
    await expect(attempt).rejects.toMatchObject({ status: 503 });
  });

  it("does not wait inside a request for a retry-after longer than the cap", async () => {
    mockGetIssue(403, secondaryLimitBody, { "retry-after": "3600" });
    const attempt = newOctokit().request("GET /repos/{owner}/{repo}/issues/{issue_number}", { ...repo, issue_number: 7 });
    await expect(attempt).rejects.toMatchObject({ status: 403 });
  });

  it("does not retry other client errors (404, 422, plain 403)", async () => {
    mockGetIssue(404, { message: "Not Found" });
    await expect(
      newOctokit().request("GET /repos/{owner}/{repo}/issues/{issue_number}", { ...repo, issue_number: 7 }),
    ).rejects.toMatchObject({ status: 404 });
    mockGetIssue(403, { message: "Resource not accessible by integration" });
    await expect(
      newOctokit().request("GET /repos/{owner}/{repo}/issues/{issue_number}", { ...repo, issue_number: 7 }),
    ).rejects.toMatchObject({ status: 403 });
  });

  it("keeps its handlers when Probot layers its own throttle options on top", async () => {
    // What Probot's getProbotOctokitWithDefaults does: `Octokit.defaults(...)` with handlers that only log.
    const Ours = createProbotOctokit({ retryAfterBaseMs: 20 });
    const ProbotLayered = Ours.defaults((options: Record<string, unknown>) => ({
      ...options,
      throttle: { onSecondaryRateLimit: () => false, onRateLimit: () => false },
    }));
    const octokit = new ProbotLayered({ auth: { token: "t" }, log: silentLog });
    mockGetIssue(403, secondaryLimitBody, { "retry-after": "1" });
    mockGetIssue(200, issueJson);
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}", { ...repo, issue_number: 7 });
    expect(data.number).toBe(7);
  });

  it("surfaces an exhausted rate limit through the gateway as a retryable GitHubApiError", async () => {
    nock(API).get("/repos/2i2c-org/sales/issues/7").times(2).reply(403, secondaryLimitBody, { "retry-after": "1" });
    const gateway = new OctokitGitHubGateway({
      octokit: newOctokit({ rateLimitRetries: 1 }),
      appLogin: "hub-sales-bot[bot]",
    });
    const error = await gateway.getIssue(repo, 7).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect(error).toMatchObject({ status: 403, method: "GET", retryable: true, retryAfterSeconds: 1 });
    expect((error as Error).message).toMatch(/secondary rate limit/);
  });

  it("a gateway over a retried 502 completes the work", async () => {
    mockGetIssue(502, { message: "Bad Gateway" });
    mockGetIssue(200, issueJson);
    const gateway = new OctokitGitHubGateway({ octokit: newOctokit(), appLogin: "hub-sales-bot[bot]" });
    expect((await gateway.getIssue(repo, 7))?.number).toBe(7);
  });
});

/** Enough of a pino logger for Probot, collecting warnings. */
function probotLog(): Record<string, unknown> {
  const log: Record<string, unknown> = { ...silentLog, trace: () => undefined, fatal: () => undefined, level: "warn" };
  log.child = () => log;
  return log;
}

describe("through a Probot instance (Probot layers its own throttle options on our class)", () => {
  it("a token-authenticated probot.auth() client retries a secondary rate limit", async () => {
    const probot = new Probot({ githubToken: "test-token", Octokit: createProbotOctokit({ retryAfterBaseMs: 20 }), log: probotLog() as never });
    const octokit = await probot.auth();
    mockGetIssue(403, secondaryLimitBody, { "retry-after": "1" });
    mockGetIssue(200, issueJson);
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}", { ...repo, issue_number: 7 });
    expect(data.id).toBe(1001);
  });

  it("an installation client from app.auth(installationId) retries a secondary rate limit and a 502", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const probot = new Probot({ appId: 1, privateKey, Octokit: createProbotOctokit({ retryAfterBaseMs: 20 }), log: probotLog() as never });
    nock(API).post("/app/installations/99/access_tokens").reply(201, { token: "inst-token", expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: { issues: "write" }, repository_selection: "all" });
    const octokit = await probot.auth(99);
    nock(API).get("/repos/2i2c-org/sales/issues/7").matchHeader("authorization", "token inst-token").reply(403, secondaryLimitBody, { "retry-after": "1" });
    mockGetIssue(502, { message: "Bad Gateway" });
    mockGetIssue(200, issueJson);
    const gateway = new OctokitGitHubGateway({ octokit, appLogin: "hub-sales-bot[bot]" });
    expect((await gateway.getIssue(repo, 7))?.id).toBe(1001);
  });
});

describe("exported option objects", () => {
  it("production defaults: 3 rate limit retries at 1 s per retry-after second, 403/429 left to throttling", () => {
    expect(throttleOptions.retryAfterBaseValue).toBe(1000);
    expect(retryOptions).toMatchObject({ retries: 3, retryAfterBaseValue: 1000 });
    expect(retryOptions.doNotRetry).toEqual(expect.arrayContaining([403, 404, 422, 429]));
    expect(retryOptions.doNotRetry).not.toContain(502);
  });

  it("the secondary limit handler retries up to the cap and within the longest wait", () => {
    const { onSecondaryRateLimit } = createThrottleOptions({ rateLimitRetries: 2, maxRetryAfterSeconds: 60 });
    const options = { method: "POST", url: "/repos/a/b/issues" };
    const octokit = { log: { warn: () => undefined } };
    expect(onSecondaryRateLimit(1, options, octokit, 0)).toBe(true);
    expect(onSecondaryRateLimit(1, options, octokit, 1)).toBe(true);
    expect(onSecondaryRateLimit(1, options, octokit, 2)).toBe(false);
    expect(onSecondaryRateLimit(61, options, octokit, 0)).toBe(false);
    expect(createRetryOptions({ serverErrorRetries: 5 }).retries).toBe(5);
  });

  it("the class fits where Probot expects its Octokit", () => {
    const Octokit: typeof ProbotOctokit = createProbotOctokit();
    expect(new Octokit({ auth: { token: "t" }, log: silentLog }).rest.issues.get).toBeTypeOf("function");
  });
});
