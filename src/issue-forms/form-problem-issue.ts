import type { GitHubGateway, RepoRef } from "../github/github-gateway.js";
import { renderIssueMarker } from "../github/issue-marker.js";
import type { LeadStore } from "../store/lead-store.js";

/*
 * A hub-repo form file the app cannot use is reported in the sales repo — never in the hub
 * repo, which is public and whose issues people outside the team read — as one issue per
 * file, written only when what is wrong changes, and closed once the file is usable again.
 */

export interface FormProblem {
  hubRepo: RepoRef;
  /** Path in the hub repo, e.g. `.github/ISSUE_TEMPLATE/2_new-hub-provide-info.yml`. */
  path: string;
  /** The config key that names the file. */
  key: string;
  problems: readonly string[];
}

type Deps = { gateway: Pick<GitHubGateway, "listOwnedIssues" | "createIssue" | "updateIssue">; store: Pick<LeadStore, "getState" | "setState">; salesRepo: RepoRef };

const markerLead = (hubRepo: RepoRef, path: string) => `form:${hubRepo.owner}/${hubRepo.repo}/${path}`;
const stateKey = (hubRepo: RepoRef, path: string) => `issue-form-problem:${hubRepo.owner}/${hubRepo.repo}/${path}`;

export function formProblemTitle(path: string): string {
  return `hub-sales: issue form ${path.split("/").pop()} cannot be used`;
}

export function renderFormProblemBody(problem: FormProblem): string {
  const where = `\`${problem.path}\` in ${problem.hubRepo.owner}/${problem.hubRepo.repo}`;
  return [
    renderIssueMarker({ lead: markerLead(problem.hubRepo, problem.path), kind: "issue-form" }),
    `hub-sales-bot cannot use the issue form ${where} (named by \`${problem.key}\`):`,
    "",
    ...problem.problems.map((p) => `- ${p}`),
    "",
    "Until the file is fixed, new issues follow the app's built-in copy of the form; nothing else waits.",
    "This issue closes itself once the file can be read again.",
  ].join("\n");
}

export async function reportFormProblem(problem: FormProblem, deps: Deps): Promise<void> {
  const { gateway, store, salesRepo } = deps;
  const body = renderFormProblemBody(problem);
  const key = stateKey(problem.hubRepo, problem.path);
  const recorded = await store.getState<{ body: string | null }>(key);
  if (recorded?.body === body) return;
  const lead = markerLead(problem.hubRepo, problem.path);
  const existing = (await gateway.listOwnedIssues(salesRepo, "issue-form")).find((i) => i.marker?.lead === lead);
  if (!existing) {
    await gateway.createIssue(salesRepo, { title: formProblemTitle(problem.path), body, labels: ["hub-sales"] });
  } else if (existing.body !== body || existing.state === "closed") {
    await gateway.updateIssue(salesRepo, existing.number, {
      body,
      state: "open",
      ...(existing.state === "closed" ? { stateReason: "reopened" as const } : {}),
    });
  }
  await store.setState(key, { body });
}

/** The file is usable again: its report, if any, is closed (one store read when there is none). */
export async function resolveFormProblem(input: { hubRepo: RepoRef; path: string }, deps: Deps): Promise<void> {
  const { gateway, store, salesRepo } = deps;
  const key = stateKey(input.hubRepo, input.path);
  const recorded = await store.getState<{ body: string | null }>(key);
  if (!recorded || recorded.body === null) return;
  const lead = markerLead(input.hubRepo, input.path);
  for (const issue of await gateway.listOwnedIssues(salesRepo, "issue-form")) {
    if (issue.marker?.lead === lead && issue.state === "open") {
      await gateway.updateIssue(salesRepo, issue.number, { state: "closed", stateReason: "completed" });
    }
  }
  await store.setState(key, { body: null });
}
