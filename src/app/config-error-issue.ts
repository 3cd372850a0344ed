import type { GitHubGateway, RepoRef } from "../github/github-gateway.js";
import { renderIssueMarker } from "../github/issue-marker.js";
import type { LeadStore } from "../store/lead-store.js";

export const CONFIG_ERROR_TITLE = "hub-sales: configuration error";
const STATE_KEY = "config-error-issue";

interface Recorded {
  body: string | null;
}

export function renderConfigErrorBody(source: string, problems: readonly string[]): string {
  return [
    renderIssueMarker({ lead: "-", kind: "configuration" }),
    `hub-sales-bot cannot use its configuration (${source}), so **it acts on nothing** until this is fixed:`,
    "",
    ...problems.map((p) => `- ${p}`),
    "",
    "The README lists every key with its default. This issue closes itself once the file is valid.",
  ].join("\n");
}

/**
 * Opens, updates or reopens the one `hub-sales: configuration error` issue; writes only
 * when the problems differ from what was last reported, so events arriving while the
 * config is broken cost no API call.
 */
export async function reportConfigProblems(input: {
  gateway: GitHubGateway;
  store: LeadStore;
  salesRepo: RepoRef;
  source: string;
  problems: readonly string[];
}): Promise<void> {
  const { gateway, store, salesRepo } = input;
  const body = renderConfigErrorBody(input.source, input.problems);
  const recorded = await store.getState<Recorded>(STATE_KEY);
  if (recorded?.body === body) return;
  const [existing] = await gateway.listOwnedIssues(salesRepo, "configuration");
  if (!existing) {
    await gateway.createIssue(salesRepo, { title: CONFIG_ERROR_TITLE, body, labels: ["hub-sales"] });
  } else if (existing.body !== body || existing.state === "closed") {
    await gateway.updateIssue(salesRepo, existing.number, { body, state: "open", ...(existing.state === "closed" ? { stateReason: "reopened" as const } : {}) });
  }
  await store.setState(STATE_KEY, { body } satisfies Recorded);
}

/** Closes the configuration error issue once the config is valid again (one check per fix). */
export async function resolveConfigProblems(input: { gateway: GitHubGateway; store: LeadStore; salesRepo: RepoRef }): Promise<void> {
  const { gateway, store, salesRepo } = input;
  const recorded = await store.getState<Recorded>(STATE_KEY);
  if (!recorded || recorded.body === null) return;
  for (const issue of await gateway.listOwnedIssues(salesRepo, "configuration")) {
    if (issue.state === "open") await gateway.updateIssue(salesRepo, issue.number, { state: "closed", stateReason: "completed" });
  }
  await store.setState(STATE_KEY, { body: null } satisfies Recorded);
}
