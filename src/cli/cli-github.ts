import { createProbot } from "probot";
import { readAppEnvironment, type AppEnvironment } from "../app/app-environment.js";
import { createGitHubAccess, type GitHubAccess } from "../app/github-access.js";
import type { RepoRef } from "../github/github-gateway.js";
import { createProbotOctokit, retryPolicyFromEnv } from "../github/octokit-options.js";
import type { CliEnv } from "./cli-config.js";

/** GitHub as the server reaches it, with the app's credentials from the environment. */
export interface CliGitHub {
  environment: AppEnvironment;
  access: GitHubAccess;
}

/** Why the app's credentials are not usable here, or null when they are all set. */
export function missingCredentials(env: CliEnv): string | null {
  const missing = [
    env.APP_ID ? null : "APP_ID",
    env.PRIVATE_KEY || env.PRIVATE_KEY_PATH ? null : "PRIVATE_KEY (or PRIVATE_KEY_PATH)",
    env.HUB_SALES_REPO ? null : "HUB_SALES_REPO",
  ].filter((m): m is string => m !== null);
  return missing.length === 0 ? null : `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set`;
}

/**
 * The app's GitHub access for a CLI command (GHE_HOST/GHE_PROTOCOL honoured, as Probot does).
 * `knownRepos` lets installation look-ups go by repo rather than by org.
 */
export function createCliGitHub(env: CliEnv, knownRepos: () => RepoRef[] = () => []): CliGitHub {
  const missing = missingCredentials(env);
  if (missing) throw new Error(`the app's credentials are needed: ${missing}`);
  const read = readAppEnvironment(env);
  if (!read.ok) throw new Error(read.problems.join("; "));
  const probot = createProbot({ env: { LOG_LEVEL: "warn", ...env }, overrides: { Octokit: createProbotOctokit(retryPolicyFromEnv(env)) } });
  const access = createGitHubAccess({ probot, knownRepos: () => [read.environment.salesRepo, ...knownRepos()] });
  return { environment: read.environment, access };
}
