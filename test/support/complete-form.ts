import type { IssueForm, IssueFormField } from "../../src/issue-forms/issue-form.schema.js";
import type { FormSection } from "../../src/issue-forms/issue-form-sections.js";

/** An answer a person could give to a field: a valid option, a ticked box, some text. */
export function personAnswer(field: IssueFormField): string {
  switch (field.type) {
    case "dropdown":
      return field.options.find((o) => o !== "pending") ?? field.options[0]!;
    case "checkboxes":
      return field.options.map((o, i) => `- [${i === 0 || o.required ? "X" : " "}] ${o.label}`).join("\n");
    default:
      return `answer for ${field.label}`;
  }
}

/** Sections of a form with every required field answered (optional ones left empty), `overrides` by label. */
export function completeFormSections(form: IssueForm, overrides: Record<string, string> = {}): FormSection[] {
  return form.fields.map((field) => ({
    label: field.label,
    value: overrides[field.label] ?? (field.required ? personAnswer(field) : ""),
  }));
}
