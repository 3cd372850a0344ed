import { describe, expect, it } from "vitest";
import { BUILT_IN_DEPLOYMENT_FORM } from "../../src/issue-forms/built-in-forms.js";
import { checkFormReadiness } from "../../src/issue-forms/form-readiness.js";
import { NO_RESPONSE, parseFormSections, renderFormSections } from "../../src/issue-forms/issue-form-sections.js";
import { recordAnswers } from "../../src/issue-forms/record-answers.js";
import { renderIssueForm } from "../../src/issue-forms/render-issue-form.js";
import { completeFormSections } from "../support/complete-form.js";
import { formFixture, validForm } from "../support/issue-form-fixtures.js";


/** A small form with one field of each kind, required and optional. */
const FORM = validForm(`
name: Readiness
body:
  - type: markdown
    attributes: {value: "# Intro"}
  - type: input
    attributes: {label: Name}
    validations: {required: true}
  - type: textarea
    attributes: {label: Notes}
  - type: dropdown
    attributes:
      label: Auth
      options: ["GitHub (e.g., @handle)", "Google (e.g., me@gmail.org, or a Google-backed domain)", pending]
    validations: {required: true}
  - type: dropdown
    attributes: {label: Cloud, options: [GCP, AWS]}
  - type: dropdown
    attributes:
      label: Features
      multiple: true
      options: ["Dask, with a gateway", GPUs]
  - type: checkboxes
    attributes: {label: Contacts, options: [{label: Contact present}, {label: Second contact}]}
    validations: {required: true}
  - type: checkboxes
    attributes: {label: Agreement, options: [{label: I agree, required: true}, {label: Send me news}]}
  - type: checkboxes
    attributes: {label: Tasks, options: [{label: Deploy}]}
`);

const COMPLETE: Record<string, string> = {
  Name: "Lab",
  Auth: "GitHub (e.g., @handle)",
  Contacts: "- [X] Contact present\n- [ ] Second contact",
  Agreement: "- [x] I agree\n- [ ] Send me news",
};

function check(overrides: Record<string, string | null>) {
  const sections = new Map(completeFormSections(FORM, COMPLETE).map((s) => [s.label, s.value === "" ? NO_RESPONSE : s.value]));
  for (const [label, value] of Object.entries(overrides)) {
    if (value === null) sections.delete(label);
    else sections.set(label, value);
  }
  return checkFormReadiness(FORM, sections);
}

describe("checkFormReadiness", () => {
  it("a form answered where required is complete; optional fields are never awaited", () => {
    expect(check({})).toEqual({ missing: [], notAnOption: [], complete: true });
    expect(check({ Notes: NO_RESPONSE, Cloud: "", Tasks: null })).toEqual({ missing: [], notAnOption: [], complete: true });
  });

  it("lists every required field of a form rendered with nothing known, in the form's order", () => {
    const sections = parseFormSections(renderIssueForm(FORM, () => null));
    expect(checkFormReadiness(FORM, sections).missing).toEqual(["Name", "Auth", "Contacts", "Agreement"]);
  });

  it.each<{ name: string; overrides: Record<string, string | null>; missing: string[] }>([
    { name: "required input pending", overrides: { Name: "pending" }, missing: ["Name"] },
    { name: "required input _No response_", overrides: { Name: NO_RESPONSE }, missing: ["Name"] },
    { name: "required input empty", overrides: { Name: "" }, missing: ["Name"] },
    { name: "required input's section deleted", overrides: { Name: null }, missing: ["Name"] },
    { name: "required dropdown left at its pending option", overrides: { Auth: "pending" }, missing: ["Auth"] },
    { name: "required dropdown not chosen", overrides: { Auth: NO_RESPONSE }, missing: ["Auth"] },
    { name: "required checkboxes none ticked", overrides: { Contacts: "- [ ] Contact present\n- [ ] Second contact" }, missing: ["Contacts"] },
    { name: "required checkboxes: any one ticked will do", overrides: { Contacts: "- [ ] Contact present\n- [x] Second contact" }, missing: [] },
    { name: "required checkboxes' section deleted", overrides: { Contacts: null }, missing: ["Contacts"] },
    { name: "a required option unticked", overrides: { Agreement: "- [ ] I agree\n- [x] Send me news" }, missing: ["Agreement"] },
    { name: "a required option ticked with *", overrides: { Agreement: "* [x] I agree" }, missing: [] },
    { name: "optional checkboxes unticked", overrides: { Tasks: "- [ ] Deploy" }, missing: [] },
    { name: "optional textarea pending", overrides: { Notes: "pending" }, missing: [] },
  ])("$name → missing $missing", ({ overrides, missing }) => {
    expect(check(overrides).missing).toEqual(missing);
  });

  it.each<{ name: string; label: string; answer: string; valid: boolean }>([
    { name: "an option", label: "Auth", answer: "GitHub (e.g., @handle)", valid: true },
    { name: "an option with commas in it", label: "Auth", answer: "Google (e.g., me@gmail.org, or a Google-backed domain)", valid: true },
    { name: "case and spacing forgiven", label: "Auth", answer: "  github   (e.g., @handle) ", valid: true },
    { name: "an option's short name", label: "Auth", answer: "Google", valid: true },
    { name: "not an option", label: "Auth", answer: "Okta", valid: false },
    { name: "optional, not an option", label: "Cloud", answer: "Azure", valid: false },
    { name: "several choices", label: "Features", answer: "Dask, with a gateway, GPUs", valid: true },
    { name: "several choices, one unknown", label: "Features", answer: "GPUs, TPUs", valid: false },
  ])("dropdown $label: $name", ({ label, answer, valid }) => {
    const result = check({ [label]: answer });
    const field = FORM.fields.find((f) => f.label === label)!;
    expect(result.notAnOption).toEqual(valid ? [] : [{ label, answer: answer.trim(), options: (field as { options: string[] }).options, required: field.required }]);
    // A wrong answer holds the request back only where the field is required.
    expect(result.complete).toBe(valid || !field.required);
    expect(result.missing).toEqual([]);
  });

  it("finds an old issue's section under a configured alias", () => {
    const old = new Map(completeFormSections(FORM, COMPLETE).map((s) => [s.label === "Name" ? "Community name" : s.label, s.value || NO_RESPONSE]));
    expect(checkFormReadiness(FORM, old).missing).toEqual(["Name"]);
    expect(checkFormReadiness(FORM, old, { Name: ["Community name"] }).missing).toEqual([]);
    expect(checkFormReadiness(FORM, old, { "community name": ["NAME"] }).missing).toEqual([]);
  });

  it("on the published deployment form: what the record fills is not asked again", () => {
    const answers = recordAnswers("deployment", {
      leadName: "Lab",
      githubHandles: ["alice"],
      serviceStartDate: "2030-03-01",
      requestInformationUrl: null,
    });
    const published = validForm(formFixture("2_new-hub-provide-info.yml"));
    const { missing } = checkFormReadiness(published, parseFormSections(renderIssueForm(published, answers)));
    expect(missing).toEqual([
      "Technical support contacts listed",
      "Hub Authentication Type",
      "First Hub Administrators",
      "Hub logo image URL",
      "Hub logo website URL",
      "Hub user image tag and name",
    ]);
    const complete = renderFormSections(completeFormSections(BUILT_IN_DEPLOYMENT_FORM));
    expect(checkFormReadiness(published, parseFormSections(complete)).complete).toBe(true);
  });
});
