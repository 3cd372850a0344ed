import { describe, expect, it } from "vitest";
import {
  DEPLOYMENT_FORM_FIELDS,
  initialDeploymentSections,
  missingDeploymentFields,
} from "../../src/issue-forms/deployment-request-form.js";
import { NO_RESPONSE, parseFormSections, renderFormSections } from "../../src/issue-forms/issue-form-sections.js";

const REQUIRED = DEPLOYMENT_FORM_FIELDS.filter((f) => f.required).map((f) => f.label);
const HANDLE = "The GitHub handle of the community representative";
const DATES = "Hub important dates";
const CONTACTS = "Technical support contacts listed";
const AUTH = "Hub Authentication Type";

/** The sections of a freshly opened deployment request, as GitHub would give the body back. */
function opened(input: { handles?: string[]; start?: string | null } = {}): Map<string, string> {
  const sections = initialDeploymentSections({
    githubHandles: input.handles ?? [],
    serviceStartDate: input.start ?? null,
    requestInformationUrl: "https://github.com/org/hub/issues/10",
  });
  return parseFormSections(renderFormSections(sections));
}

/** Every required field answered. */
function complete(): Map<string, string> {
  const sections = opened({ handles: ["alice"], start: "2026-03-01" });
  for (const label of REQUIRED) {
    if (sections.get(label) === "pending") sections.set(label, `answer to ${label}`);
  }
  sections.set(CONTACTS, "- [x] Technical contact present");
  return sections;
}

describe("the deployment request form", () => {
  it("has the hub repo's fields, each once", () => {
    const labels = DEPLOYMENT_FORM_FIELDS.map((f) => f.label);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels).toContain(AUTH);
    expect(labels).toContain("Tasks to deploy the hub");
  });

  it("fills the representatives and the start date from the record, pending elsewhere", () => {
    const sections = opened({ handles: ["alice", "bob"], start: "2026-04-01" });
    expect(sections.get(HANDLE)).toBe("@alice, @bob");
    expect(sections.get(DATES)).toBe("- **Required start date**: 2026-04-01\n- **Any important dates for usage**: pending");
    expect(sections.get(AUTH)).toBe("pending");
    expect(sections.get("(Optional) Preferred cloud provider")).toBe(NO_RESPONSE);
    expect(sections.get("Other relevant information to the features above")).toContain("issues/10");
  });
});

describe("missingDeploymentFields", () => {
  it("lists every required field of a request opened with nothing known", () => {
    expect(missingDeploymentFields(opened())).toEqual(REQUIRED);
  });

  it("does not ask again for what the record filled in (handles; a start date counts for the dates)", () => {
    const missing = missingDeploymentFields(opened({ handles: ["alice"], start: "2026-03-01" }));
    expect(missing).not.toContain(HANDLE);
    expect(missing).not.toContain(DATES);
    expect(missing).toContain(AUTH);
    expect(missing).toContain(CONTACTS);
  });

  it("is empty for a complete form, and never lists optional fields", () => {
    expect(missingDeploymentFields(complete())).toEqual([]);
    const optional = DEPLOYMENT_FORM_FIELDS.filter((f) => !f.required).map((f) => f.label);
    for (const label of missingDeploymentFields(new Map())) expect(optional).not.toContain(label);
  });

  it.each<{ name: string; label: string; value: string | null; missing: boolean }>([
    { name: "pending", label: AUTH, value: "pending", missing: true },
    { name: "_No response_", label: AUTH, value: NO_RESPONSE, missing: true },
    { name: "empty", label: AUTH, value: "", missing: true },
    { name: "section deleted", label: AUTH, value: null, missing: true },
    { name: "an answer", label: AUTH, value: "GitHub OAuth", missing: false },
    { name: "unticked box", label: CONTACTS, value: "- [ ] Technical contact present", missing: true },
    { name: "ticked box", label: CONTACTS, value: "- [x] Technical contact present", missing: false },
    { name: "ticked box, capital X", label: CONTACTS, value: "- [X] Technical contact present", missing: false },
    { name: "ticked box with *", label: CONTACTS, value: "* [x] Technical contact present", missing: false },
    { name: "box section deleted", label: CONTACTS, value: null, missing: true },
    { name: "checkbox text without a box", label: CONTACTS, value: "x Technical contact present", missing: true },
    {
      name: "start date filled, usage dates pending",
      label: DATES,
      value: "- **Required start date**: 2026-03-01\n- **Any important dates for usage**: pending",
      missing: false,
    },
    {
      name: "both dates pending",
      label: DATES,
      value: "- **Required start date**: pending\n- **Any important dates for usage**: pending",
      missing: true,
    },
  ])("$name in $label → missing: $missing", ({ label, value, missing }) => {
    const sections = complete();
    if (value === null) sections.delete(label);
    else sections.set(label, value);
    expect(missingDeploymentFields(sections)).toEqual(missing ? [label] : []);
  });

  it("reads an edited issue body end to end", () => {
    const body = [
      '<!-- hub-sales {"lead":"lead-1","kind":"deployment"} -->',
      renderFormSections(
        DEPLOYMENT_FORM_FIELDS.map((f) => ({
          label: f.label,
          value: f.label === CONTACTS ? "- [x] Technical contact present" : f.required ? "done" : "",
        })),
      ),
    ].join("\n");
    expect(missingDeploymentFields(parseFormSections(body))).toEqual([]);
    expect(missingDeploymentFields(parseFormSections(body.replace(/### Hub Authentication Type\n\ndone/, "### Hub Authentication Type\n\npending")))).toEqual([AUTH]);
  });
});
