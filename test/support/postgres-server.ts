import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort, withoutFakeTime } from "./redis-server.js";

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: the maintenance database. */
  url: string;
  port: number;
  /** A new, empty database on this server, and its URL: one per test keeps tests apart. */
  createDatabase(): Promise<string>;
  stop(): Promise<void>;
}

/** Debian's `postgresql` package (installed by .ci/run when missing): the newest version's binaries. */
function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = versions.map((v) => join(root, v, "bin")).find((d) => existsSync(join(d, "postgres")));
  if (!dir) throw new Error("PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin/postgres): apt-get install postgresql");
  return dir;
}

/** PostgreSQL refuses to run as root: then it runs as the package's `postgres` user (signals then reach it directly). */
function serverUser(): { uid: number; gid: number } | Record<string, never> {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"]).toString().trim());
  return { uid: id("-u"), gid: id("-g") };
}

let databases = 0;

/**
 * A real PostgreSQL on 127.0.0.1 and a free port, its cluster in a temporary directory
 * (`initdb`, trust authentication, no fsync: a throwaway server); `stop()` ends it and
 * removes the directory.
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), "hub-sales-postgres-"));
  const user = serverUser();
  if ("uid" in user) chownSync(dir, user.uid, user.gid);
  const env = withoutFakeTime(process.env);
  execFileSync(join(bin, "initdb"), ["-D", dir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], { env, stdio: "pipe", cwd: dir, ...user });

  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = [
      "-D", dir, "-p", String(port), "-k", dir,
      "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
      "-c", "max_connections=200",
    ];
    const child: ChildProcess = spawn(join(bin, "postgres"), args, { stdio: ["ignore", "pipe", "pipe"], env, cwd: dir, ...user });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    if (!(await acceptsConnections(url, child))) {
      child.kill("SIGKILL");
      if (/could not bind|Address already in use/.test(output)) continue; // the port was taken meanwhile
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`PostgreSQL did not start:\n${output}`);
    }
    return {
      url,
      port,
      async createDatabase() {
        databases += 1;
        const name = `hub_sales_test_${process.pid}_${databases}`;
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${name} TEMPLATE template0`);
        } finally {
          await client.end();
        }
        return `postgres://postgres@127.0.0.1:${port}/${name}`;
      },
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once("exit", resolve));
          // SIGINT: PostgreSQL's fast shutdown (open connections are ended).
          child.kill("SIGINT");
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error("PostgreSQL did not start: no free port after 3 attempts");
}

async function acceptsConnections(url: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return false;
}
