import type { IssueForm, IssueFormField } from "./issue-form.schema.js";
import { renderFormSections, type FormSection } from "./issue-form-sections.js";

/** The answer the app knows for a field, or null when the record says nothing. */
export type FormAnswers = (field: IssueFormField) => string | null;

/**
 * The body GitHub makes from a submitted form: one `### <label>` per field in the form's
 * order, `_No response_` for an empty answer, checkboxes as a task list of the options.
 * What the app does not know is `pending` when the form requires it, so readiness asks.
 */
export function renderIssueForm(form: IssueForm, answers: FormAnswers): string {
  return renderFormSections(issueFormSections(form, answers));
}

export function issueFormSections(form: IssueForm, answers: FormAnswers): FormSection[] {
  return form.fields.map((field) => ({ label: field.label, value: answerOf(field, answers(field)) }));
}

function answerOf(field: IssueFormField, known: string | null): string {
  if (field.type === "checkboxes") return known ?? field.options.map((o) => `- [ ] ${o.label}`).join("\n");
  if (known === null || known.trim() === "") return field.required ? "pending" : "";
  // A textarea with `render` is shown as code, the way GitHub wraps such an answer.
  return field.type === "textarea" && field.render ? `\`\`\`${field.render}\n${known}\n\`\`\`` : known;
}
