import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newLeadFields } from "../../src/domain/records.js";
import { parseFormSections } from "../../src/issue-forms/issue-form-sections.js";
import { HUB_REPO, SALES_REPO, SANDBOX_CONFIG, startSandboxWorld, type SandboxWorld } from "../support/sandbox-world.js";
import { formFixture, validForm } from "../support/issue-form-fixtures.js";

const PUBLISHED = formFixture("2_new-hub-provide-info.yml");
const EARLIER = formFixture("2_new-hub-provide-info.16-fields.yml");
const FILE = "2_new-hub-provide-info.yml";
const PATH = `.github/ISSUE_TEMPLATE/${FILE}`;
const CONTACTS = "Technical support contacts listed";

const labelsOf = (text: string) => validForm(text).fields.map((f) => f.label);

describe("the hub repo's issue forms, end to end through the stand-in", () => {
  let world: SandboxWorld;
  let leads = 0;

  async function start(formKeys: string): Promise<void> {
    world = await startSandboxWorld({ config: `${SANDBOX_CONFIG}${formKeys}` });
  }

  /** A lead in Needs Admin whose request-information issue is closed as completed: its deployment request. */
  async function deploymentRequest(): Promise<{ leadId: string; number: number; body: string; readiness: string }> {
    const { store, server, github } = world;
    const lead = await store.createLead(
      newLeadFields(`Community ${++leads}`, "Needs Admin", {
        githubHandles: ["rep-one"],
        serviceTier: "Research",
        agreement: "email",
        serviceStartDate: "2030-01-15",
      }),
    );
    await server.runtime.enqueue(lead.id, "test");
    await world.settle();
    const ri = github.issues(HUB_REPO).find((i) => i.body?.includes(`"lead":"${lead.id}","kind":"request-information"`))!;
    github.as("alice").close({ repo: HUB_REPO, number: ri.number, reason: "completed" });
    await world.settle();
    const deployment = github.issues(HUB_REPO).find((i) => i.body?.includes(`"lead":"${lead.id}","kind":"deployment"`))!;
    return { leadId: lead.id, number: deployment.number, body: deployment.body ?? "", readiness: readinessOf(deployment.number) };
  }

  function readinessOf(number: number): string {
    const comments = world.github.issue(HUB_REPO, number)!.comments.filter((c) => c.body.includes('"comment":"readiness"'));
    expect(comments).toHaveLength(1);
    return comments[0]!.body;
  }

  const formReports = () => world.github.issues(SALES_REPO).filter((i) => i.body?.includes('"kind":"issue-form"'));

  beforeEach(() => {
    leads = 0;
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  afterEach(async () => {
    await world?.close();
    nock.enableNetConnect();
  });

  it("opens a deployment request with the default configuration with all 17 sections of the last published form", async () => {
    await start("");
    const { body, readiness } = await deploymentRequest();
    expect([...parseFormSections(body).keys()]).toEqual(labelsOf(PUBLISHED));
    expect(labelsOf(PUBLISHED)).toHaveLength(17);
    expect(readiness).toContain(`- [ ] ${CONTACTS}`);
    // No form file named: none is read.
    expect(world.github.countRequests({ path: /\/contents\/\.github\/ISSUE_TEMPLATE/ })).toBe(0);
  });

  it("renders from the hub repo's form file; a required field added shows in the next request and its readiness comment", async () => {
    await start(`issues:\n  deployment:\n    form: ${FILE}\n`);
    world.github.setFile({ repo: HUB_REPO, path: PATH, text: EARLIER });

    const first = await deploymentRequest();
    expect([...parseFormSections(first.body).keys()]).toEqual(labelsOf(EARLIER));
    expect(first.body).not.toContain(CONTACTS);
    expect(first.readiness).not.toContain(CONTACTS);
    expect(first.readiness).toContain("- [ ] Hub Authentication Type");
    // Partial keys keep the defaults; the form names the same title and labels.
    const issue = world.github.issue(HUB_REPO, first.number)!;
    expect(issue.title).toBe("[Request deployment] New Hub: Community 1");
    expect(issue.labels).toEqual(["new hub"]);

    // The file is unchanged: later reads are conditional requests answered 304.
    const reads = () => world.github.requests.filter((r) => r.path.endsWith(PATH));
    await deploymentRequest();
    expect(reads().map((r) => r.status)).toEqual([200, 304]);

    world.github.setFile({ repo: HUB_REPO, path: PATH, text: PUBLISHED });
    const next = await deploymentRequest();
    expect([...parseFormSections(next.body).keys()]).toEqual(labelsOf(PUBLISHED));
    expect(next.readiness).toContain(`- [ ] ${CONTACTS}`);

    // The first request is still checked against the form it was opened with.
    const answered = first.body.replace("### Hub Authentication Type\n\npending", "### Hub Authentication Type\n\nGoogle");
    world.github.as("carol").editIssue({ repo: HUB_REPO, number: first.number, body: answered });
    await world.settle();
    const again = readinessOf(first.number);
    expect(again).not.toContain("Hub Authentication Type");
    expect(again).not.toContain(CONTACTS);
    expect(formReports()).toEqual([]);
  });

  it("names a dropdown answer that is not one of the form's options", async () => {
    await start(`issues:\n  deployment:\n    form: ${FILE}\n`);
    world.github.setFile({ repo: HUB_REPO, path: PATH, text: PUBLISHED });
    const request = await deploymentRequest();
    const edited = request.body.replace("### Hub Authentication Type\n\npending", "### Hub Authentication Type\n\nOkta");
    world.github.as("carol").editIssue({ repo: HUB_REPO, number: request.number, body: edited });
    await world.settle();
    expect(readinessOf(request.number)).toContain('- [ ] Hub Authentication Type: "Okta" is not one of its options');
  });

  it("falls back to the built-in copy on a broken file, reports it once in the sales repo, and closes the report once fixed", async () => {
    await start(`issues:\n  deployment:\n    form: ${FILE}\n  request_information:\n    form: missing-form.yml\n`);
    const broken = PUBLISHED.replace("      label: Hub logo image URL\n", "");
    world.github.setFile({ repo: HUB_REPO, path: PATH, text: broken });

    const request = await deploymentRequest();
    expect([...parseFormSections(request.body).keys()]).toEqual(labelsOf(PUBLISHED));
    await deploymentRequest();
    const reports = formReports();
    expect(reports.map((r) => r.title).sort()).toEqual([
      "hub-sales: issue form 2_new-hub-provide-info.yml cannot be used",
      "hub-sales: issue form missing-form.yml cannot be used",
    ]);
    const deploymentReport = reports.find((r) => r.title.includes(FILE))!;
    expect(deploymentReport.body).toContain(`\`${PATH}\` in ${HUB_REPO}`);
    expect(deploymentReport.body).toMatch(/body\[\d+\]\.attributes\.label: is missing/);
    expect(reports.find((r) => r.title.includes("missing-form"))!.body).toContain("does not exist");
    // Never in the public hub repo.
    for (const issue of world.github.issues(HUB_REPO)) {
      expect(issue.body).not.toContain("cannot be used");
      expect(issue.comments.map((c) => c.body).join("\n")).not.toContain("is missing");
    }
    // Reported once: the second request wrote nothing to the report.
    expect(world.github.requests.filter((r) => r.method === "PATCH" && r.path.startsWith(`/repos/${SALES_REPO}/issues/${deploymentReport.number}`))).toEqual([]);

    world.github.setFile({ repo: HUB_REPO, path: PATH, text: PUBLISHED });
    await deploymentRequest();
    expect(world.github.issue(SALES_REPO, deploymentReport.number)!.state).toBe("closed");
    expect(formReports().filter((r) => r.state === "open").map((r) => r.title)).toEqual(["hub-sales: issue form missing-form.yml cannot be used"]);
  });
});
