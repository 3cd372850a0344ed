import { repoFullName, type RepoRef } from "../github/github-gateway.js";
import type { IssueKind } from "../github/issue-marker.js";
import type { LeadStore } from "../store/lead-store.js";

/**
 * A note in the app's state, written before the app asks GitHub to open a lead's issue of a
 * kind: from then on such an issue may exist even though no record links it (the run may die,
 * or GitHub's answer be lost, before the link is written). A run that finds no note knows
 * that no process of the app opened one since its own listing of the repo, so it need not
 * list the repo's newest issues again before opening one: a pass opening 625 issues reads
 * one listing instead of one per few issues. Notes are kept: an issue once opened may be
 * found again by marker if its link is ever lost.
 */
const key = (repo: RepoRef, kind: IssueKind, leadId: string) => `issue-opening:${repoFullName(repo).toLowerCase()}:${kind}:${leadId}`;

export async function issueOpeningNoted(store: Pick<LeadStore, "getState">, repo: RepoRef, kind: IssueKind, leadId: string): Promise<boolean> {
  return (await store.getState(key(repo, kind, leadId))) !== null;
}

export async function noteIssueOpening(
  store: Pick<LeadStore, "setState">,
  input: { repo: RepoRef; kind: IssueKind; leadId: string; at: Date },
): Promise<void> {
  await store.setState(key(input.repo, input.kind, input.leadId), { at: input.at.toISOString() });
}
