import type { HubFields, LeadFields } from "../domain/records.js";
import type { IssuePatch } from "../github/github-gateway.js";

/** The issues the app owns per lead, by role; `lead` lives in the sales repo, the others in the hub repo. */
export type IssueRole = "lead" | "request-information" | "deployment";

/** What reconcile does, as data: `planLead` returns these, `applyLeadActions` carries them out. */
export type LeadAction =
  | { type: "create-issue"; role: IssueRole; title: string; body: string; labels: string[] }
  | { type: "update-issue"; role: IssueRole; patch: IssuePatch }
  | { type: "add-labels"; role: IssueRole; labels: string[] }
  | { type: "remove-label"; role: IssueRole; label: string }
  | { type: "update-lead"; patch: Partial<LeadFields>; why: string }
  | { type: "link-sub-issue"; child: "request-information" | "deployment" }
  /** A comment posted once per key; found again by its marker, never duplicated. */
  | { type: "post-comment-once"; on: IssueRole; key: string; body: string }
  /** The single readiness comment on the deployment issue, edited in place. */
  | { type: "upsert-readiness-comment"; body: string }
  | { type: "add-to-backlog"; status: string | null }
  | { type: "set-backlog-status"; status: string }
  | { type: "create-hub"; fields: HubFields }
  | { type: "update-hub"; id: string; patch: Partial<HubFields> };

/** One line per action for logs, `--plan` output and the demo's timeline. */
export function describeAction(action: LeadAction): string {
  switch (action.type) {
    case "create-issue":
      return `open ${action.role} issue "${action.title}"`;
    case "update-issue":
      return `update ${action.role} issue (${Object.keys(action.patch).join(", ")})`;
    case "add-labels":
      return `label ${action.role} issue ${action.labels.map((l) => `"${l}"`).join(", ")}`;
    case "remove-label":
      return `remove label "${action.label}" from ${action.role} issue`;
    case "update-lead":
      return `record ${Object.keys(action.patch).join(", ")} on the lead (${action.why})`;
    case "link-sub-issue":
      return `link ${action.child} issue as a sub-issue of the lead issue`;
    case "post-comment-once":
      return `comment on ${action.on} issue (${action.key})`;
    case "upsert-readiness-comment":
      return "update the readiness comment on the deployment issue";
    case "add-to-backlog":
      return `add the deployment issue to the backlog${action.status ? ` as "${action.status}"` : ""}`;
    case "set-backlog-status":
      return `move the backlog item to "${action.status}"`;
    case "create-hub":
      return `add Active Hubs row "${action.fields.hub}"`;
    case "update-hub":
      return `update Active Hubs row (${Object.keys(action.patch).join(", ")})`;
  }
}
