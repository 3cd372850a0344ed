import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  isUnanswered,
  NO_RESPONSE,
  parseFormSections,
  renderFormSections,
  type FormSection,
} from "../../src/issue-forms/issue-form-sections.js";

describe("renderFormSections / parseFormSections", () => {
  it("renders the issue-form layout GitHub produces", () => {
    expect(
      renderFormSections([
        { label: "Hub Description", value: "A hub for **Lab**\n" },
        { label: "Preferred cloud provider", value: "  " },
      ]),
    ).toBe(`### Hub Description\n\nA hub for **Lab**\n\n### Preferred cloud provider\n\n${NO_RESPONSE}`);
  });

  it("reads back what it renders (empty answers as _No response_)", () => {
    const sections: FormSection[] = [
      { label: "The GitHub handle of the community representative", value: "@alice, @bob" },
      { label: "Hub important dates", value: "- **Required start date**: 2026-03-01\n- **Any important dates for usage**: pending" },
      { label: "Technical support contacts listed", value: "- [x] Technical contact present" },
      { label: "(Optional) Preferred cloud provider", value: "" },
      { label: "Other relevant information", value: "Line one\n\nLine three" },
    ];
    const parsed = parseFormSections(renderFormSections(sections));
    expect([...parsed.entries()]).toEqual(sections.map((s) => [s.label, s.value === "" ? NO_RESPONSE : s.value]));
  });

  it("round-trips any labels and single-paragraph answers", () => {
    const label = fc.stringMatching(/^[A-Za-z(][A-Za-z0-9 ()'.,-]{0,30}[A-Za-z0-9).]$/);
    const value = fc.stringMatching(/^[A-Za-z0-9@ .,:*_-]{0,40}$/).map((v) => v.trim());
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ label, value }), { selector: (s) => s.label, maxLength: 8 }), (sections) => {
        const parsed = parseFormSections(renderFormSections(sections));
        expect([...parsed.entries()]).toEqual(sections.map((s) => [s.label, s.value === "" ? NO_RESPONSE : s.value]));
      }),
    );
  });

  it("ignores text before the first heading (the hidden marker) and reads CRLF bodies", () => {
    const body = '<!-- hub-sales {"lead":"lead-1","kind":"deployment"} -->\r\nintro\r\n### A\r\n\r\none\r\n### B\r\ntwo\r\n';
    expect([...parseFormSections(body).entries()]).toEqual([
      ["A", "one"],
      ["B", "two"],
    ]);
  });

  it("keeps a ### line inside fenced code as part of the answer", () => {
    const body = [
      "### Other relevant information",
      "",
      "Our config:",
      "```yaml",
      "### not a heading",
      "key: value",
      "```",
      "after the code",
      "### Next",
      "x",
    ].join("\n");
    const parsed = parseFormSections(body);
    expect([...parsed.keys()]).toEqual(["Other relevant information", "Next"]);
    expect(parsed.get("Other relevant information")).toBe("Our config:\n```yaml\n### not a heading\nkey: value\n```\nafter the code");
  });

  it("closes a fence only with the same character and at least the same length", () => {
    const body = ["### A", "````", "```", "### inside", "~~~", "### still inside", "````", "### B", "b"].join("\n");
    const parsed = parseFormSections(body);
    expect([...parsed.keys()]).toEqual(["A", "B"]);
    expect(parsed.get("A")).toContain("### still inside");
    const tilde = parseFormSections(["### A", "~~~", "### in", "~~~", "### B", "b"].join("\n"));
    expect([...tilde.keys()]).toEqual(["A", "B"]);
  });

  it("takes the later of two sections with the same label, and trailing #s off a heading", () => {
    const parsed = parseFormSections("### A ###\nfirst\n### A\nsecond\n#### Not a section\nmore");
    expect([...parsed.entries()]).toEqual([["A", "second\n#### Not a section\nmore"]]);
  });

  it("reads nothing from a body without headings", () => {
    expect(parseFormSections("just text\n## H2\n")).toEqual(new Map());
    expect(parseFormSections("")).toEqual(new Map());
  });
});

describe("isUnanswered", () => {
  it.each<[string | undefined, boolean]>([
    [undefined, true],
    ["", true],
    ["   \n  ", true],
    [NO_RESPONSE, true],
    ["pending", true],
    ["Pending", true],
    ["_pending_", true],
    ["TBD", true],
    ["n/a", true],
    ["<!-- describe the hub here -->", true],
    ["<!-- hint -->\npending", true],
    ["- **Required start date**: pending", true],
    ["- **Required start date**: ", true],
    // Every line still says nothing: both dates left pending.
    ["- **Required start date**: pending\n- **Any important dates for usage**: pending", true],
    ["pending\n_No response_", true],
    // Something real was written.
    ["GitHub", false],
    ["pending review by the dean", false],
    ["- **Required start date**: 2026-03-01\n- **Any important dates for usage**: pending", false],
    ["@alice, @bob", false],
    ["<!-- hint -->\nGitHub orgs", false],
  ])("%j → %s", (value, expected) => {
    expect(isUnanswered(value)).toBe(expected);
  });
});
