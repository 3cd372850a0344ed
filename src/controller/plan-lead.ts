import { DEFAULT_ISSUE_SETTINGS, type HubSalesConfig } from "../config/hub-sales-config.schema.js";
import type { IssueSnapshot } from "../github/github-gateway.js";
import { renderCommentMarker } from "../github/issue-marker.js";
import { escapeMarkdown } from "../github/markdown-text.js";
import { formIssueSettings } from "../issue-forms/form-issue-settings.js";
import { checkFormReadiness } from "../issue-forms/form-readiness.js";
import { parseFormReference } from "../issue-forms/form-reference.js";
import { builtInForm, type ResolvedForm } from "../issue-forms/issue-form-source.js";
import { parseFormSections } from "../issue-forms/issue-form-sections.js";
import { isOpenStatus, LEAD_STATUSES, type LeadStatus } from "../pipeline/lead-status.js";
import { unmetGuards } from "../pipeline/transition-rules.js";
import type { LeadAction } from "./lead-action.js";
import type { LeadObservation } from "./lead-observation.js";
import { renderIssueTitle, renderLeadIssueBody } from "./render-lead-issue.js";
import {
  renderDeploymentBody,
  renderReadinessComment,
  renderRequestInformationBody,
} from "./render-hub-issues.js";
import { hubNameForLead, slugify } from "./hub-name.js";

export interface PlanContext {
  config: HubSalesConfig;
  /** Whether the sales repo and the hub repo share an owner (sub-issues need that). */
  sameOwner: boolean;
}

/**
 * The request-information phase: the only status in which the app watches and opens
 * hub-repo issues. (An old `Active Service` row gets no request-information issue: its
 * hub is already live.) `observeLead` uses the same rule to skip fetching them.
 */
export function watchesHubIssues(status: LeadStatus): boolean {
  return status === "Needs Admin";
}

/** `/request-deployment` was run, or the request-information issue was closed as completed. */
export function isDeploymentWanted(ri: IssueSnapshot | null, effects: LeadObservation["effects"]): boolean {
  return effects.deploymentRequested || (ri?.state === "closed" && ri.stateReason === "completed");
}

/**
 * Pure: from what is observed, the actions that bring GitHub and the record in line
 * with the lead. Returns an empty list when everything is as it should be. Actions whose
 * inputs do not exist yet (a link to an issue not yet opened) are left for the next
 * round; `reconcileLead` plans again after each round until nothing is left.
 */
export function planLead(observed: LeadObservation, context: PlanContext): LeadAction[] {
  const hubSide = planHubSide(observed, context);
  // Open and record hub-side issues first, so the lead issue is written once with their links.
  if (hubSide.some((a) => a.type === "create-issue" || a.type === "update-lead" || a.type === "create-hub")) {
    return hubSide;
  }
  return [...hubSide, ...planLeadIssue(observed, context)];
}

