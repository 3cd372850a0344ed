import { parse as parseYaml } from "yaml";
import { z } from "zod";

/*
 * GitHub's issue-form format (`.github/ISSUE_TEMPLATE/*.yml`), as far as the app reads it:
 * `body` items of type markdown, input, textarea, dropdown and checkboxes, each with
 * `attributes.label` (markdown: `attributes.value`), `attributes.options` for the choices,
 * and `validations.required`. Keys the app does not use are let through, as published
 * forms carry some GitHub tolerates (`validations` on markdown, `projects`).
 */

const text = z.string({ error: "must be text" });
const required = z
  .looseObject({ required: z.boolean({ error: "must be true or false" }).optional() })
  .optional()
  .transform((v) => v?.required ?? false);
const label = z.string({ error: "is missing (every field needs a label)" }).trim().min(1, { error: "must not be empty" });
const id = z.string().optional();

const markdownItem = z.looseObject({
  type: z.literal("markdown"),
  attributes: z.looseObject({ value: text }, { error: "is missing (a markdown item needs attributes.value)" }),
});

const textItem = z.looseObject({
  type: z.enum(["input", "textarea"]),
  id,
  attributes: z.looseObject({ label, render: z.string().optional() }, { error: "is missing (a field needs attributes.label)" }),
  validations: required,
});

const dropdownItem = z.looseObject({
  type: z.literal("dropdown"),
  id,
  attributes: z.looseObject(
    {
      label,
      multiple: z.boolean().optional(),
      options: z
        .array(z.union([z.string(), z.number(), z.boolean()]).transform(String), { error: "is missing (a dropdown needs a list of options)" })
        .min(1, { error: "must list at least one option" }),
    },
    { error: "is missing (a field needs attributes.label)" },
  ),
  validations: required,
});

const checkboxesItem = z.looseObject({
  type: z.literal("checkboxes"),
  id,
  attributes: z.looseObject(
    {
      label,
      options: z
        .array(z.looseObject({ label: text, required: z.boolean().optional() }), {
          error: "is missing (checkboxes need a list of options, each with a label)",
        })
        .min(1, { error: "must list at least one option" }),
    },
    { error: "is missing (a field needs attributes.label)" },
  ),
  validations: required,
});

const ITEM_TYPES = ["markdown", "input", "textarea", "dropdown", "checkboxes"] as const;

const bodyItem = z.discriminatedUnion("type", [markdownItem, textItem, dropdownItem, checkboxesItem], {
  error: (issue) =>
    issue.code === "invalid_union" && issue.input && typeof issue.input === "object"
      ? `must be one of ${ITEM_TYPES.join(", ")}`
      : "must be an item with a type",
});

export const issueFormFileSchema = z
  .looseObject({
    name: z.string({ error: "is missing (an issue form needs a name)" }).min(1),
    description: z.string().optional(),
    title: z.string().optional(),
    /** GitHub takes a list or one comma-separated string. */
    labels: z
      .union([z.array(z.string()), z.string().transform((s) => s.split(","))])
      .optional()
      .transform((l) => (l ?? []).map((x) => x.trim()).filter((x) => x !== "")),
    body: z.array(bodyItem, { error: "is missing (an issue form needs a body list)" }).min(1, { error: "must have at least one item" }),
  })
  .superRefine((form, ctx) => {
    // GitHub refuses a form whose fields share a label; the rendered sections would too.
    const seen = new Map<string, number>();
    form.body.forEach((item, index) => {
      if (item.type === "markdown") return;
      const key = item.attributes.label.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["body", index, "attributes", "label"],
          message: `"${item.attributes.label}" is also the label of body[${first}]; labels must be unique`,
        });
      } else seen.set(key, index);
    });
  });

export type IssueFormField =
  | { type: "input" | "textarea"; id: string | null; label: string; required: boolean; render: string | null }
  | { type: "dropdown"; id: string | null; label: string; required: boolean; options: string[]; multiple: boolean }
  | { type: "checkboxes"; id: string | null; label: string; required: boolean; options: { label: string; required: boolean }[] };

/** An issue form as the app uses it: its fields in order (markdown items carry no answer). */
export interface IssueForm {
  name: string;
  /** The title GitHub pre-fills, e.g. `[Request deployment] New Hub: {{ HUB NAME }}`. */
  title: string | null;
  labels: string[];
  fields: IssueFormField[];
}

export type ParsedIssueForm = { ok: true; form: IssueForm } | { ok: false; problems: string[] };

/** Parses a form file's YAML text; problems are one line each, naming the item and key. */
export function parseIssueForm(yamlText: string): ParsedIssueForm {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText);
  } catch (error) {
    return { ok: false, problems: [`not valid YAML: ${(error as Error).message.split("\n")[0]!.replace(/:$/, "")}`] };
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, problems: ["not an issue form: expected a mapping with name, description and body"] };
  }
  const parsed = issueFormFileSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map(describeIssue) };
  return { ok: true, form: toIssueForm(parsed.data) };
}

function toIssueForm(file: z.output<typeof issueFormFileSchema>): IssueForm {
  const fields: IssueFormField[] = [];
  for (const item of file.body) {
    const common = { id: item.type === "markdown" ? null : (item.id ?? null) };
    switch (item.type) {
      case "markdown":
        break;
      case "input":
      case "textarea":
        fields.push({ type: item.type, ...common, label: item.attributes.label, required: item.validations, render: item.attributes.render ?? null });
        break;
      case "dropdown":
        fields.push({
          type: "dropdown",
          ...common,
          label: item.attributes.label,
          required: item.validations,
          options: item.attributes.options,
          multiple: item.attributes.multiple ?? false,
        });
        break;
      case "checkboxes":
        fields.push({
          type: "checkboxes",
          ...common,
          label: item.attributes.label,
          required: item.validations,
          options: item.attributes.options.map((o) => ({ label: o.label, required: o.required ?? false })),
        });
        break;
    }
  }
  return { name: file.name, title: file.title ?? null, labels: file.labels, fields };
}

/** `body[3].attributes.label: is missing (every field needs a label)` */
function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path
    .map((part, i) => (typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${String(part)}`))
    .join("");
  return `${path || "(top level)"}: ${issue.message}`;
}
