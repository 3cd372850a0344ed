// One process of the shared-limiter test: sends `count` requests to `target` through the
// Redis-shared AirTable limiter and the store's retry policy, then prints how many it sent.
import { runAirtableRequest } from "../../src/store/airtable/airtable-request-policy.js";
import { createRedisRequestLimiter } from "../../src/store/airtable/redis-request-limiter.js";

const [redisUrl, target, count, name] = process.argv.slice(2) as [string, string, string, string];
const limiter = await createRedisRequestLimiter({ redisUrl, endpointUrl: "http://airtable.test", baseId: "appSHAREDLIMIT0001", requestsPerSecond: 5 });
const policy = { requestsPerSecond: 5, rateLimitWaitMs: 1_500, maxRateLimitRetries: 3, maxServerErrorRetries: 0, backoffBaseMs: 10 };
await Promise.all(
  Array.from({ length: Number(count) }, (_, i) =>
    runAirtableRequest({
      limiter,
      policy,
      label: `request ${i}`,
      attempt: async () => {
        const res = await fetch(`${target}/?from=${name}&n=${i}`);
        if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { statusCode: res.status });
        return res.text();
      },
    }),
  ),
);
await limiter.close();
process.stdout.write(`${name} done ${limiter.started}\n`);
