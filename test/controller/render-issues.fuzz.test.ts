import assert from "node:assert/strict";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/load-config.js";
import { renderDeploymentBody, renderRequestInformationBody } from "../../src/controller/render-hub-issues.js";
import { renderIssueTitle, renderLeadIssueBody } from "../../src/controller/render-lead-issue.js";
import { newLeadFields, type Hub, type Lead } from "../../src/domain/records.js";
import { parseIssueMarker } from "../../src/github/issue-marker.js";
import { GITHUB_BODY_MAX, GITHUB_TITLE_MAX, escapeMarkdown, plainTitle } from "../../src/github/markdown-text.js";
import { LEAD_STATUSES } from "../../src/pipeline/lead-status.js";

/*
 * For any record values, what the app writes to GitHub has no mention outside the fields
 * meant for them, no raw HTML, exactly one marker, no heading the template did not put
 * there, and stays within GitHub's limits.
 */

const RUNS = 10_000;
const TODAY = "2026-03-10";
const configResult = validateConfig({ hub_repo: "2i2c-org/infrastructure" });
if (!configResult.ok) throw new Error(configResult.problems.join("; "));
const config = configResult.config;

/** Pieces of Markdown and HTML that mean something to GitHub, mixed with any text. */
const hostilePiece = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(
    "@", "@rep", "@org/team", "@@x", "_@x", "-@x", "<!--", "-->", "<b>", "</b>", "<script>", "<img src=x>", "<sub>", "&", "&lt;", "&#64;",
    "#", "# ", "## H", "\n", "\r\n", "\r", "\u2028", "\u0085", "\u0000", "\t", "`", "```", "~~~", "*", "**", "_", "[", "](", ")", "![a](b)",
    "|", "~", "\\", ">", "> ", "!", "- ", "1. ", "===", "---", ":tada:", "https://x.org/@a", "a@b.org", "é", "東京", "🚀", "\u200b", " ",
  ) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 4 }) },
);
const hostileText = (maxLength: number) => fc.array(hostilePiece, { maxLength }).map((pieces) => pieces.join(""));
/** A long note, cheap to make: hostile pieces repeated past the lead issue's cut. */
const longText = fc.tuple(hostileText(6), fc.integer({ min: 1_000, max: 3_000 })).map(([piece, length]) => (piece || "n").repeat(length).slice(0, length));
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const handleArb = fc.stringMatching(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,10}[A-Za-z0-9])?$/);

const leadArb: fc.Arbitrary<Lead> = fc
  .record({
    name: fc.oneof({ weight: 9, arbitrary: hostileText(12) }, { weight: 1, arbitrary: hostileText(80) }).filter((n) => n.trim() !== ""),
    status: fc.constantFrom(...LEAD_STATUSES),
    githubHandles: fc.uniqueArray(handleArb, { maxLength: 3, comparator: (a, b) => a.toLowerCase() === b.toLowerCase() }),
    contactEmail: nullable(hostileText(4)),
    serviceTier: nullable(hostileText(3)),
    agreement: nullable(hostileText(10)),
    contract: nullable(hostileText(4)),
    notes: fc.array(nullable(fc.oneof({ weight: 9, arbitrary: hostileText(10) }, { weight: 1, arbitrary: longText })), {
      minLength: 7,
      maxLength: 7,
    }),
  })
  .map((r) => ({
    id: "rec0000000000001",
    ...newLeadFields(r.name, r.status, {
      githubHandles: r.githubHandles,
      contactEmail: r.contactEmail,
      serviceTier: r.serviceTier,
      agreement: r.agreement,
      contract: r.contract,
      serviceStartDate: "2026-01-01",
      maniacT: {
        money: r.notes[0]!,
        authority: r.notes[1]!,
        need: r.notes[2]!,
        impendingEvent: r.notes[3]!,
        application: r.notes[4]!,
        competition: r.notes[5]!,
        timeline: r.notes[6]!,
      },
    }),
  }));
/** The hub-repo bodies take only the name and the handles. */
const hubLeadArb: fc.Arbitrary<Lead> = fc
  .record({
    name: fc.oneof({ weight: 9, arbitrary: hostileText(12) }, { weight: 1, arbitrary: hostileText(80) }).filter((n) => n.trim() !== ""),
    githubHandles: fc.uniqueArray(handleArb, { maxLength: 3, comparator: (a, b) => a.toLowerCase() === b.toLowerCase() }),
  })
  .map((r) => ({ id: "rec0000000000001", ...newLeadFields(r.name, "Needs Admin", { githubHandles: r.githubHandles, serviceStartDate: "2026-01-01" }) }));

const hubsArb = (leadId: string): fc.Arbitrary<Hub[]> =>
  fc.array(
    fc.record({ hub: hostileText(4).filter((h) => h !== ""), url: nullable(hostileText(3)) }).map((h, ) => ({
      id: "hub1",
      hub: h.hub,
      communityLeadId: leadId,
      url: h.url,
      deploymentIssue: null,
      liveSince: "2026-02-01",
      cloudProject: null,
    })),
    { maxLength: 2 },
  ) as fc.Arbitrary<Hub[]>;

/** `@name`/`@org/team` where GitHub links a mention: not after a letter or digit. */
function mentions(text: string): string[] {
  return [...text.matchAll(/(?:^|[^A-Za-z0-9])@([A-Za-z0-9_][A-Za-z0-9_-]*(?:\/[A-Za-z0-9_.-]+)?)/g)].map((m) => m[1]!.toLowerCase());
}

