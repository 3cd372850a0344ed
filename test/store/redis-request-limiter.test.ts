import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisRequestLimiter } from "../../src/store/airtable/redis-request-limiter.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";

const WORKER = fileURLToPath(new URL("./redis-limiter-worker.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A stand-in for AirTable that notes when each request arrives (its own clock) and refuses one with 429. */
async function startCountingServer(refuseNth: number): Promise<{ url: string; arrivals: { at: number; status: number; from: string }[]; close(): Promise<void> }> {
  const arrivals: { at: number; status: number; from: string }[] = [];
  const server: Server = createServer((req, res) => {
    const status = arrivals.length + 1 === refuseNth ? 429 : 200;
    arrivals.push({ at: performance.now(), status, from: new URL(req.url ?? "/", "http://x").searchParams.get("from") ?? "?" });
    res.writeHead(status, { "content-type": "application/json" }).end(status === 200 ? '{"ok":true}' : '{"error":"RATE_LIMIT_REACHED"}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function runWorker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", WORKER, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.once("exit", (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`worker exited ${code}: ${err}`))));
  });
}

describe("the AirTable limiter shared through Redis", () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("keeps two processes together within 5 requests/s, and a 429 pauses both", async () => {
    const target = await startCountingServer(8);
    try {
      const outputs = await Promise.all([runWorker([redis.url, target.url, "12", "a"]), runWorker([redis.url, target.url, "12", "b"])]);
      // Each process sent its 12; one of them also sent the retry after the 429.
      const sent = outputs.map((o) => /^(a|b) done (\d+)$/.exec(o)).map((m) => Number(m![2]));
      expect(sent.sort()).toEqual([12, 13]);
      const { arrivals } = target;
      // 24 requests and the one retried after the 429.
      expect(arrivals).toHaveLength(25);
      expect(new Set(arrivals.map((a) => a.from))).toEqual(new Set(["a", "b"]));
      // In any one second as the server counts, at most 5 requests from both processes together.
      let busiest = 0;
      for (const first of arrivals) busiest = Math.max(busiest, arrivals.filter((a) => a.at >= first.at && a.at < first.at + 1000).length);
      expect(busiest).toBeLessThanOrEqual(5);
      // After the 429 neither process sent anything for the pause (1.5 s).
      const refused = arrivals.find((a) => a.status === 429)!;
      // A request the other process let go just before the pause reached Redis may still land
      // right after the 429 (seen at ~100 ms on a loaded machine); none is sent afterwards.
      const onTheirWay = arrivals.filter((a) => a.at > refused.at && a.at - refused.at < 400);
      expect(onTheirWay.length).toBeLessThanOrEqual(2);
      const next = arrivals.find((a) => a.at - refused.at >= 400)!;
      expect(next.at - refused.at).toBeGreaterThanOrEqual(1_400);
      console.log(
        `shared limiter: ${arrivals.length} requests, busiest second ${busiest}, ${onTheirWay.length} already on its way at the 429, then a pause of ${Math.round(next.at - refused.at)} ms`,
      );
    } finally {
      await target.close();
    }
  }, 60_000);

  it("says clearly when Redis cannot be reached", async () => {
    const unused = new URL(redis.url);
    unused.port = String(redis.port === 65535 ? 65534 : redis.port + 1);
    await expect(
      createRedisRequestLimiter({ redisUrl: `${unused}`, endpointUrl: "http://airtable.test", baseId: "appSHAREDLIMIT0001", requestsPerSecond: 5, connectTimeoutMs: 1_000 }),
    ).rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+.*REDIS_URL/);
  });

  it("keeps its state in Redis under the base's id", async () => {
    const limiter = await createRedisRequestLimiter({ redisUrl: redis.url, endpointUrl: "http://airtable.test", baseId: "appKEYSCHECK000001", requestsPerSecond: 5 });
    await limiter.schedule(async () => "done");
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys("*appKEYSCHECK000001*");
      expect(keys.some((k) => k.startsWith("b_hub-sales-airtable-appKEYSCHECK000001-"))).toBe(true);
    } finally {
      client.disconnect();
      await limiter.close();
    }
  });
});
