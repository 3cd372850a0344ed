import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

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
