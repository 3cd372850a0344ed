import { CONFIG_FILE_NAME } from "./hub-sales-config.schema.js";
import { readConfigFile, validateConfig, type ConfigResult } from "./load-config.js";

/** Where the configuration comes from: a local copy (`HUB_SALES_CONFIG`) or the sales repo. */
export interface ConfigSource {
  readonly description: string;
  load(): Promise<ConfigResult>;
  /** Forget the cached copy (after a push to the config file, or in tests). */
  invalidate(): void;
}

/** The slice of Probot's octokit that reads config the way `context.config` does. */
export interface ConfigReadingOctokit {
  config: {
    get(options: { owner: string; repo: string; path: string }): Promise<{ config: Record<string, unknown>; files: unknown[] }>;
  };
}

const CACHE_MS = 30_000;

abstract class CachedConfigSource implements ConfigSource {
  abstract readonly description: string;
  #cached: { at: number; result: Promise<ConfigResult> } | null = null;

  // Elapsed time for the cache (monotonic), not a date: a pinned business clock must not freeze it.
  constructor(protected readonly now: () => number = () => performance.now()) {}

  protected abstract read(): Promise<ConfigResult>;

  load(): Promise<ConfigResult> {
    if (this.#cached && this.now() - this.#cached.at < CACHE_MS) return this.#cached.result;
    const result = this.read();
    this.#cached = { at: this.now(), result };
    result.catch(() => this.invalidate());
    return result;
  }

  invalidate(): void {
    this.#cached = null;
  }
}

export class LocalConfigSource extends CachedConfigSource {
  readonly description: string;
  constructor(
    private readonly path: string,
    now?: () => number,
  ) {
    super(now);
    this.description = `${path} (HUB_SALES_CONFIG)`;
  }
  protected read(): Promise<ConfigResult> {
    return readConfigFile(this.path);
  }
}

/**
 * `.github/hub-sales.yml` of the sales repo, read with Probot's config plugin, so it
 * follows `context.config`'s conventions (the org's `.github` repo as a fallback,
 * `_extends`) for webhook, timer and CLI work alike.
 */
export class RepoConfigSource extends CachedConfigSource {
  readonly description: string;
  constructor(
    private readonly octokit: () => Promise<ConfigReadingOctokit>,
    private readonly repo: { owner: string; repo: string },
    now?: () => number,
  ) {
    super(now);
    this.description = `.github/${CONFIG_FILE_NAME} in ${repo.owner}/${repo.repo}`;
  }
  protected async read(): Promise<ConfigResult> {
    const octokit = await this.octokit();
    const { config, files } = await octokit.config.get({ ...this.repo, path: `.github/${CONFIG_FILE_NAME}` });
    if (files.length === 0 || Object.keys(config).length === 0) {
      return {
        ok: false,
        problems: [`there is no ${this.description} (nor in the org's .github repo): add one with at least \`hub_repo: owner/repo\``],
      };
    }
    return validateConfig(config);
  }
}
