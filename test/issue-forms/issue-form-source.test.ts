import { beforeEach, describe, expect, it } from "vitest";
import { GitHubApiError } from "../../src/github/github-api-error.js";
import { BUILT_IN_DEPLOYMENT_FORM } from "../../src/issue-forms/built-in-forms.js";
import { IssueFormSource } from "../../src/issue-forms/issue-form-source.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";
import { RecordingGateway } from "../support/recording-gateway.js";
import { formFixture } from "../support/issue-form-fixtures.js";

const PUBLISHED = formFixture("2_new-hub-provide-info.yml");
const EARLIER = formFixture("2_new-hub-provide-info.16-fields.yml");
const HUB = { owner: "org", repo: "hub" };
const SALES = { owner: "org", repo: "sales" };
const FILE = "2_new-hub-provide-info.yml";
const KEY = `org/hub:.github/ISSUE_TEMPLATE/${FILE}`;

describe("IssueFormSource", () => {
  let gateway: RecordingGateway;
  let store: SqliteLeadStore;
  let warnings: string[];
  const source = () => new IssueFormSource({ gateway, store, salesRepo: SALES, log: { warn: (m) => warnings.push(m) } });
  const current = (s: IssueFormSource, file: string | undefined = FILE) => s.current({ hubRepo: HUB, kind: "deployment", file });
  const reports = () => gateway.issuesIn(SALES).filter((i) => i.marker?.kind === "issue-form");

  beforeEach(() => {
    gateway = new RecordingGateway();
    store = SqliteLeadStore.open(":memory:");
    warnings = [];
  });

  it("reads nothing when no file is named: the built-in copy", async () => {
    expect(await source().current({ hubRepo: HUB, kind: "deployment", file: undefined })).toEqual({ form: BUILT_IN_DEPLOYMENT_FORM, ref: null });
    expect(gateway.calls).toEqual([]);
  });

  it("reads the file by sha: a later read is a conditional request, a changed file is read afresh", async () => {
    gateway.files.set(KEY, EARLIER);
    const s = source();
    const first = await current(s);
    expect(first.form.fields).toHaveLength(16);
    expect(first.ref).toEqual({ file: FILE, sha: expect.stringMatching(/^[0-9a-f]{40}$/) });
    const again = await current(s);
    expect(again).toEqual(first);
    expect(gateway.callsOf("readRepoFile").map((c) => (c.args[2] as { etag: string | null }).etag)).toEqual([null, `"${first.ref!.sha}"`]);

    gateway.files.set(KEY, PUBLISHED);
    const changed = await current(s);
    expect(changed.form.fields).toHaveLength(17);
    expect(changed.ref!.sha).not.toBe(first.ref!.sha);
    expect(gateway.writes()).toEqual([]);
  });

  it("keeps each version read, so an issue is checked against the form it was opened with, by a later process too", async () => {
    gateway.files.set(KEY, EARLIER);
    const { ref } = await current(source());
    gateway.files.set(KEY, PUBLISHED);
    const later = source();
    expect((await later.openedWith(ref!))?.form.fields).toHaveLength(16);
    expect(await later.openedWith({ file: FILE, sha: "0".repeat(40) })).toBeNull();
  });

  it("falls back to the built-in copy on a broken or missing file and reports each once in the sales repo; the report closes when fixed", async () => {
    gateway.files.set(KEY, PUBLISHED.replace("      label: Hub logo image URL\n", ""));
    const s = source();
    expect(await current(s)).toEqual({ form: BUILT_IN_DEPLOYMENT_FORM, ref: null });
    expect(await current(source())).toEqual({ form: BUILT_IN_DEPLOYMENT_FORM, ref: null });
    expect(await current(source(), "nope.yml")).toEqual({ form: BUILT_IN_DEPLOYMENT_FORM, ref: null });
    await current(source(), "nope.yml");
    expect(reports().map((r) => r.title).sort()).toEqual([
      "hub-sales: issue form 2_new-hub-provide-info.yml cannot be used",
      "hub-sales: issue form nope.yml cannot be used",
    ]);
    expect(gateway.callsOf("createIssue")).toHaveLength(2);
    expect(gateway.callsOf("updateIssue")).toHaveLength(0);
    const [broken] = reports().filter((r) => r.title.includes(FILE));
    expect(broken!.body).toContain("`.github/ISSUE_TEMPLATE/2_new-hub-provide-info.yml` in org/hub (named by `issues.deployment.form`)");
    expect(broken!.body).toMatch(/- body\[\d+\]\.attributes\.label: is missing \(every field needs a label\)/);
    expect(gateway.issuesIn(HUB)).toEqual([]);

    gateway.files.set(KEY, PUBLISHED);
    expect((await current(s)).form.fields).toHaveLength(17);
    expect(reports().find((r) => r.title.includes(FILE))!.state).toBe("closed");
    expect(reports().find((r) => r.title.includes("nope"))!.state).toBe("open");
  });

  it("a report that cannot be written holds nothing back; an API failure reading the file is left to the queue's retries", async () => {
    gateway.failNext("listOwnedIssues", 1, new Error("boom"));
    expect(await current(source(), "nope.yml")).toEqual({ form: BUILT_IN_DEPLOYMENT_FORM, ref: null });
    expect(warnings.some((w) => w.includes("could not report"))).toBe(true);
    const error = new GitHubApiError({ message: "GitHub 502", status: 502, method: "GET", url: "/x", retryable: true });
    gateway.failNext("readRepoFile", 1, error);
    await expect(current(source())).rejects.toBe(error);
  });
});
