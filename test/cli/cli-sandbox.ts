import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../../src/cli/main.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";

export const examplePath = (name: string): string => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A scratch folder with its own store file; runs `hub-sales` in-process against it. */
export class CliSandbox {
  readonly dir = mkdtempSync(join(tmpdir(), "hub-sales-cli-"));
  readonly db = join(this.dir, "store", "hub-sales.db");
  /** The sample configuration, as an operator would give it (without one, commands say so or refuse). */
  env: Record<string, string> = { HUB_SALES_CONFIG: examplePath("hub-sales.yml") };
  now = new Date("2026-03-10T12:00:00Z");

  async run(...args: string[]): Promise<CliRun> {
    let stdout = "";
    let stderr = "";
    const code = await runCli(args, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: { HUB_SALES_DB: this.db, ...this.env },
      now: () => this.now,
    });
    return { code, stdout, stderr };
  }

  file(name: string, text: string): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  /** Everything the store holds, to show a refused import wrote nothing. */
  async snapshot(): Promise<unknown> {
    const store = SqliteLeadStore.open(this.db);
    try {
      return {
        leads: await store.listLeads(),
        hubs: await store.listHubs(),
        costs: await store.listCloudCosts(),
        work: (await store.listWork()).map((w) => w.key),
      };
    } finally {
      await store.close();
    }
  }

  async withStore<T>(fn: (store: SqliteLeadStore) => Promise<T>): Promise<T> {
    const store = SqliteLeadStore.open(this.db);
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
