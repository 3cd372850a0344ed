import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

/** Real app processes for multi-process tests: `src/server.ts` (what `npm start` runs) and the CLI. */

/**
 * Only what a process needs, not the developer's HUB_SALES_* settings; a moved clock
 * (`faketime`, via LD_PRELOAD and FAKETIME*) reaches the children, so every process shares it.
 */
const BASE_ENV: Record<string, string | undefined> = {
  PATH: process.env.PATH,
  NODE_ENV: "production",
  LOG_LEVEL: "warn",
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => /^(LD_PRELOAD|FAKETIME|DYLD_)/.test(key))),
};

export interface ServerProcess {
  url: string;
  webhookUrl: string;
  child: ChildProcess;
  /** Everything the process printed so far (for failure messages). */
  output(): string;
  /** SIGKILL: no clean-up of any kind, as a crash or an OOM kill. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export async function startServerProcess(env: Record<string, string | undefined>, timeoutMs = 90_000): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
    env: { ...BASE_ENV, ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${output}`);
    const ok = await fetch(`${url}/hub-sales/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (performance.now() - started > timeoutMs) {
      child.kill("SIGKILL");
      throw new Error(`the server did not answer /hub-sales/health within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    webhookUrl: `${url}/api/github/webhooks`,
    child,
    output: () => output,
    kill9: async () => {
      child.kill("SIGKILL");
      await exited(child);
    },
    stop: async () => {
      child.kill("SIGTERM");
      const done = exited(child);
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await done;
      clearTimeout(timer);
    },
  };
}

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export function runCliProcess(env: Record<string, string | undefined>, args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/support/hub-sales-cli.ts", ...args], {
      env: { ...BASE_ENV, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, out, err }));
  });
}

export async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 90_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await condition()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
