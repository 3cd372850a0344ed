import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { SANDBOX_HUB_REPO, sandboxAppEnv, startSandboxGitHub } from "../../src/sandbox/sandbox-world.js";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("npm start without credentials", () => {
  it("starts Probot's set-up flow (the app manifest page) instead of crashing", async () => {
    const port = await freePort();
    const home = await mkdtemp(join(tmpdir(), "hub-sales-setup-"));
    // No APP_ID, PRIVATE_KEY or HUB_SALES_REPO: a machine on which the app was never registered.
    const child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
      env: { PATH: process.env.PATH, HOME: home, PORT: String(port), HOST: "127.0.0.1", NODE_ENV: "development" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    try {
      const deadline = Date.now() + 15_000;
      while (!output.includes("Listening on") && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(output).toContain("setup mode");
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("hub-sales-bot");
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill("SIGTERM");
      await rm(home, { recursive: true, force: true });
    }
  }, 30_000);
});

describe("npm start with the credentials in .env (what the set-up flow writes)", () => {
  it("reads .env from the working directory and serves the app on HOST and PORT", async () => {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const github = await startSandboxGitHub({ config: `hub_repo: ${SANDBOX_HUB_REPO}\n` });
    const port = await freePort();
    const home = await mkdtemp(join(tmpdir(), "hub-sales-dotenv-"));
    const env = { ...sandboxAppEnv(github), HUB_SALES_DB: join(home, "hub-sales.db"), HUB_SALES_TIMERS: "off" };
    // Quoted values over several lines, as Probot's set-up writes the private key.
    await writeFile(join(home, ".env"), Object.entries(env).map(([k, v]) => `${k}="${v}"`).join("\n") + "\n");
    const child = spawn(process.execPath, ["--import", pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href, join(root, "src/server.ts")], {
      cwd: home,
      env: { PATH: process.env.PATH, HOME: home, PORT: String(port), HOST: "127.0.0.1", NODE_ENV: "production", LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    try {
      const deadline = Date.now() + 30_000;
      let health: Response | null = null;
      while (Date.now() < deadline && child.exitCode === null) {
        health = await fetch(`http://127.0.0.1:${port}/hub-sales/health`).catch(() => null);
        if (health) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(health?.status, output).toBe(200);
      expect(output).toContain(`listening on http://127.0.0.1:${port}`);
      expect(output).not.toContain("setup mode");
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      await github.close();
      await rm(home, { recursive: true, force: true });
    }
  }, 60_000);
});
