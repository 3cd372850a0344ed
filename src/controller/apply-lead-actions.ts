import { GitHubApiError } from "../github/github-api-error.js";
import type { CommentSnapshot, IssueSnapshot, RepoRef } from "../github/github-gateway.js";
import { parseCommentMarker } from "../github/issue-marker.js";
import type { Lead } from "../domain/records.js";
import { saveLeadEffects } from "./lead-effects-store.js";
import { describeAction, type IssueRole, type LeadAction } from "./lead-action.js";
import type { LeadObservation } from "./lead-observation.js";
import { issueOpeningNoted, noteIssueOpening } from "./issue-opening-notes.js";
import type { ReconcileDeps } from "./reconcile-deps.js";
import { isRefusedForGood, type RefusedEffects } from "./refused-effects.js";

/** Each role's link field on the lead; the observation keeps the issue under the same name. */
const LINK_FIELD = {
  lead: "leadIssue",
  "request-information": "requestInformationIssue",
  deployment: "deploymentIssue",
} as const satisfies Record<IssueRole, keyof Lead>;


/**
 * Carries out actions in order and folds each result back into `observed`, so the next
 * `planLead` sees the world as it now is. Every effect is found-or-made: issues and
 * comments are adopted by marker before anything is created, and what has no home on
 * GitHub is recorded in the store right after it happens. An effect GitHub refuses for good
 * is handed to `refusals` and the next action goes on; retryable errors end the run (the
 * queue retries it). Returns what was done.
 */
export async function applyLeadActions(
  actions: readonly LeadAction[],
  observed: LeadObservation,
  deps: ReconcileDeps,
  refusals?: RefusedEffects,
): Promise<string[]> {
  const done: string[] = [];
  for (const action of actions) {
    try {
      await applyOne(action, observed, deps);
    } catch (error) {
      if (!refusals || !isRefusedForGood(error)) throw error;
      await refusals.refused(action, error);
      // Later actions of this round may depend on the refused one: plan again without it.
      break;
    }
    await refusals?.succeeded(action);
    done.push(describeAction(action));
    deps.log.info(`lead ${observed.lead.id}: ${describeAction(action)}`);
    deps.onAction?.({ leadId: observed.lead.id, description: describeAction(action) });
  }
  return done;
}

function repoOf(role: IssueRole, deps: ReconcileDeps): RepoRef {
  return role === "lead" ? deps.salesRepo : deps.hubRepo;
}

function issueOf(role: IssueRole, observed: LeadObservation): IssueSnapshot {
  const issue = observed[LINK_FIELD[role]];
  if (!issue) throw new Error(`internal: action on the ${role} issue before it exists`);
  return issue;
}

function setIssue(role: IssueRole, observed: LeadObservation, issue: IssueSnapshot): void {
  observed[LINK_FIELD[role]] = issue;
}