function planHubSide(observed: LeadObservation, { config }: PlanContext): LeadAction[] {
  const { lead, hubs, today, effects } = observed;
  const actions: LeadAction[] = [];
  if (!watchesHubIssues(lead.status)) return actions;

  const ri = observed.requestInformationIssue;
  if (!ri) {
    const form = observed.forms?.requestInformation ?? builtInForm("request-information");
    const settings = formIssueSettings({
      configured: config.issues.request_information,
      defaults: DEFAULT_ISSUE_SETTINGS.request_information,
      resolved: form,
    });
    actions.push({
      type: "create-issue",
      role: "request-information",
      title: renderIssueTitle(settings.title, lead.name),
      body: renderRequestInformationBody({ lead, form, aliases: config.issues.request_information.label_aliases }),
      labels: settings.labels,
    });
    return actions;
  }
  if (lead.requestInformationIssue !== ri.htmlUrl) {
    actions.push({
      type: "update-lead",
      patch: { requestInformationIssue: ri.htmlUrl },
      why: "request-information issue opened",
    });
  }

  const deployment = observed.deploymentIssue;
  const deploymentWanted = isDeploymentWanted(ri, effects);
  if (!deployment) {
    if (deploymentWanted) {
      const form = observed.forms?.deployment ?? builtInForm("deployment");
      const settings = formIssueSettings({ configured: config.issues.deployment, defaults: DEFAULT_ISSUE_SETTINGS.deployment, resolved: form });
      actions.push({
        type: "create-issue",
        role: "deployment",
        title: renderIssueTitle(settings.title, lead.name),
        body: renderDeploymentBody({ lead, requestInformationUrl: ri.htmlUrl, form, aliases: config.issues.deployment.label_aliases }),
        labels: settings.labels,
      });
    }
    return actions;
  }
  if (lead.deploymentIssue !== deployment.htmlUrl) {
    actions.push({ type: "update-lead", patch: { deploymentIssue: deployment.htmlUrl }, why: "deployment request opened" });
  }
  if (!effects.commentsPosted.includes("link:deployment")) {
    actions.push({
      type: "post-comment-once",
      on: "request-information",
      key: "link:deployment",
      body: `${renderCommentMarker({ lead: lead.id, comment: "link:deployment" })}\n🚀 The deployment request is open: ${deployment.htmlUrl}`,
    });
  }
  if (config.backlog && !effects.backlogItem) {
    actions.push({ type: "add-to-backlog", status: config.backlog.new_value ?? null });
  }

  if (deployment.state === "open") {
    const form = formOpenedWith(deployment, observed);
    const readiness = checkFormReadiness(form.form, parseFormSections(deployment.body), config.issues.deployment.label_aliases);
    const body = renderReadinessComment({
      missing: readiness.missing,
      notAnOption: readiness.notAnOption,
      githubHandles: lead.githubHandles,
      marker: renderCommentMarker({ lead: lead.id, comment: "readiness" }),
    });
    if (effects.readinessComment?.body !== body) actions.push({ type: "upsert-readiness-comment", body });
    const ready = config.backlog?.ready_value;
    if (readiness.complete && ready && effects.backlogItem && effects.backlogItem.status !== ready) {
      actions.push({ type: "set-backlog-status", status: ready });
    }
    return actions;
  }

  if (deployment.stateReason === "completed") {
    const linked = hubs.find((h) => h.deploymentIssue === deployment.htmlUrl);
    const closer = observed.deploymentCloser;
    if (hubs.length === 0 && closer && !closer.mayShip) {
      const key = `deployment-closed-by:${deployment.number}:${closer.login.toLowerCase()}`;
      if (observed.leadIssue && !effects.commentsPosted.includes(key)) {
        actions.push({
          type: "post-comment-once",
          on: "lead",
          key,
          body: `${renderCommentMarker({ lead: lead.id, comment: key })}\nThe deployment request ${deployment.htmlUrl} was closed as completed by \`${closer.login}\`, who has no write access to the hub repo: no Active Hubs row was added and the lead stays ${lead.status}. Someone with write access can reopen and close it, or run \`/hub-live\`.`,
        });
      }
      return actions;
    }
    if (hubs.length === 0) {
      actions.push({
        type: "create-hub",
        fields: {
          hub: hubNameFromIssue(deployment) ?? hubNameForLead(lead),
          communityLeadId: lead.id,
          url: null,
          deploymentIssue: deployment.htmlUrl,
          liveSince: today,
        },
      });
      return actions;
    }
    if (!linked && hubs.length === 1 && hubs[0]!.deploymentIssue === null) {
      actions.push({ type: "update-hub", id: hubs[0]!.id, patch: { deploymentIssue: deployment.htmlUrl } });
    }
    if (unmetGuards("Active Service", { lead, hubs, today }).length === 0) {
      actions.push({ type: "update-lead", patch: { status: "Active Service" }, why: "the hub is live and the service has started" });
    }
  } else {
    const key = `deployment-closed:${deployment.number}`;
    // The note goes on the lead issue: without one yet (an imported row), it waits a round
    // for `planLeadIssue` to open it; planned now, the executor would fail on every retry.
    if (observed.leadIssue && !effects.commentsPosted.includes(key)) {
      actions.push({
        type: "post-comment-once",
        on: "lead",
        key,
        body: `${renderCommentMarker({ lead: lead.id, comment: key })}\nThe deployment request ${deployment.htmlUrl} was closed as ${
          deployment.stateReason === "duplicate" ? "a duplicate" : "not planned"
        }: no Active Hubs row was added and the lead stays ${lead.status}.`,
      });
    }
  }
  return actions;
}

/**
 * The form the deployment request answers: as observed, or — for a request opened in this
 * very run — the form it was just rendered from; without a reference, the built-in copy.
 */
