import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const REDIS_SERVER = "/usr/bin/redis-server";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * The environment without libfaketime: under `faketime` (the suite's moved-date run) the
 * preloaded library breaks redis-server's start, and the server's clock is not the app's.
 */
export function withoutFakeTime(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean = { ...env };
  for (const name of Object.keys(clean)) if (name === "LD_PRELOAD" || name.startsWith("FAKETIME")) delete clean[name];
  return clean;
}

/**
 * A real Redis (Debian's redis-server, installed by .ci/run when missing) on 127.0.0.1 and
 * a free port, in a temporary directory, without persistence; `stop()` ends it.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "hub-sales-redis-"));
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn(
      REDIS_SERVER,
      ["--bind", "127.0.0.1", "--port", String(port), "--dir", dir, "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
      { stdio: ["ignore", "pipe", "pipe"], env: withoutFakeTime(process.env) },
    );
    const ready = await new Promise<boolean>((resolve) => {
      let output = "";
      const timer = setTimeout(() => resolve(false), 10_000);
      child.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.once("exit", () => {
        clearTimeout(timer);
        resolve(false);
      });
      child.once("error", () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!ready) {
      child.kill("SIGKILL");
      continue; // the port was taken meanwhile: try another
    }
    child.stdout!.resume();
    child.stderr!.resume();
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      async stop() {
        if (child.exitCode === null) {
          const exited = new Promise((resolve) => child.once("exit", resolve));
          child.kill("SIGTERM");
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`could not start ${REDIS_SERVER} (install Debian's redis-server)`);
}
