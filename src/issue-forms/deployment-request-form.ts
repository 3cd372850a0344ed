import type { CalendarDate } from "../domain/calendar-date.js";
import { isUnanswered, type FormSection } from "./issue-form-sections.js";

/**
 * The fields of the hub repo's "💻 New Hub - Request deployment" issue form, as data.
 * `required` fields are the ones deployment readiness waits for; optional ones start
 * as `_No response_` like the form leaves them.
 */
export interface DeploymentFormField {
  label: string;
  required: boolean;
  kind: "text" | "checkboxes";
  /** What the app writes when it opens the issue; `pending` when the record says nothing. */
  initial: (input: DeploymentFormInput) => string;
}

export interface DeploymentFormInput {
  githubHandles: readonly string[];
  serviceStartDate: CalendarDate | null;
  requestInformationUrl: string | null;
}

const pending = () => "pending";
const noResponse = () => "";

export const DEPLOYMENT_FORM_FIELDS: readonly DeploymentFormField[] = [
  {
    label: "The GitHub handle of the community representative",
    required: true,
    kind: "text",
    initial: (i) => (i.githubHandles.length > 0 ? i.githubHandles.map((h) => `@${h}`).join(", ") : "pending"),
  },
  {
    label: "Technical support contacts listed",
    required: true,
    kind: "checkboxes",
    initial: () => "- [ ] Technical contact present",
  },
  {
    label: "Hub important dates",
    required: true,
    kind: "text",
    initial: (i) =>
      i.serviceStartDate
        ? `- **Required start date**: ${i.serviceStartDate}\n- **Any important dates for usage**: pending`
        : "pending",
  },
  { label: "Hub Authentication Type", required: true, kind: "text", initial: pending },
  { label: "First Hub Administrators", required: true, kind: "text", initial: pending },
  { label: "Hub logo image URL", required: true, kind: "text", initial: pending },
  { label: "Hub logo website URL", required: true, kind: "text", initial: pending },
  { label: "Hub user image GitHub repository", required: false, kind: "text", initial: noResponse },
  { label: "Hub user image tag and name", required: true, kind: "text", initial: pending },
  {
    label: "Extra features you would like to enable",
    required: false,
    kind: "checkboxes",
    initial: () => "- [ ] Dedicated Kubernetes cluster\n- [ ] Scalable Dask Cluster",
  },
  { label: "(Optional) Preferred cloud provider", required: false, kind: "text", initial: noResponse },
  { label: "(Optional) Preferred cloud region", required: false, kind: "text", initial: noResponse },
  { label: "(Optional) Billing and Cloud account", required: false, kind: "text", initial: noResponse },
  {
    label: "Other relevant information to the features above",
    required: false,
    kind: "text",
    initial: (i) => (i.requestInformationUrl ? `Information collected in ${i.requestInformationUrl}` : ""),
  },
  {
    label: "Tasks to deploy the hub",
    required: false,
    kind: "checkboxes",
    initial: () =>
      [
        "- [ ] 1. Deploy information filled in above",
        "- [ ] 2. Engineer who will deploy the hub is assigned",
        "- [ ] 3. If using GitHub Orgs/Teams Auth, Engineer is given Owner rights to the org to set this up.",
        "- [ ] 4. Initial Hub deployment PR <link to PR>",
        "- [ ] 5. Administrators able to log on -> Hub now in steady-state",
      ].join("\n"),
  },
];

export function initialDeploymentSections(input: DeploymentFormInput): FormSection[] {
  return DEPLOYMENT_FORM_FIELDS.map((field) => ({ label: field.label, value: field.initial(input) }));
}

/**
 * Required fields still unanswered in an issue body's sections. A checkbox field counts
 * as answered when at least one of its boxes is ticked.
 */
export function missingDeploymentFields(sections: ReadonlyMap<string, string>): string[] {
  return DEPLOYMENT_FORM_FIELDS.filter((field) => field.required)
    .filter((field) => {
      const value = sections.get(field.label);
      if (field.kind === "checkboxes") return value === undefined || !/^\s*[-*]\s+\[[xX]\]/m.test(value);
      return isUnanswered(value);
    })
    .map((field) => field.label);
}
