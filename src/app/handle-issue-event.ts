import { parseIssueMarker, type IssueMarker } from "../github/issue-marker.js";
import type { RepoRef } from "../github/github-gateway.js";
import { LEAD_STATUSES, type LeadStatus } from "../pipeline/lead-status.js";
import { decideTransition } from "../pipeline/transition-rules.js";
import type { HubSalesConfig } from "../config/hub-sales-config.schema.js";
import { renderCommentMarker } from "../github/issue-marker.js";
import { escapeMarkdown } from "../github/markdown-text.js";
import type { HubSalesRuntime } from "./hub-sales-runtime.js";
import { handleDeliveryOnce } from "./handle-delivery-once.js";

/** The fields of an `issues.*` webhook payload this reads (validated by Probot's types). */
export interface IssueEventInput {
  deliveryId: string;
  action: string;
  repo: RepoRef;
  issue: { number: number; body: string | null; user: { login: string } | null; html_url: string };
  label?: { name: string } | undefined;
  sender: { login: string; type?: string };
}

const LEAD_KINDS = new Set(["lead", "request-information", "deployment"]);

/**
 * The issue's marker, only when the app wrote the issue (a person could paste a marker).
 * Cheap: the payload carries the body; the app's login is looked up once per process.
 */
async function ownedMarker(input: IssueEventInput, runtime: HubSalesRuntime): Promise<IssueMarker | null> {
  const marker = parseIssueMarker(input.issue.body);
  if (!marker || !LEAD_KINDS.has(marker.kind)) return null;
  const appLogin = await runtime.access.appLogin();
  return input.issue.user?.login.toLowerCase() === appLogin.toLowerCase() ? marker : null;
}

function statusOfLabel(config: HubSalesConfig, label: string): LeadStatus | null {
  return LEAD_STATUSES.find((s) => config.status_labels[s].toLowerCase() === label.toLowerCase()) ?? null;
}

/**
 * `issues.*` on an issue the app owns: a person's status label asks for a transition
 * (SPEC §4.5); closing, reopening or editing queues the lead's reconcile. Events on other
 * issues, and events the app caused itself, cost nothing.
 */
export async function handleIssueEvent(input: IssueEventInput, runtime: HubSalesRuntime): Promise<void> {
  if (input.issue.body === null || !input.issue.body.includes("<!-- hub-sales ")) return;
  const marker = await ownedMarker(input, runtime);
  if (!marker) return;
  const appLogin = await runtime.access.appLogin();
  if (input.sender.login.toLowerCase() === appLogin.toLowerCase()) return;

  if (input.action === "labeled" || input.action === "unlabeled") {
    if (marker.kind !== "lead" || !input.label) return;
    const config = await runtime.config();
    const target = statusOfLabel(config, input.label.name);
    if (!target) return;
    const delivery = { id: input.deliveryId, event: `issues.${input.action}` };
    if (input.action === "unlabeled") {
      // The label mirrors the record: a removed current-status label is put back.
      await runtime.enqueueDelivered(delivery, marker.lead, `status label "${input.label.name}" removed by @${input.sender.login}`);
      return;
    }
    await handleDeliveryOnce({
      store: runtime.store,
      deliveryId: delivery.id,
      event: delivery.event,
      work: () => runtime.queue.runExclusive(marker.lead, () => applyStatusLabel({ input, runtime, config, leadId: marker.lead, target })),
    });
    return;
  }

  if (!["closed", "reopened", "edited"].includes(input.action)) return;
  // The delivery and the lead's work in one write: durable before GitHub gets its answer.
  await runtime.enqueueDelivered(
    { id: input.deliveryId, event: `issues.${input.action}` },
    marker.lead,
    `${marker.kind} issue ${input.action} by @${input.sender.login}`,
  );
}

async function applyStatusLabel(args: {
  input: IssueEventInput;
  runtime: HubSalesRuntime;
  config: HubSalesConfig;
  leadId: string;
  target: LeadStatus;
}): Promise<void> {
  const { input, runtime, config, leadId, target } = args;
  const { store, gateway } = runtime;
  const lead = await store.getLead(leadId);
  if (!lead) return;
  const hubs = (await store.listHubs()).filter((h) => h.communityLeadId === lead.id);
  const decision = decideTransition(lead.status, target, { lead, hubs, today: runtime.today() });
  if (decision.kind === "refused") {
    await gateway.removeLabel(input.repo, input.issue.number, input.label!.name);
    await gateway.createComment(
      input.repo,
      input.issue.number,
      [
        renderCommentMarker({ lead: lead.id, comment: `refused-label:${input.deliveryId}` }),
        `@${input.sender.login}, the label \`${input.label!.name}\` asks to move **${escapeMarkdown(lead.name)}** from ${lead.status} to ${target}, which is refused:`,
        "",
        ...decision.reasons.map((r) => `- ${r}`),
        "",
        `The label was removed; the lead stays ${lead.status} (\`${config.status_labels[lead.status]}\`).`,
      ].join("\n"),
    );
    return;
  }
  if (decision.kind === "allowed") {
    await store.updateLead(lead.id, { status: target });
  }
  // Drops the old status label, rewrites the body, and does what the new status asks.
  await runtime.enqueue(lead.id, `status label "${input.label!.name}" added by @${input.sender.login}`);
}