async function applyOne(action: LeadAction, observed: LeadObservation, deps: ReconcileDeps): Promise<void> {
  const { store, gateway } = deps;
  const leadId = observed.lead.id;
  switch (action.type) {
    case "create-issue": {
      const repo = repoOf(action.role, deps);
      // Adopt an issue made before a crash (created, but the link never recorded). Only a run
      // that noted it was opening one can have left one this process's listing has not shown.
      const noted = await issueOpeningNoted(store, repo, action.role, leadId);
      const mark = observed.ownedIssuesMark ?? deps.ownedIssues.mark();
      const adopted = noted
        ? await deps.ownedIssues.find(repo, action.role, leadId, mark)
        : await deps.ownedIssues.findListed(repo, action.role, leadId);
      if (!adopted && !noted) await noteIssueOpening(store, { repo, kind: action.role, leadId, at: deps.now() });
      const issue = adopted ?? (await gateway.createIssue(repo, { title: action.title, body: action.body, labels: action.labels }));
      if (!adopted) observed.openedThisRun = [...(observed.openedThisRun ?? []), issue.id];
      setIssue(action.role, observed, issue);
      const link = { [LINK_FIELD[action.role]]: issue.htmlUrl };
      if (deps.writesBehind) {
        // Written behind: the run goes on, the link shares a full request with other leads'.
        // Until it lands the work item stays queued; a crash before leaves it to be adopted.
        deps.writesBehind.add(store.updateLead(leadId, link, { patient: true }));
        observed.lead = { ...observed.lead, ...link };
        return;
      }
      // Record the link at once: the smaller the window, the rarer an adoption is needed.
      observed.lead = await store.updateLead(leadId, link);
      return;
    }
    case "update-issue": {
      const issue = issueOf(action.role, observed);
      setIssue(action.role, observed, await gateway.updateIssue(issue.repo, issue.number, action.patch));
      return;
    }
    case "add-labels": {
      const issue = issueOf(action.role, observed);
      await gateway.addLabels(issue.repo, issue.number, action.labels);
      setIssue(action.role, observed, { ...issue, labels: [...issue.labels, ...action.labels] });
      return;
    }
    case "remove-label": {
      const issue = issueOf(action.role, observed);
      await gateway.removeLabel(issue.repo, issue.number, action.label);
      setIssue(action.role, observed, { ...issue, labels: issue.labels.filter((l) => l !== action.label) });
      return;
    }
    case "update-lead": {
      observed.lead = await store.updateLead(leadId, action.patch);
      return;
    }
    case "link-sub-issue": {
      const parent = issueOf("lead", observed);
      const child = issueOf(action.child, observed);
      await gateway.addSubIssue(parent.repo, parent.number, child.id);
      observed.effects = { ...observed.effects, subIssuesLinked: [...observed.effects.subIssuesLinked, action.child] };
      await saveLeadEffects(store, leadId, observed.effects);
      return;
    }
    case "post-comment-once": {
      const issue = issueOf(action.on, observed);
      const existing = await findOwnComment(issue, action.key, leadId, observed, deps);
      if (!existing) await gateway.createComment(issue.repo, issue.number, action.body, { retry: false });
      observed.effects = { ...observed.effects, commentsPosted: [...observed.effects.commentsPosted, action.key] };
      await saveLeadEffects(store, leadId, observed.effects);
      return;
    }
    case "upsert-readiness-comment": {
      const issue = issueOf("deployment", observed);
      const known = observed.effects.readinessComment;
      const commentId = known?.commentId ?? (await findOwnComment(issue, "readiness", leadId, observed, deps))?.id ?? null;
      const comment =
        commentId === null
          ? await gateway.createComment(issue.repo, issue.number, action.body, { retry: false })
          : await gateway.updateComment(issue.repo, commentId, action.body).catch((error: unknown) => {
              // A person deleted the comment: write it again rather than fail on every retry.
              if (!(error instanceof GitHubApiError && error.status === 404)) throw error;
              return gateway.createComment(issue.repo, issue.number, action.body, { retry: false });
            });
      observed.effects = { ...observed.effects, readinessComment: { commentId: comment.id, body: action.body } };
      await saveLeadEffects(store, leadId, observed.effects);
      return;
    }
    case "add-to-backlog": {
      const board = await backlogBoard(deps);
      const issue = issueOf("deployment", observed);
      const itemId = await gateway.addToBoard(board, issue.nodeId);
      if (action.status) await gateway.setBoardStatus(board, itemId, action.status);
      observed.effects = { ...observed.effects, backlogItem: { itemId, status: action.status } };
      await saveLeadEffects(store, leadId, observed.effects);
      return;
    }
    case "set-backlog-status": {
      const board = await backlogBoard(deps);
      const item = observed.effects.backlogItem;
      if (!item) throw new Error("internal: backlog status before the item exists");
      await gateway.setBoardStatus(board, item.itemId, action.status);
      observed.effects = { ...observed.effects, backlogItem: { ...item, status: action.status } };
      await saveLeadEffects(store, leadId, observed.effects);
      return;
    }
    case "create-hub": {
      const same = await store.findHubByName(action.fields.hub);
      const hub =
        same && same.communityLeadId === leadId
          ? same
          : await store.createHub(same ? { ...action.fields, hub: `${action.fields.hub}-${leadId}` } : action.fields);
      observed.hubs = [...observed.hubs.filter((h) => h.id !== hub.id), hub];
      return;
    }
    case "update-hub": {
      const hub = await store.updateHub(action.id, action.patch);
      observed.hubs = observed.hubs.map((h) => (h.id === hub.id ? hub : h));
      return;
    }
  }
}

/** The app's comment with this key, adopted after a crash; an issue opened in this run has none. */
async function findOwnComment(
  issue: IssueSnapshot,
  key: string,
  leadId: string,
  observed: LeadObservation,
  deps: ReconcileDeps,
): Promise<CommentSnapshot | null> {
  if (observed.openedThisRun?.includes(issue.id)) return null;
  const comments = await deps.gateway.listComments(issue.repo, issue.number);
  return (
    comments.find((c) => {
      if (c.author.toLowerCase() !== deps.appLogin.toLowerCase()) return false;
      const marker = c.marker ?? parseCommentMarker(c.body);
      return marker?.lead === leadId && marker.comment === key;
    }) ?? null
  );
}

function backlogBoard(deps: ReconcileDeps) {
  const backlog = deps.config.backlog;
  if (!backlog) throw new Error("internal: backlog action without a configured backlog");
  const cache = deps.boardCache;
  if (!cache.board) {
    const board = deps.gateway.findBacklogBoard(backlog.org, backlog.project, backlog.status_field);
    cache.board = board;
    // A failed lookup must not be cached: the next attempt asks again.
    board.catch(() => {
      if (cache.board === board) delete cache.board;
    });
  }
  return cache.board;
}
