import { describe, expect, it } from "vitest";
import { renderDeploymentBody, renderReadinessComment, renderRequestInformationBody } from "../../src/controller/render-hub-issues.js";
import { BUILT_IN_DEPLOYMENT_FORM } from "../../src/issue-forms/built-in-forms.js";
import { formIssueSettings, titleTemplateOf } from "../../src/issue-forms/form-issue-settings.js";
import { parseFormReference } from "../../src/issue-forms/form-reference.js";
import type { IssueForm } from "../../src/issue-forms/issue-form.schema.js";
import { NO_RESPONSE, parseFormSections } from "../../src/issue-forms/issue-form-sections.js";
import { recordAnswers, type RecordFacts } from "../../src/issue-forms/record-answers.js";
import { renderIssueForm } from "../../src/issue-forms/render-issue-form.js";
import { formFixture, validForm } from "../support/issue-form-fixtures.js";


const FACTS: RecordFacts = {
  leadName: "Data Science Lab",
  githubHandles: ["alice", "bob"],
  serviceStartDate: "2030-03-01",
  requestInformationUrl: "https://github.com/org/hub/issues/10",
};
const nothingKnown = () => null;

describe("renderIssueForm: form → body → parsed sections", () => {
  it.each(["2_new-hub-provide-info.yml", "2_new-hub-provide-info.16-fields.yml", "2_new-hub-collect-info.yml", "new-hub.yml", "02_new-hub_phase-1.yaml"])(
    "%s: one section per field in the form's order, pending when required, _No response_ when optional",
    (file) => {
      const f = validForm(formFixture(file));
      const sections = parseFormSections(renderIssueForm(f, nothingKnown));
      expect([...sections.keys()]).toEqual(f.fields.map((x) => x.label));
      for (const field of f.fields) {
        const value = sections.get(field.label);
        if (field.type === "checkboxes") expect(value).toBe(field.options.map((o) => `- [ ] ${o.label}`).join("\n"));
        else expect(value).toBe(field.required ? "pending" : NO_RESPONSE);
      }
    },
  );

  it("fills what the record knows into the published deployment form", () => {
    const f = validForm(formFixture("2_new-hub-provide-info.yml"));
    const sections = parseFormSections(renderIssueForm(f, recordAnswers("deployment", FACTS)));
    expect(sections.get("The GitHub handle of the community representative")).toBe("@alice, @bob");
    expect(sections.get("Hub important dates")).toBe("- **Required start date**: 2030-03-01\n- **Any important dates for usage**: pending");
    expect(sections.get("Other relevant information to the features above")).toBe("Information collected in https://github.com/org/hub/issues/10");
    expect(sections.get("Hub Authentication Type")).toBe("pending");
    expect(sections.get("[GitHub Auth only] How would you like to manage your users?")).toBe(NO_RESPONSE);
    expect(sections.get("Technical support contacts listed")).toBe("- [ ] Technical contact present");
  });

  it("matches renamed fields of older forms, and configured label aliases", () => {
    const oldest = parseFormSections(renderIssueForm(validForm(formFixture("new-hub.yml")), recordAnswers("deployment", FACTS)));
    expect(oldest.get("Community Representative")).toBe("@alice, @bob");
    expect(oldest.get("Target start date")).toBe("2030-03-01");
    const renamed = validForm("name: x\nbody:\n  - type: input\n    attributes: {label: Who asks}\n    validations: {required: true}\n");
    expect(parseFormSections(renderIssueForm(renamed, recordAnswers("deployment", FACTS))).get("Who asks")).toBe("pending");
    const aliased = recordAnswers("deployment", FACTS, { "The GitHub handle of the community representative": ["Who asks"] });
    expect(parseFormSections(renderIssueForm(renamed, aliased)).get("Who asks")).toBe("@alice, @bob");
  });

  it("wraps a known answer of a textarea with `render` in a code block, as GitHub does", () => {
    const logs = validForm("name: x\nbody:\n  - type: textarea\n    attributes: {label: Logs, render: shell}\n");
    expect(renderIssueForm(logs, () => "exit 1")).toBe("### Logs\n\n```shell\nexit 1\n```");
    expect(renderIssueForm(logs, nothingKnown)).toBe(`### Logs\n\n${NO_RESPONSE}`);
  });

  it("records on the body which version of which file it was rendered from; the built-in copy leaves none", () => {
    const ref = { file: "2_new-hub-provide-info.yml", sha: "a".repeat(40) };
    const lead = { id: "lead-1", name: "Lab", githubHandles: ["alice"], serviceStartDate: null };
    const fromFile = renderDeploymentBody({ lead, requestInformationUrl: null, form: { form: BUILT_IN_DEPLOYMENT_FORM, ref } });
    expect(parseFormReference(fromFile)).toEqual(ref);
    expect(fromFile.startsWith('<!-- hub-sales {"lead":"lead-1","kind":"deployment"} -->\n')).toBe(true);
    expect(parseFormReference(renderDeploymentBody({ lead, requestInformationUrl: null }))).toBeNull();
  });

  it("renders the request-information issue from its form, pinging the representatives", () => {
    const body = renderRequestInformationBody({ lead: { id: "lead-1", name: "Data Science Lab", githubHandles: ["alice", "bob"] } });
    const sections = parseFormSections(body);
    expect([...sections.keys()]).toEqual(["Hub Description", "Community Representative(s)", "Tasks to complete the information collection phase"]);
    expect(sections.get("Hub Description")).toContain("**Data Science Lab**");
    expect(sections.get("Community Representative(s)")).toMatch(/^Hey @alice, @bob!/);
    expect(sections.get("Tasks to complete the information collection phase")).toMatch(/^- \[ \] /);
  });
});

