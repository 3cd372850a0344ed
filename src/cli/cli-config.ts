import { RepoConfigSource } from "../config/config-source.js";
import { hubSalesConfigSchema, type HubSalesConfig } from "../config/hub-sales-config.schema.js";
import { readConfigFile, type ConfigResult } from "../config/load-config.js";
import { CliError } from "./cli-command.js";
import { createCliGitHub, missingCredentials } from "./cli-github.js";

/**
 * The configuration a CLI command works with: what the server reads (SPEC §7). Commands on
 * the store alone (imports, lists) may run on the defaults, with `hub_repo` null, and say so.
 */
export type LocalConfig = Omit<HubSalesConfig, "hub_repo"> & { hub_repo: string | null };

export type CliEnv = Readonly<Record<string, string | undefined>>;

/** Where the configuration was found, or why none could be read. */
export type ResolvedCliConfig =
  | { found: true; config: HubSalesConfig; source: string }
  | { found: false; why: string };

/** Reads the sales repo's `.github/hub-sales.yml` with the app's credentials (replaceable in tests). */
export type RepoConfigReader = (env: CliEnv) => Promise<{ source: string; result: ConfigResult }>;

export const readRepoConfig: RepoConfigReader = async (env) => {
  const { environment, access } = createCliGitHub(env);
  const source = new RepoConfigSource(() => access.clientFor(environment.salesRepo.owner), environment.salesRepo);
  return { source: source.description, result: await source.load() };
};

/**
 * `HUB_SALES_CONFIG` when set; otherwise the sales repo's file through the app's
 * credentials, as the server reads it. An invalid file is an error wherever it comes from,
 * never silently replaced by the defaults.
 */
export async function resolveCliConfig(env: CliEnv, readRepo: RepoConfigReader = readRepoConfig): Promise<ResolvedCliConfig> {
  const path = configPath(env);
  if (path !== null) return { found: true, config: await readOrThrow(path), source: `${path} (HUB_SALES_CONFIG)` };
  const missing = missingCredentials(env);
  if (missing) return { found: false, why: `HUB_SALES_CONFIG is not set and the sales repo's configuration cannot be read (${missing})` };
  let read: Awaited<ReturnType<RepoConfigReader>>;
  try {
    read = await readRepo(env);
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return { found: false, why: `HUB_SALES_CONFIG is not set and .github/hub-sales.yml in ${env.HUB_SALES_REPO} could not be read (${message})` };
  }
  if (read.result.ok) return { found: true, config: read.result.config, source: read.source };
  throw new CliError(`invalid configuration in ${read.source}`, 1, read.result.problems.map((p) => `${read.source}: ${p}`));
}

/** For store-only commands: the configuration, else the defaults with a note saying so. */
export function localConfigOf(resolved: ResolvedCliConfig, note?: (line: string) => void): LocalConfig {
  if (resolved.found) return resolved.config;
  note?.(`note: ${resolved.why}; running on the built-in defaults (tiers, currency, table names)`);
  return { ...hubSalesConfigSchema.omit({ hub_repo: true }).parse({}), hub_repo: null };
}

/** For commands that compute money or act on GitHub: the configuration, or a refusal. */
export function fullConfigOf(resolved: ResolvedCliConfig): HubSalesConfig {
  if (resolved.found) return resolved.config;
  throw new CliError(
    `${resolved.why}: this command needs the configuration the server uses; set HUB_SALES_CONFIG to a local copy of .github/hub-sales.yml (see examples/hub-sales.yml), or the app's credentials (APP_ID, PRIVATE_KEY, HUB_SALES_REPO) so it is read from the sales repo`,
  );
}

export async function loadCliConfig(env: CliEnv, options: { readRepo?: RepoConfigReader; note?: (line: string) => void } = {}): Promise<LocalConfig> {
  return localConfigOf(await resolveCliConfig(env, options.readRepo), options.note);
}

export async function loadFullCliConfig(env: CliEnv, options: { readRepo?: RepoConfigReader } = {}): Promise<HubSalesConfig> {
  return fullConfigOf(await resolveCliConfig(env, options.readRepo));
}

function configPath(env: CliEnv): string | null {
  const path = env.HUB_SALES_CONFIG?.trim();
  return path ? path : null;
}

async function readOrThrow(path: string): Promise<HubSalesConfig> {
  const result = await readConfigFile(path);
  if (result.ok) return result.config;
  throw new CliError(
    `invalid configuration in ${path} (HUB_SALES_CONFIG)`,
    1,
    result.problems.map((problem) => `${path}: ${problem}`),
  );
}
