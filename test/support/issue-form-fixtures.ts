import { readFileSync } from "node:fs";
import { parseIssueForm, type IssueForm } from "../../src/issue-forms/issue-form.schema.js";

/** Text of a published hub-repo form kept in `test/fixtures/issue-forms/`. */
export function formFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/issue-forms/${name}`, import.meta.url), "utf8");
}

/** A form that must parse; the problems are the failure message otherwise. */
export function validForm(text: string): IssueForm {
  const parsed = parseIssueForm(text);
  if (!parsed.ok) throw new Error(`expected a valid form, got: ${parsed.problems.join("; ")}`);
  return parsed.form;
}
