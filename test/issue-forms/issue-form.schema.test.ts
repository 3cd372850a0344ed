import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BUILT_IN_DEPLOYMENT_FORM, BUILT_IN_REQUEST_INFORMATION_FORM } from "../../src/issue-forms/built-in-forms.js";
import { parseIssueForm, type IssueForm } from "../../src/issue-forms/issue-form.schema.js";
import { formFixture, validForm } from "../support/issue-form-fixtures.js";



/** `i` input, `t` textarea, `d` dropdown, `c` checkboxes; upper case when required. */
function shape(f: IssueForm): string {
  return f.fields.map((x) => (x.required ? x.type[0]!.toUpperCase() : x.type[0]!)).join("");
}

describe("parseIssueForm on the hub repo's published forms", () => {
  it.each<{ file: string; name: string; title: string | null; labels: string[]; fields: number; shape: string }>([
    {
      file: "2_new-hub-provide-info.yml",
      name: "💻  New Hub - Request deployment",
      title: "[Request deployment] New Hub: {{ HUB NAME }}",
      labels: ["new hub"],
      fields: 17,
      shape: "ICTDTdtIIiIcdidtc",
    },
    {
      file: "2_new-hub-provide-info.16-fields.yml",
      name: "💻  New Hub - Request deployment",
      title: "[Request deployment] New Hub: {{ HUB NAME }}",
      labels: ["new hub"],
      fields: 16,
      shape: "ITDTdtIIiIcdidtc",
    },
    {
      file: "2_new-hub-collect-info.yml",
      name: "💻  New Hub - Collect Information",
      title: "[Collect Information] New Hub: {{ HUB NAME }}",
      labels: ["type: hub"],
      fields: 12,
      shape: "TDTIIiIdddtc",
    },
    { file: "new-hub.yml", name: "💻  New Hub", title: "New Hub: <Hub name>", labels: ["type: hub"], fields: 10, shape: "TIIIIcIiiI" },
    {
      file: "02_new-hub_phase-1.yaml",
      name: "New Hub Turnup Phase 1 - Cloud Account Setup",
      title: "[New Hub] [Phase 1] Cloud Account Setup - {{community_name}}",
      labels: [],
      fields: 2,
      shape: "DT",
    },
    {
      file: "02_new-hub_phase-0.yaml",
      name: "New Hub Turnup Phase 0 - Partnership/Engineering sync chat",
      title: "[New Hub] [Due by: {{date}}] [Spike: 30mins] Sync chat to refine phases - {{community_name}}",
      labels: [],
      fields: 0,
      shape: "",
    },
  ])("$file: $fields fields", ({ file, name, title, labels, fields, shape: expected }) => {
    const parsed = validForm(formFixture(file));
    expect(parsed.name).toBe(name);
    expect(parsed.title).toBe(title);
    expect(parsed.labels).toEqual(labels);
    expect(parsed.fields).toHaveLength(fields);
    expect(shape(parsed)).toBe(expected);
  });

  it("reads options, multiple choice, per-option requirements and folded labels", () => {
    const collect = validForm(formFixture("2_new-hub-collect-info.yml"));
    const features = collect.fields.find((f) => f.label === "Extra features you'd like to enable");
    expect(features).toMatchObject({ type: "dropdown", multiple: true, options: expect.arrayContaining(["Dedicated Kubernetes cluster"]) });
    const phase1 = validForm(formFixture("02_new-hub_phase-1.yaml"));
    expect(phase1.fields[1]!.label).toBe("Required information for setting up a cloud account for a new community on a dedicated cluster.");
    const boxes = validForm("name: x\nbody:\n  - type: checkboxes\n    attributes:\n      label: Code of conduct\n      options:\n        - label: I agree\n          required: true\n");
    expect(boxes.fields[0]).toEqual({ type: "checkboxes", id: null, label: "Code of conduct", required: false, options: [{ label: "I agree", required: true }] });
  });

  it("takes labels as GitHub does: a list or one comma-separated string", () => {
    expect(validForm('name: x\nlabels: "new hub, type: hub"\nbody:\n  - type: input\n    attributes: {label: A}\n').labels).toEqual(["new hub", "type: hub"]);
  });

  it("reports the published request-information form, which is not valid YAML, with its line", () => {
    expect(parseIssueForm(formFixture("3_new_hub-request-info.yaml"))).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^not valid YAML: .* at line 48, column \d+$/)],
    });
    // Quoted as YAML wants, the same form is a valid request-information form.
    const fixed = formFixture("3_new_hub-request-info.yaml").replace(
      '- label: "New Hub - Collect Information" issue was opened by a Community Representative',
      "- label: '\"New Hub - Collect Information\" issue was opened by a Community Representative'",
    );
    expect(shape(validForm(fixed))).toBe("TTc");
  });
});

