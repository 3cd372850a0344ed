import { hubSalesConfigSchema, type HubSalesConfig } from "../config/hub-sales-config.schema.js";
import { readConfigFile } from "../config/load-config.js";
import { CliError } from "./cli-command.js";

/**
 * The configuration a CLI command works with. Commands on the store alone (imports,
 * lists, set-status) do not need the hub repo, so without `HUB_SALES_CONFIG` they run
 * on the defaults and `hub_repo` is null.
 */
export type LocalConfig = Omit<HubSalesConfig, "hub_repo"> & { hub_repo: string | null };

export type CliEnv = Readonly<Record<string, string | undefined>>;

/** `HUB_SALES_CONFIG` when set (an invalid file is an error, never silently ignored), else the defaults. */
export async function loadCliConfig(env: CliEnv): Promise<LocalConfig> {
  const path = configPath(env);
  if (path === null) {
    return { ...hubSalesConfigSchema.omit({ hub_repo: true }).parse({}), hub_repo: null };
  }
  return readOrThrow(path);
}

/** For commands that act on GitHub: without a configuration they cannot know the hub repo. */
export async function loadFullCliConfig(env: CliEnv): Promise<HubSalesConfig> {
  const path = configPath(env);
  if (path === null) {
    throw new CliError(
      "this command needs the configuration: set HUB_SALES_CONFIG to a local copy of .github/hub-sales.yml (see examples/hub-sales.yml)",
    );
  }
  return readOrThrow(path);
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