function formOpenedWith(deployment: IssueSnapshot, observed: LeadObservation): ResolvedForm {
  if (observed.forms?.deploymentOpenedWith) return observed.forms.deploymentOpenedWith;
  const ref = parseFormReference(deployment.body);
  const justUsed = observed.forms?.deployment;
  return ref && justUsed?.ref?.sha === ref.sha ? justUsed : builtInForm("deployment");
}

/** `[Request deployment] New Hub: nasa-veda` → `nasa-veda`, when people retitled it to the hub's name. */
function hubNameFromIssue(issue: IssueSnapshot): string | null {
  const m = /New Hub:\s*(.+)$/i.exec(issue.title);
  const slug = m ? slugify(m[1]!) : "";
  return slug === "" ? null : slug;
}

function planLeadIssue(observed: LeadObservation, { config, sameOwner }: PlanContext): LeadAction[] {
  const { lead, hubs, today, effects } = observed;
  const issue = observed.leadIssue;
  const actions: LeadAction[] = [];
  const open = isOpenStatus(lead.status);
  const statusLabel = config.status_labels[lead.status];
  const title = renderIssueTitle(config.issues.lead.title, lead.name);
  const body = renderLeadIssueBody({ lead, hubs, today, config });

  if (!issue) {
    // A lead first seen as inactive (an old row) gets no issue: importing history must not flood the repo.
    if (open) actions.push({ type: "create-issue", role: "lead", title, body, labels: [...config.issues.lead.labels, statusLabel] });
    return actions;
  }
  if (lead.leadIssue !== issue.htmlUrl) {
    actions.push({ type: "update-lead", patch: { leadIssue: issue.htmlUrl }, why: "lead issue opened" });
  }

  const patch: { title?: string; body?: string; state?: "open" | "closed"; stateReason?: "not_planned" | "reopened" } = {};
  if (issue.title !== title) patch.title = title;
  if (issue.body !== body) patch.body = body;
  if (open && issue.state === "closed") Object.assign(patch, { state: "open", stateReason: "reopened" });
  if (!open && issue.state === "open") Object.assign(patch, { state: "closed", stateReason: "not_planned" });
  if (Object.keys(patch).length > 0) actions.push({ type: "update-issue", role: "lead", patch });

  const present = new Set(issue.labels.map((l) => l.toLowerCase()));
  const missingLabels = [...config.issues.lead.labels, statusLabel].filter((l) => !present.has(l.toLowerCase()));
  if (missingLabels.length > 0) actions.push({ type: "add-labels", role: "lead", labels: missingLabels });
  for (const status of LEAD_STATUSES) {
    const label = config.status_labels[status];
    if (status !== lead.status && present.has(label.toLowerCase())) {
      actions.push({ type: "remove-label", role: "lead", label: issue.labels.find((l) => l.toLowerCase() === label.toLowerCase())! });
    }
  }

  for (const child of ["request-information", "deployment"] as const) {
    const childIssue = child === "request-information" ? observed.requestInformationIssue : observed.deploymentIssue;
    if (!childIssue) continue;
    if (sameOwner && !effects.subIssuesLinked.includes(child)) actions.push({ type: "link-sub-issue", child });
    const key = `link:${child}`;
    if (!effects.commentsPosted.includes(key)) {
      const what = child === "request-information" ? "Request information issue" : "Deployment request";
      actions.push({
        type: "post-comment-once",
        on: "lead",
        key,
        body: `${renderCommentMarker({ lead: lead.id, comment: key })}\n🔗 ${what} opened in the hub repo: ${childIssue.htmlUrl}`,
      });
    }
  }

  if (lead.status === "Waiting" && lead.followUpDate && lead.followUpDate <= today) {
    const key = `follow-up:${lead.followUpDate}`;
    if (!effects.commentsPosted.includes(key)) {
      const mentions = config.follow_up.assignees.map((a) => `@${a}`).join(" ");
      actions.push({
        type: "post-comment-once",
        on: "lead",
        key,
        body: `${renderCommentMarker({ lead: lead.id, comment: key })}\n⏰ ${mentions ? `${mentions}: ` : ""}today (${lead.followUpDate}) is the follow-up date for **${escapeMarkdown(lead.name)}**. Time to get back in touch; \`/status active-lead\` or \`/wait until=YYYY-MM-DD\` records what comes next.`,
      });
    }
  }
  return actions;
}
