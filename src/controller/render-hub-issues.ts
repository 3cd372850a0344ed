import type { Lead } from "../domain/records.js";
import { renderIssueMarker } from "../github/issue-marker.js";
import { initialDeploymentSections } from "../issue-forms/deployment-request-form.js";
import { renderFormSections } from "../issue-forms/issue-form-sections.js";
import { escapeMarkdown, fitGitHubBody } from "../github/markdown-text.js";

/*
 * Bodies of the issues the app opens in the hub repo. That repo is public: these take
 * only the lead's name, its representatives' handles and the start date — never fees,
 * costs, notes or emails.
 */

export function renderRequestInformationBody(lead: Pick<Lead, "id" | "name" | "githubHandles">): string {
  const reps = lead.githubHandles.map((h) => `@${h}`);
  const greeting = reps.length > 0 ? `Hey ${reps.join(", ")}!` : "Hey! (no community representative is recorded yet)";
  return fitGitHubBody([
    renderIssueMarker({ lead: lead.id, kind: "request-information" }),
    renderFormSections([
      {
        label: "Hub Description",
        value: `A new hub for **${escapeMarkdown(lead.name)}**. The community representatives will describe the community and the hub's use-case below.`,
      },
      {
        label: "Community Representative(s)",
        value: [
          greeting,
          "We are getting ready to deploy your new hub. Please tell us in **this issue** what the deployment request form asks",
          "(authentication, first hub administrators, logo, user image, important dates, cloud preferences).",
          "When you are ready, a team member opens the deployment request, pre-filled from what we know, and links it here;",
          "then an engineer will be assigned and will start deploying the new hub 🚀. Thank you!",
        ].join("\n"),
      },
      {
        label: "Tasks to complete the information collection phase",
        value: [
          "- [ ] Community Representative has all the information and tools to fill in the deployment request form",
          "- [ ] Deployment request opened (closing this issue as completed opens it)",
          "- [ ] Engineer has all the information needed to deploy a first iteration of the new hub",
        ].join("\n"),
      },
    ]),
  ].join("\n"));
}

export function renderDeploymentBody(input: {
  lead: Pick<Lead, "id" | "name" | "githubHandles" | "serviceStartDate">;
  requestInformationUrl: string | null;
}): string {
  const { lead, requestInformationUrl } = input;
  return [
    renderIssueMarker({ lead: lead.id, kind: "deployment" }),
    renderFormSections(
      initialDeploymentSections({
        githubHandles: lead.githubHandles,
        serviceStartDate: lead.serviceStartDate,
        requestInformationUrl,
      }),
    ),
  ].join("\n");
}

/** The one comment kept on an open deployment issue (SPEC §4.3). */
export function renderReadinessComment(input: {
  missing: readonly string[];
  githubHandles: readonly string[];
  marker: string;
}): string {
  const { missing, githubHandles, marker } = input;
  const reps = githubHandles.map((h) => `@${h}`).join(" ");
  if (missing.length === 0) {
    return `${marker}\n✅ **The deployment request is complete**: every required field is answered. An engineer can pick it up.`;
  }
  return [
    marker,
    `📋 **Still needed before this hub can be deployed**${reps ? ` — ${reps}, could you answer these in a comment here? A team member copies the answers into the form above.` : ""}`,
    "",
    ...missing.map((label) => `- [ ] ${label}`),
    "",
    "<sub>Updated by hub-sales-bot whenever the issue is edited.</sub>",
  ].join("\n");
}
