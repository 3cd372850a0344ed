import type { IssueForm, IssueFormField } from "./issue-form.schema.js";
import { isUnanswered } from "./issue-form-sections.js";
import { findSection, type LabelAliases } from "./label-aliases.js";

/** A dropdown answer that is none of the field's options. */
export interface NotAnOption {
  label: string;
  answer: string;
  options: string[];
  required: boolean;
}

export interface FormReadiness {
  /** Required fields still empty, `_No response_` or `pending`, and required boxes unticked, in form order. */
  missing: string[];
  notAnOption: NotAnOption[];
  /** Nothing required is missing or answered with a value the form does not offer. */
  complete: boolean;
}

/**
 * Readiness of an issue body against the form it was opened with. Optional fields are
 * never awaited; a dropdown answer outside its options is named (and holds the request
 * back only when the field is required).
 */
export function checkFormReadiness(form: IssueForm, sections: ReadonlyMap<string, string>, aliases: LabelAliases = {}): FormReadiness {
  const missing: string[] = [];
  const notAnOption: NotAnOption[] = [];
  for (const field of form.fields) {
    const value = findSection(sections, field.label, aliases);
    if (field.type === "checkboxes") {
      if (checkboxesMissing(field, value)) missing.push(field.label);
      continue;
    }
    if (isUnanswered(value)) {
      if (field.required) missing.push(field.label);
      continue;
    }
    if (field.type === "dropdown" && !isOptionAnswer(field.options, value!, field.multiple)) {
      notAnOption.push({ label: field.label, answer: value!.trim(), options: field.options, required: field.required });
    }
  }
  return { missing, notAnOption, complete: missing.length === 0 && !notAnOption.some((n) => n.required) };
}

function tickedOptions(value: string): Set<string> {
  const ticked = new Set<string>();
  for (const m of value.matchAll(/^\s*[-*]\s+\[[xX]\]\s*(.*)$/gm)) ticked.add(normal(m[1]!));
  return ticked;
}

/** The field asks for one box ticked; an option marked `required` must be ticked itself. */
function checkboxesMissing(field: Extract<IssueFormField, { type: "checkboxes" }>, value: string | undefined): boolean {
  const mustTick = field.options.filter((o) => o.required);
  if (!field.required && mustTick.length === 0) return false;
  if (value === undefined) return true;
  const ticked = tickedOptions(value);
  if (field.required && ticked.size === 0) return true;
  return mustTick.some((o) => !ticked.has(normal(o.label)));
}

const normal = (s: string) => s.trim().replace(/\s+/g, " ").toLowerCase();

/**
 * People edit bodies by hand, so case and spacing are forgiven, and an option's short name
 * (`GitHub` for `GitHub (e.g., @mygithubhandle)`) counts. GitHub joins the choices of a
 * multiple-choice dropdown with ", ", and options may hold commas themselves.
 */
function isOptionAnswer(options: readonly string[], answer: string, multiple: boolean): boolean {
  const names = new Set(options.flatMap((o) => [normal(o), normal(o.replace(/\s*\(.*$/, ""))]).filter((n) => n !== ""));
  if (!multiple) return names.has(normal(answer));
  const parts = answer.split(",");
  let start = 0;
  while (start < parts.length) {
    let end = start + 1;
    while (end <= parts.length && !names.has(normal(parts.slice(start, end).join(",")))) end++;
    if (end > parts.length) return false;
    start = end;
  }
  return true;
}