describe("formIssueSettings: title and labels", () => {
  const deploymentDefaults = { title: "[Request deployment] New Hub: {name}", labels: ["new hub"] };
  const fromFile = (title: string | null, labels: string[]) => ({
    form: { ...BUILT_IN_DEPLOYMENT_FORM, title, labels },
    ref: { file: "f.yml", sha: "b".repeat(40) },
  });

  it.each<{ name: string; configured: { title: string; labels: string[] }; resolved: ReturnType<typeof fromFile> | { form: IssueForm; ref: null }; expected: { title: string; labels: string[] } }>([
    {
      name: "the form's when the config keeps the defaults",
      configured: deploymentDefaults,
      resolved: fromFile("New Hub: <Hub name>", ["type: hub", "new hub"]),
      expected: { title: "New Hub: {name}", labels: ["type: hub", "new hub"] },
    },
    {
      name: "the config's when it names its own",
      configured: { title: "Deploy {name}", labels: ["deploy"] },
      resolved: fromFile("New Hub: <Hub name>", ["type: hub"]),
      expected: { title: "Deploy {name}", labels: ["deploy"] },
    },
    {
      name: "the defaults where the form names none",
      configured: deploymentDefaults,
      resolved: fromFile(null, []),
      expected: deploymentDefaults,
    },
    {
      name: "the config's with the built-in copy",
      configured: deploymentDefaults,
      resolved: { form: BUILT_IN_DEPLOYMENT_FORM, ref: null },
      expected: deploymentDefaults,
    },
  ])("$name", ({ configured, resolved, expected }) => {
    expect(formIssueSettings({ configured, defaults: deploymentDefaults, resolved })).toEqual(expected);
  });

  it.each([
    ["[Request deployment] New Hub: {{ HUB NAME }}", "[Request deployment] New Hub: {name}"],
    ["New Hub: <Hub name>", "New Hub: {name}"],
    ["New hub request", "New hub request: {name}"],
    ["New hub -", "New hub - {name}"],
  ])("titleTemplateOf(%j) → %j", (title, expected) => {
    expect(titleTemplateOf(title)).toBe(expected);
  });
});

describe("renderReadinessComment: answers outside a dropdown's options", () => {
  it("names them, quoting what was typed as text (no mention, no HTML comment), and completes despite an optional one", () => {
    const notAnOption = (required: boolean) => [{ label: "Hub Authentication Type", answer: "<!-- @everyone Okta", options: ["GitHub", "Google"], required }];
    const blocking = renderReadinessComment({ missing: [], notAnOption: notAnOption(true), githubHandles: ["alice"], marker: "<!-- m -->" });
    expect(blocking).toContain("Still needed");
    expect(blocking).toContain('- [ ] Hub Authentication Type: "&lt;!-- @&#8203;everyone Okta" is not one of its options ("GitHub", "Google")');
    expect(blocking.match(/<!--/g)).toHaveLength(1);
    const optional = renderReadinessComment({ missing: [], notAnOption: notAnOption(false), githubHandles: ["alice"], marker: "<!-- m -->" });
    expect(optional).toContain("The deployment request is complete");
    expect(optional).toContain("optional, so it holds nothing back");
  });
});
