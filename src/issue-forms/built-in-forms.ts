import type { IssueForm, IssueFormField } from "./issue-form.schema.js";

/*
 * The app's own copies of the hub repo's forms: used when the config names no form file,
 * and when the named file is missing or broken. The deployment copy follows the last
 * published "💻 New Hub - Request deployment" form of 2i2c-org/infrastructure
 * (`.github/ISSUE_TEMPLATE/2_new-hub-provide-info.yml`, 17 fields); the
 * request-information copy has the sections SPEC §4.2 names.
 */

const text = (label: string, required: boolean, type: "input" | "textarea" = "input"): IssueFormField => ({
  type,
  id: null,
  label,
  required,
  render: null,
});
const dropdown = (label: string, required: boolean, options: string[]): IssueFormField => ({
  type: "dropdown",
  id: null,
  label,
  required,
  options,
  multiple: false,
});
const checkboxes = (label: string, required: boolean, options: string[]): IssueFormField => ({
  type: "checkboxes",
  id: null,
  label,
  required,
  options: options.map((o) => ({ label: o, required: false })),
});

export const BUILT_IN_DEPLOYMENT_FORM: IssueForm = {
  name: "💻  New Hub - Request deployment",
  title: "[Request deployment] New Hub: {{ HUB NAME }}",
  labels: ["new hub"],
  fields: [
    text("The GitHub handle of the community representative", true),
    checkboxes("Technical support contacts listed", true, ["Technical contact present"]),
    text("Hub important dates", true, "textarea"),
    dropdown("Hub Authentication Type", true, [
      "GitHub (e.g., @mygithubhandle)",
      "Google (e.g., myemailaddress@gmail.org, or a Google-backed domain)",
      "Institutional Provider via CILogon (e.g., username@institution.org)",
      "Other (may not be possible, please specify in comments)",
      "pending",
    ]),
    text("First Hub Administrators", true, "textarea"),
    dropdown("[GitHub Auth only] How would you like to manage your users?", false, [
      "Manually, by adding specific GitHub handles in the JupyterHub Admin panel",
      "Allowing members of a specific GitHub organization",
      "Allowing members of specific GitHub team(s)",
      "pending",
    ]),
    text("[GitHub Teams Auth only] Profile restriction based on team membership", false, "textarea"),
    text("Hub logo image URL", true),
    text("Hub logo website URL", true),
    text("Hub user image GitHub repository", false),
    text("Hub user image tag and name", true),
    checkboxes("Extra features you would like to enable", false, ["Dedicated Kubernetes cluster", "Scalable Dask Cluster"]),
    dropdown("(Optional) Preferred cloud provider", false, ["No preference", "GCP (default and preferred)", "AWS", "Azure"]),
    text("(Optional) Preferred cloud region", false),
    dropdown("(Optional) Billing and Cloud account", false, [
      "I have read the docs and have setup the billing and cloud accounts",
      "I need help figuring out the billing and cloud accounts",
    ]),
    text("Other relevant information to the features above", false, "textarea"),
    checkboxes("Tasks to deploy the hub", false, [
      "1. Deploy information filled in above",
      "2. Engineer who will deploy the hub is assigned",
      "3. If using GitHub Orgs/Teams Auth, Engineer is given Owner rights to the org to set this up.",
      "4. Initial Hub deployment PR <link to PR>",
      "5. Administrators able to log on -> Hub now in steady-state",
    ]),
  ],
};

export const BUILT_IN_REQUEST_INFORMATION_FORM: IssueForm = {
  name: "📚  New Hub - Request Information",
  title: "[Request Information] New Hub: {{ HUB NAME }}",
  labels: ["type: hub"],
  fields: [
    text("Hub Description", true, "textarea"),
    text("Community Representative(s)", true, "textarea"),
    checkboxes("Tasks to complete the information collection phase", false, [
      "Community Representative has all the information and tools to fill in the deployment request form",
      "Deployment request opened (closing this issue as completed opens it)",
      "Engineer has all the information needed to deploy a first iteration of the new hub",
    ]),
  ],
};
