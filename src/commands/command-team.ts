import { repoFullName, type RepoPermission, type RepoRef } from "../github/github-gateway.js";
import type { CommandAuthGateway } from "./command-deps.js";

const WRITE_PERMISSIONS: readonly RepoPermission[] = ["admin", "maintain", "write"];

/**
 * Whether a person belongs to the people who drive the pipeline: members of
 * `commands.team` in the repo's org, or, without a team, people with write access to the
 * repo (SPEC §5). Commands and the dashboard's sign-in ask the same question. `who` is
 * Markdown that names the team without mentioning it: a refusal must not ping a whole team.
 */
export async function checkCommandTeam(input: {
  gateway: CommandAuthGateway;
  team: string | undefined;
  repo: RepoRef;
  login: string;
}): Promise<{ allowed: boolean; who: string }> {
  const { gateway, team, repo, login } = input;
  if (team !== undefined) {
    return { allowed: await gateway.isTeamMember(repo.owner, team, login), who: `members of the \`${repo.owner}/${team}\` team` };
  }
  const permission = await gateway.getRepoPermission(repo, login);
  return { allowed: WRITE_PERMISSIONS.includes(permission), who: `people with write access to ${repoFullName(repo)}` };
}
