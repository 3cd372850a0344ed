import type { ConfigReadingOctokit } from "../config/config-source.js";
import type { GitHubClient } from "../github/octokit-github-gateway.js";
import type { RepoRef } from "../github/github-gateway.js";

/** An installation's client: REST, GraphQL, pagination and Probot's config reader. */
export type InstallationClient = GitHubClient & ConfigReadingOctokit;

/**
 * How the app reaches GitHub outside a webhook (timers, queue, CLI): the installation
 * client of an owner, and the app's own bot login.
 */
export interface GitHubAccess {
  clientFor(owner: string): Promise<InstallationClient>;
  appLogin(): Promise<string>;
  /** A webhook told us an installation id: saves a lookup later. */
  rememberInstallation(owner: string, installationId: number): void;
}

/** The slice of a Probot instance this needs. */
export interface ProbotAuth {
  auth(installationId?: number): Promise<unknown>;
}

/**
 * Installation ids are looked up once per owner (`GET /repos/{o}/{r}/installation` for the
 * repos the app knows, else `GET /orgs/{org}/installation`) and cached with their clients;
 * Probot's clients refresh their tokens themselves.
 */
export function createGitHubAccess(input: { probot: ProbotAuth; knownRepos: () => RepoRef[] }): GitHubAccess {
  const { probot, knownRepos } = input;
  const installationIds = new Map<string, number>();
  const clients = new Map<string, Promise<InstallationClient>>();
  let login: Promise<string> | null = null;

  const appClient = async () => (await probot.auth()) as GitHubClient;

  async function installationIdFor(owner: string): Promise<number> {
    const known = installationIds.get(owner.toLowerCase());
    if (known !== undefined) return known;
    const app = await appClient();
    const repo = knownRepos().find((r) => r.owner.toLowerCase() === owner.toLowerCase());
    const { data } = repo
      ? await app.request("GET /repos/{owner}/{repo}/installation", { ...repo })
      : await app.request("GET /orgs/{org}/installation", { org: owner });
    const id = (data as { id: number }).id;
    installationIds.set(owner.toLowerCase(), id);
    return id;
  }

  return {
    clientFor(owner) {
      const key = owner.toLowerCase();
      let client = clients.get(key);
      if (!client) {
        client = installationIdFor(owner).then((id) => probot.auth(id) as Promise<InstallationClient>);
        clients.set(key, client);
        client.catch(() => clients.delete(key));
      }
      return client;
    },
    appLogin() {
      login ??= appClient().then(async (app) => {
        const { data } = await app.request("GET /app");
        return `${(data as { slug: string }).slug}[bot]`;
      });
      login.catch(() => {
        login = null;
      });
      return login;
    },
    rememberInstallation(owner, installationId) {
      if (!installationIds.has(owner.toLowerCase())) installationIds.set(owner.toLowerCase(), installationId);
    },
  };
}