describe("parseIssueForm refuses what GitHub refuses, one line per problem", () => {
  const item = (yaml: string) => `name: Broken\nbody:\n${yaml}`;
  it.each<{ name: string; text: string; problems: (string | RegExp)[] }>([
    { name: "not YAML", text: "name: x\nbody: [\n", problems: [/^not valid YAML: /] },
    { name: "not a mapping", text: "- just\n- a list\n", problems: ["not an issue form: expected a mapping with name, description and body"] },
    { name: "no name", text: "body:\n  - type: markdown\n    attributes: {value: hi}\n", problems: ["name: is missing (an issue form needs a name)"] },
    { name: "no body", text: "name: x\n", problems: ["body: is missing (an issue form needs a body list)"] },
    {
      name: "a field without a label",
      text: item("  - type: input\n    attributes: {description: what}\n"),
      problems: ["body[0].attributes.label: is missing (every field needs a label)"],
    },
    {
      name: "a field without attributes",
      text: item("  - type: textarea\n"),
      problems: ["body[0].attributes: is missing (a field needs attributes.label)"],
    },
    {
      name: "an unknown type",
      text: item("  - type: markdown\n    attributes: {value: hi}\n  - type: select\n    attributes: {label: A}\n"),
      problems: ["body[1].type: must be one of markdown, input, textarea, dropdown, checkboxes"],
    },
    {
      name: "a dropdown without options",
      text: item("  - type: dropdown\n    attributes: {label: A, options: []}\n"),
      problems: ["body[0].attributes.options: must list at least one option"],
    },
    {
      name: "two fields with one label",
      text: item("  - type: input\n    attributes: {label: Name}\n  - type: textarea\n    attributes: {label: name}\n"),
      problems: ['body[1].attributes.label: "name" is also the label of body[0]; labels must be unique'],
    },
    {
      name: "required that is not a boolean",
      text: item("  - type: input\n    attributes: {label: A}\n    validations: {required: yes please}\n"),
      problems: ["body[0].validations.required: must be true or false"],
    },
  ])("$name", ({ text, problems }) => {
    const parsed = parseIssueForm(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? [] : parsed.problems).toEqual(problems.map((p) => (typeof p === "string" ? p : expect.stringMatching(p))));
  });
});

describe("the built-in copies", () => {
  it("the deployment copy has the 17 fields of the last published form: labels, types, requirements and options", () => {
    const published = validForm(formFixture("2_new-hub-provide-info.yml"));
    expect(BUILT_IN_DEPLOYMENT_FORM.fields).toHaveLength(17);
    expect(BUILT_IN_DEPLOYMENT_FORM.fields.map(({ id: _id, ...rest }) => rest)).toEqual(published.fields.map(({ id: _id, ...rest }) => rest));
    expect(BUILT_IN_DEPLOYMENT_FORM.title).toBe(published.title);
    expect(BUILT_IN_DEPLOYMENT_FORM.labels).toEqual(published.labels);
    const labels = BUILT_IN_DEPLOYMENT_FORM.fields.map((f) => f.label);
    expect(labels).toContain("[GitHub Auth only] How would you like to manage your users?");
    expect(labels).toContain("[GitHub Teams Auth only] Profile restriction based on team membership");
  });

  it("the request-information copy has the sections SPEC §4.2 names", () => {
    expect(BUILT_IN_REQUEST_INFORMATION_FORM.fields.map((f) => [f.label, f.type])).toEqual([
      ["Hub Description", "textarea"],
      ["Community Representative(s)", "textarea"],
      ["Tasks to complete the information collection phase", "checkboxes"],
    ]);
  });
});

describe("the README's hub repo form", () => {
  it("is a valid issue form", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const example = /```yaml\n(# \.github\/ISSUE_TEMPLATE\/[\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    expect(shape(validForm(example!))).toBe("ICDi");
  });
});