/** The same lead with every text value replaced by a plain word: the template's own structure. */
function neutral(lead: Lead, hubs: Hub[]): { lead: Lead; hubs: Hub[] } {
  // Emptiness is kept: an empty tier renders (and guards) like a missing one.
  const word = (v: string | null) => (v === null || v.trim() === "" ? v : "x");
  const notes = Object.fromEntries(Object.entries(lead.maniacT).map(([k, v]) => [k, word(v)])) as unknown as Lead["maniacT"];
  return {
    lead: { ...lead, name: word(lead.name)!, contactEmail: word(lead.contactEmail), serviceTier: word(lead.serviceTier), agreement: word(lead.agreement), contract: word(lead.contract), maniacT: notes },
    hubs: hubs.map((h) => ({ ...h, hub: "x", url: word(h.url) })),
  };
}

const headings = (body: string) => body.split("\n").filter((line) => /^ {0,3}#{1,6}(?:[ \t]|$)/.test(line));

/** Plain asserts: `expect` costs more than the render, and these run 10,000 times. */
function checkBody(body: string, template: string, handles: readonly string[], kind: string): void {
  assert.ok([...body].length <= GITHUB_BODY_MAX, "over GitHub's body limit");
  // Exactly one HTML comment, the marker, first; it names the lead and kind.
  assert.equal(body.match(/<!--/g)?.length, 1, "one HTML comment: the marker");
  assert.deepEqual(parseIssueMarker(body), { lead: "rec0000000000001", kind });
  // No raw HTML but the template's own (its `<sub>` footer, `<tier>` in code spans, the form's `<link to PR>`).
  const angles = (text: string) => text.replace(/^<!-- hub-sales [^\n]*? -->/, "").match(/<[A-Za-z/!?][^\s]*/g) ?? [];
  assert.deepEqual(angles(body), angles(template), "no HTML from the values");
  // Mentions only of the representatives.
  const allowed = new Set(handles.map((h) => h.toLowerCase()));
  for (const m of mentions(body)) assert.ok(allowed.has(m), `mention @${m}`);
  // Values add no heading and no line: the template's headings and line count are kept.
  assert.deepEqual(headings(body), headings(template), "headings of the template only");
  assert.equal(body.split("\n").length, template.split("\n").length, "values add no line");
}

// 10,000 runs each: generous time on a busy CI machine; a run takes a few seconds here.
describe("renderers, for any record values", { timeout: 120_000 }, () => {
  it("the lead issue body: one marker, no HTML, mentions only of the representatives, template headings, within 65,536", () => {
    fc.assert(
      fc.property(leadArb.chain((lead) => fc.tuple(fc.constant(lead), hubsArb(lead.id))), ([lead, hubs]) => {
        const body = renderLeadIssueBody({ lead, hubs, today: TODAY, config });
        const template = neutral(lead, hubs);
        checkBody(body, renderLeadIssueBody({ ...template, today: TODAY, config }), lead.githubHandles, "lead");
      }),
      { numRuns: RUNS },
    );
  });

  it("the hub-repo bodies (request information, deployment): the same, and the representatives are pinged", () => {
    fc.assert(
      fc.property(hubLeadArb, (lead) => {
        const ri = renderRequestInformationBody({ lead });
        checkBody(ri, renderRequestInformationBody({ lead: neutral(lead, []).lead }), lead.githubHandles, "request-information");
        for (const handle of lead.githubHandles) assert.ok(ri.includes(`@${handle}`), `@${handle} is pinged`);
        const deployment = renderDeploymentBody({ lead, requestInformationUrl: "https://github.com/2i2c-org/infrastructure/issues/7" });
        checkBody(deployment, renderDeploymentBody({ lead: neutral(lead, []).lead, requestInformationUrl: "https://github.com/2i2c-org/infrastructure/issues/7" }), lead.githubHandles, "deployment");
      }),
      { numRuns: RUNS },
    );
  });

  it("titles: one line, at most 256 characters, cut with an ellipsis only when too long", () => {
    fc.assert(
      fc.property(fc.oneof(hostileText(12), fc.string({ minLength: 200, maxLength: 600 })), fc.constantFrom(config.issues.lead.title, config.issues.deployment.title), (name, template) => {
        const title = renderIssueTitle(template, name);
        expect(title).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
        expect([...title].length).toBeLessThanOrEqual(GITHUB_TITLE_MAX);
        const whole = plainTitle(template.replaceAll("{name}", name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ")));
        if ([...whole].length < GITHUB_TITLE_MAX) expect(title.endsWith("…") && !whole.endsWith("…")).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("escapeMarkdown", () => {
  it.each([
    ["Data Lab @org/team", "Data Lab @&#8203;org/team"],
    ["a <!-- b", "a &lt;!-- b"],
    ["line one\n# Heading", "line one \\# Heading"],
    ["<b>x</b> & y", "&lt;b&gt;x&lt;/b&gt; &amp; y"],
    ["pi@university.example", "pi@university.example"],
    ["*bold* _it_ `code` [l](u) a|b ~s~", "\\*bold\\* \\_it\\_ \\`code\\` \\[l\\](u) a\\|b \\~s\\~"],
  ])("%j → %j", (input, expected) => {
    expect(escapeMarkdown(input)).toBe(expected);
  });
});
