import { parseCommands } from "../commands/parse-commands.js";
import { runCommentCommands } from "../commands/run-comment-commands.js";
import { markDeploymentRequested } from "../controller/lead-effects-store.js";
import { parseIssueMarker } from "../github/issue-marker.js";
import type { RepoRef } from "../github/github-gateway.js";
import { parseIssueUrl } from "../controller/issue-url.js";
import type { HubSalesRuntime } from "./hub-sales-runtime.js";
import { handleDeliveryOnce } from "./handle-delivery-once.js";

export interface IssueCommentInput {
  deliveryId: string;
  repo: RepoRef;
  issue: { number: number; body: string | null; user: { login: string; type?: string } | null };
  comment: { id: number; body: string };
  sender: { login: string; type?: string };
}

const LEAD_KINDS = new Set(["lead", "request-information", "deployment"]);

function sameRepo(a: RepoRef, b: RepoRef): boolean {
  return a.owner.toLowerCase() === b.owner.toLowerCase() && a.repo.toLowerCase() === b.repo.toLowerCase();
}

/**
 * Outside the sales repo (the public hub repo above all) commands are read only on issues
 * the app wrote: a lead marker in the body of an issue opened by a bot. The payload says
 * both, so `/tmp is full again` on anyone else's issue costs no API call.
 */
function mayBeOwnedIssue(issue: IssueCommentInput["issue"]): boolean {
  const marker = parseIssueMarker(issue.body);
  const byBot = issue.user !== null && (issue.user.type === "Bot" || issue.user.login.endsWith("[bot]"));
  return marker !== null && LEAD_KINDS.has(marker.kind) && byBot;
}

/**
 * `issue_comment.created`: runs the comment's commands (SPEC §5). A comment without a
 * command returns before any I/O: ordinary conversation costs no API call.
 */
export async function handleIssueComment(input: IssueCommentInput, runtime: HubSalesRuntime): Promise<void> {
  if (parseCommands(input.comment.body).length === 0) return;
  if (input.sender.type === "Bot" || input.sender.login.endsWith("[bot]")) return;
  if (!sameRepo(input.repo, runtime.environment.salesRepo) && !mayBeOwnedIssue(input.issue)) return;
  await handleDeliveryOnce({
    store: runtime.store,
    deliveryId: input.deliveryId,
    event: "issue_comment.created",
    work: () => runCommentDelivery(input, runtime),
  });
}

async function runCommentDelivery(input: IssueCommentInput, runtime: HubSalesRuntime): Promise<void> {
  const config = await runtime.config();
  const appLogin = await runtime.access.appLogin();
  const marker = input.issue.user?.login.toLowerCase() === appLogin.toLowerCase() ? parseIssueMarker(input.issue.body) : null;
  // Another bot's issue carrying a copied marker: outside the sales repo, not ours to answer.
  if (marker === null && !sameRepo(input.repo, runtime.environment.salesRepo)) return;
  const outcome = await runCommentCommands({
    body: input.comment.body,
    gateway: runtime.gateway,
    deps: {
      store: runtime.store,
      config,
      today: runtime.today(),
      salesRepo: runtime.environment.salesRepo,
      commenter: input.sender,
      issue: { repo: input.repo, number: input.issue.number, marker },
      now: runtime.now,
      requestReconcile: (leadId, reason) => runtime.enqueue(leadId, reason),
      openDeploymentRequest: async (lead) => {
        await markDeploymentRequested(runtime.store, lead.id);
        await runtime.reconcileNow(lead.id);
        const url = (await runtime.store.getLead(lead.id))?.deploymentIssue;
        if (!url) throw new Error(`no deployment request could be opened for ${lead.name} (status ${lead.status})`);
        return { url };
      },
      reportFailure: async (leadId, text) => {
        const url = (await runtime.store.getLead(leadId))?.leadIssue;
        const ref = url ? parseIssueUrl(url) : null;
        if (!ref) return false;
        await runtime.gateway.createComment(ref.repo, ref.number, text);
        return true;
      },
      buildInvoice: (month) => runtime.publishInvoice(month),
      invoiceInputsChanged: (month) => runtime.refreshInvoiceIfOpen(month),
    },
  });
  if (!outcome) return;
  if (outcome.reaction) await runtime.gateway.addReaction(input.repo, input.comment.id, outcome.reaction);
  if (outcome.reply) await runtime.gateway.createComment(input.repo, input.issue.number, outcome.reply);
}
