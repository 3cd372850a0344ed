import type { Lead } from "../domain/records.js";
import { renderIssueMarker } from "../github/issue-marker.js";
import { renderFormReference } from "../issue-forms/form-reference.js";
import type { NotAnOption } from "../issue-forms/form-readiness.js";
import { builtInForm, type ResolvedForm } from "../issue-forms/issue-form-source.js";
import type { LabelAliases } from "../issue-forms/label-aliases.js";
import { recordAnswers } from "../issue-forms/record-answers.js";
import { renderIssueForm } from "../issue-forms/render-issue-form.js";
import { cutText, escapeMarkdown, fitGitHubBody } from "../github/markdown-text.js";

/*
 * Bodies of the issues the app opens in the hub repo, rendered from the hub repo's issue
 * forms. That repo is public: these take only the lead's name, its representatives'
 * handles, the start date and issue links — never fees, costs, notes or emails.
 */

interface FormInput {
  /** The form to render; the built-in copy when absent. */
  form?: ResolvedForm;
  aliases?: LabelAliases;
}

function renderFormBody(marker: string, form: ResolvedForm, answers: Parameters<typeof renderIssueForm>[1]): string {
  return fitGitHubBody([marker, ...(form.ref ? [renderFormReference(form.ref)] : []), renderIssueForm(form.form, answers)].join("\n"));
}

export function renderRequestInformationBody(input: FormInput & { lead: Pick<Lead, "id" | "name" | "githubHandles"> }): string {
  const { lead } = input;
  const facts = { leadName: lead.name, githubHandles: lead.githubHandles, serviceStartDate: null, requestInformationUrl: null };
  return renderFormBody(
    renderIssueMarker({ lead: lead.id, kind: "request-information" }),
    input.form ?? builtInForm("request-information"),
    recordAnswers("request-information", facts, input.aliases),
  );
}

export function renderDeploymentBody(
  input: FormInput & { lead: Pick<Lead, "id" | "name" | "githubHandles" | "serviceStartDate">; requestInformationUrl: string | null },
): string {
  const { lead, requestInformationUrl } = input;
  const facts = { leadName: lead.name, githubHandles: lead.githubHandles, serviceStartDate: lead.serviceStartDate, requestInformationUrl };
  return renderFormBody(
    renderIssueMarker({ lead: lead.id, kind: "deployment" }),
    input.form ?? builtInForm("deployment"),
    recordAnswers("deployment", facts, input.aliases),
  );
}

/** The one comment kept on an open deployment issue (SPEC §4.3). */
export function renderReadinessComment(input: {
  missing: readonly string[];
  notAnOption?: readonly NotAnOption[];
  githubHandles: readonly string[];
  marker: string;
}): string {
  const { missing, githubHandles, marker } = input;
  const reps = githubHandles.map((h) => `@${h}`).join(" ");
  const wrong = (input.notAnOption ?? []).map(
    // The answer is what someone typed into a public issue: quoted as text, never as markup or a mention.
    (n) => `- [ ] ${n.label}: "${escapeMarkdown(cutText(n.answer, 100))}" is not one of its options (${n.options.map((o) => `"${o}"`).join(", ")})${n.required ? "" : " — optional, so it holds nothing back"}`,
  );
  const blocking = (input.notAnOption ?? []).some((n) => n.required);
  if (missing.length === 0 && !blocking) {
    return [
      `${marker}\n✅ **The deployment request is complete**: every required field is answered. An engineer can pick it up.`,
      ...(wrong.length > 0 ? ["", ...wrong] : []),
    ].join("\n");
  }
  return [
    marker,
    `📋 **Still needed before this hub can be deployed**${reps ? ` — ${reps}, could you answer these in a comment here? A team member copies the answers into the form above.` : ""}`,
    "",
    ...missing.map((label) => `- [ ] ${label}`),
    ...wrong,
    "",
    "<sub>Updated by hub-sales-bot whenever the issue is edited.</sub>",
  ].join("\n");
}
