import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hubSalesConfigSchema } from "../../src/config/hub-sales-config.schema.js";
import { startAirtableStandIn, type AirtableStandIn } from "../../src/sandbox/airtable-stand-in/airtable-stand-in.js";
import type { AirtableRequestOutcome } from "../../src/store/airtable/observed-limiter.js";
import { openStore } from "../../src/store/open-store.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";

describe("openStore's AirTable limiter", () => {
  let redis: RedisServer;
  let airtable: AirtableStandIn;
  beforeAll(async () => {
    [redis, airtable] = await Promise.all([startRedisServer(), startAirtableStandIn({ requestsPerSecond: 200, rateLimitPenaltyMs: 50 })]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), airtable?.close()]);
  });

  it("with REDIS_URL shares the base's limiter through Redis, reports every request, and closes its connections", async () => {
    const outcomes: AirtableRequestOutcome[] = [];
    const admin = new Redis(redis.url);
    const clients = async () => String(await admin.call("CLIENT", "LIST")).trim().split("\n").length;
    try {
      const before = await clients();
      const store = await openStore({
        env: {
          AIRTABLE_TOKEN: airtable.token,
          AIRTABLE_BASE_ID: airtable.baseId,
          AIRTABLE_ENDPOINT_URL: airtable.url,
          HUB_SALES_DB: ":memory:",
          REDIS_URL: redis.url,
        },
        config: { airtable: hubSalesConfigSchema.shape.airtable.parse(undefined) },
        onAirtableRequest: (o) => outcomes.push(o),
      });
      expect(store.kind).toBe("airtable");
      airtable.injectErrors({ status: 502, count: 1 });
      await store.listLeads();
      // Every request the base saw was reported once, the 502 as such.
      expect(outcomes).toHaveLength(airtable.requestLog.length);
      expect(outcomes.filter((o) => !o.ok)).toEqual([{ ok: false, status: 502 }]);
      expect((await admin.keys(`b_hub-sales-airtable-${airtable.baseId}-*`)).length).toBeGreaterThan(0);
      expect(await clients()).toBeGreaterThan(before);
      await store.close();
      expect(await clients()).toBe(before);
    } finally {
      admin.disconnect();
    }
  }, 30_000);
});

describe("openStore and HUB_SALES_DATABASE_URL", () => {
  it("refuses a URL that is not PostgreSQL's, without echoing its password", async () => {
    const opening = openStore({
      env: { HUB_SALES_DATABASE_URL: "mysql://bot:s3cret@db:3306/hub_sales", HUB_SALES_DB: ":memory:" },
      config: { airtable: hubSalesConfigSchema.shape.airtable.parse(undefined) },
    });
    await expect(opening).rejects.toThrow(/^HUB_SALES_DATABASE_URL must be a postgres:\/\/ \(or postgresql:\/\/\) URL; got "mysql:\/\/bot:\*\*\*@db:3306\/hub_sales"$/);
  });
});
