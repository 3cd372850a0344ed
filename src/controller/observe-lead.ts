import type { IssueSnapshot } from "../github/github-gateway.js";
import type { IssueKind } from "../github/issue-marker.js";
import { parseFormReference } from "../issue-forms/form-reference.js";
import { parseIssueUrl } from "./issue-url.js";
import { loadLeadEffects } from "./lead-effects-store.js";
import type { LeadObservation, ObservedForms } from "./lead-observation.js";
import { isDeploymentWanted, watchesHubIssues } from "./plan-lead.js";
import { readIssueConditionally } from "./read-issue-conditionally.js";
import type { ReconcileDeps } from "./reconcile-deps.js";

/**
 * Reads the lead and the issues recorded on it. Costs one GET per recorded issue that
 * matters for the lead's status (conditional: a 304 when it has not changed), and nothing else: issues not yet recorded are looked up
 * by marker only when the plan wants to open one (see `applyLeadActions`).
 */
export async function observeLead(leadId: string, deps: ReconcileDeps): Promise<LeadObservation | null> {
  const prefetched = deps.prefetched?.get(leadId);
  deps.prefetched?.delete(leadId);
  const lead = prefetched?.lead ?? (await deps.store.getLead(leadId));
  if (!lead) return null;
  const [hubs, effects] = await Promise.all([
    prefetched?.hubs ?? deps.store.listHubs().then((all) => all.filter((h) => h.communityLeadId === lead.id)),
    loadLeadEffects(deps.store, lead.id),
  ]);
  const hubSide = watchesHubIssues(lead.status);
  const [leadIssue, requestInformationIssue, deploymentIssue] = await Promise.all([
    fetchRecorded(lead.leadIssue, "lead", lead.id, deps),
    hubSide ? fetchRecorded(lead.requestInformationIssue, "request-information", lead.id, deps) : null,
    hubSide ? fetchRecorded(lead.deploymentIssue, "deployment", lead.id, deps) : null,
  ]);
  const forms = hubSide ? await observeForms({ requestInformationIssue, deploymentIssue, effects }, deps) : undefined;
  const deploymentCloser = hubs.length === 0 ? await observeDeploymentCloser(deploymentIssue, deps) : null;
  return { lead, hubs, today: deps.today(), leadIssue, requestInformationIssue, deploymentIssue, effects, deploymentCloser, ...(forms ? { forms } : {}) };
}

/**
 * The forms the plan may need, and no others: the current file for an issue not opened
 * yet (a conditional request once the file is cached), and for the open deployment request
 * the version it names, read from the store.
 */
async function observeForms(
  observed: Pick<LeadObservation, "requestInformationIssue" | "deploymentIssue" | "effects">,
  deps: ReconcileDeps,
): Promise<ObservedForms | undefined> {
  const { requestInformationIssue, deploymentIssue } = observed;
  const source = deps.issueForms;
  if (!source) return undefined;
  const hubRepo = deps.hubRepo;
  const issues = deps.config.issues;
  const forms: ObservedForms = {};
  if (!requestInformationIssue) {
    forms.requestInformation = await source.current({ hubRepo, kind: "request-information", file: issues.request_information.form });
  }
  if (!deploymentIssue && isDeploymentWanted(requestInformationIssue, observed.effects)) {
    forms.deployment = await source.current({ hubRepo, kind: "deployment", file: issues.deployment.form });
  } else if (deploymentIssue?.state === "open") {
    const ref = parseFormReference(deploymentIssue.body);
    // An issue without a reference was opened from the built-in copy, which the plan uses by default.
    const openedWith = ref ? ((await source.openedWith(ref)) ?? (await source.current({ hubRepo, kind: "deployment", file: ref.file }))) : undefined;
    if (openedWith) forms.deploymentOpenedWith = openedWith;
  }
  return forms;
}

const SHIPPING_PERMISSIONS = new Set(["admin", "maintain", "write"]);

/**
 * A deployment issue closed as completed ships the hub, so who closed it matters: the author
 * of an issue may close it, and a hand-linked deployment request may have been written by
 * someone outside the team. One permission lookup, only while that close would add the row.
 */
async function observeDeploymentCloser(issue: IssueSnapshot | null, deps: ReconcileDeps): Promise<LeadObservation["deploymentCloser"]> {
  if (!issue || issue.state !== "closed" || issue.stateReason !== "completed" || !issue.closedBy) return null;
  if (issue.closedBy.toLowerCase() === deps.appLogin.toLowerCase()) return { login: issue.closedBy, mayShip: true };
  const permission = await deps.gateway.getRepoPermission(issue.repo, issue.closedBy);
  return { login: issue.closedBy, mayShip: SHIPPING_PERMISSIONS.has(permission) };
}

/**
 * An issue a person linked by hand (no marker) is taken as it is; one whose marker names
 * another lead or kind is a wrong link and is treated as absent, so the right one is found.
 */
async function fetchRecorded(
  url: string | null,
  kind: IssueKind,
  leadId: string,
  deps: ReconcileDeps,
): Promise<IssueSnapshot | null> {
  if (!url) return null;
  const ref = parseIssueUrl(url);
  if (!ref) {
    deps.log.warn(`lead ${leadId}: ignoring a ${kind} issue link that is not a GitHub issue URL: ${url}`);
    return null;
  }
  const issue = await readIssueConditionally(deps, ref.repo, ref.number);
  if (issue?.marker && (issue.marker.lead !== leadId || issue.marker.kind !== kind)) {
    deps.log.warn(`lead ${leadId}: the recorded ${kind} issue ${url} belongs to ${issue.marker.kind} of ${issue.marker.lead}`);
    return null;
  }
  return issue;
}
