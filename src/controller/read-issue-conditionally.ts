import { z } from "zod";
import type { GitHubGateway, IssueSnapshot, RepoRef } from "../github/github-gateway.js";
import { ISSUE_KINDS } from "../github/issue-marker.js";
import type { LeadStore } from "../store/lead-store.js";

/**
 * The issue as last read and its entity tag, kept in the store per issue. The periodic pass
 * reads every open lead's issues; sent with `If-None-Match`, an unchanged one costs a 304,
 * which GitHub does not count against the primary rate limit (5,000 an hour per installation).
 */
const cachedIssueSchema = z.object({
  etag: z.string().min(1),
  issue: z.object({
    repo: z.object({ owner: z.string(), repo: z.string() }),
    number: z.number().int(),
    id: z.number().int(),
    nodeId: z.string(),
    htmlUrl: z.string(),
    title: z.string(),
    body: z.string(),
    state: z.enum(["open", "closed"]),
    stateReason: z.enum(["completed", "not_planned", "duplicate", "reopened"]).nullable(),
    labels: z.array(z.string()),
    author: z.string(),
    closedBy: z.string().nullable(),
    marker: z.object({ lead: z.string(), kind: z.enum(ISSUE_KINDS) }).nullable(),
  }),
});

export function issueEtagKey(repo: RepoRef, number: number): string {
  return `github-issue-etag:${repo.owner}/${repo.repo}#${number}`.toLowerCase();
}

/** `getIssue`, answered from the stored copy when GitHub says it has not changed since. */
export async function readIssueConditionally(
  deps: { store: Pick<LeadStore, "getState" | "setState" | "deleteState">; gateway: Pick<GitHubGateway, "getIssueIfChanged"> },
  repo: RepoRef,
  number: number,
): Promise<IssueSnapshot | null> {
  const key = issueEtagKey(repo, number);
  // A copy that no longer reads (an older shape) is simply not used: the read is then unconditional.
  const cached = cachedIssueSchema.safeParse(await deps.store.getState(key));
  const read = await deps.gateway.getIssueIfChanged(repo, number, cached.success ? cached.data.etag : null);
  if (read.notModified) {
    if (cached.success) return cached.data.issue;
    // Only a conditional request can come back 304; without a copy this cannot happen.
    throw new Error(`GitHub answered 304 for ${repo.owner}/${repo.repo}#${number} without a conditional request`);
  }
  if (read.issue && read.etag) await deps.store.setState(key, { etag: read.etag, issue: read.issue });
  else if (cached.success) await deps.store.deleteState(key);
  return read.issue;
}
