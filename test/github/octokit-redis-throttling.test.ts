import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { Redis } from "ioredis";
import { Probot } from "probot";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createProbotOctokit } from "../../src/github/octokit-options.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";

const API = "https://api.github.com";
const warnings: string[] = [];
const log = {
  debug: () => undefined,
  info: () => undefined,
  warn: (m: unknown) => void warnings.push(String(m)),
  error: () => undefined,
  fatal: () => undefined,
  trace: () => undefined,
  child: () => log,
};

function mockAccessToken() {
  nock(API)
    .post("/app/installations/99/access_tokens")
    .reply(201, { token: "inst-token", expires_at: "2099-01-01T00:00:00Z", permissions: { issues: "write" }, repository_selection: "all" });
}

describe("GitHub throttling shared through Redis (REDIS_URL)", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  beforeEach(() => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    warnings.length = 0;
  });
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    nock.enableNetConnect();
    expect(pending, "unused mocks").toEqual([]);
  });

  it("keeps Probot's Redis-backed limiters and the app's retries and write spacing on them", async () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const probot = new Probot({
      appId: 1,
      privateKey,
      redisConfig: redis.url,
      Octokit: createProbotOctokit({ retryAfterBaseMs: 20, writeIntervalMs: 40 }),
      log: log as never,
    });
    mockAccessToken();
    const octokit = await probot.auth(99);
    // A secondary rate limit is retried by the app's handler (Probot's own only logs it).
    nock(API)
      .post("/repos/2i2c-org/sales/issues/7/comments")
      .reply(403, { message: "You have exceeded a secondary rate limit." }, { "retry-after": "1" });
    nock(API).post("/repos/2i2c-org/sales/issues/7/comments").times(2).reply(201, { id: 55 });
    const post = () => octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { owner: "2i2c-org", repo: "sales", issue_number: 7, body: "hi" });
    expect((await post()).data).toEqual({ id: 55 });
    expect((await post()).data).toEqual({ id: 55 });
    expect(warnings.some((w) => /secondary rate limit.*retry 1 of 3/.test(w))).toBe(true);

    // The limiters live in Redis, where every replica's clients meet.
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys("b_*");
      expect(keys.some((k) => k.startsWith("b_octokit-global-"))).toBe(true);
      expect(keys.some((k) => k.startsWith("b_hub-sales-github-write-"))).toBe(true);
      expect(keys.some((k) => k.startsWith("b_hub-sales-github-notifications-"))).toBe(true);
      expect(keys.some((k) => k.startsWith("b_octokit-write-"))).toBe(false);
    } finally {
      client.disconnect();
    }
  }, 30_000);
});
