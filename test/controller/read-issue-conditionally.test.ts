import { generateKeyPairSync } from "node:crypto";
import { Octokit } from "@octokit/rest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { issueEtagKey, readIssueConditionally } from "../../src/controller/read-issue-conditionally.js";
import { OctokitGitHubGateway } from "../../src/github/octokit-github-gateway.js";
import { startGitHubStandIn, type GitHubStandIn } from "../../src/sandbox/github-stand-in/github-stand-in.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";

const PRIVATE_KEY = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const SALES = { owner: "example-org", repo: "sales" };

let standIn: GitHubStandIn;
let store: SqliteLeadStore;
let gateway: OctokitGitHubGateway;

beforeEach(async () => {
  standIn = await startGitHubStandIn({
    app: { privateKey: PRIVATE_KEY },
    orgs: [{ login: "example-org" }],
    users: ["alice"],
    repos: [{ fullName: "example-org/sales", private: true, permissions: { alice: "admin" } }],
  });
  store = SqliteLeadStore.open(":memory:");
  const octokit = new Octokit({ log: quiet, baseUrl: standIn.apiUrl, auth: standIn.installationToken("example-org") });
  gateway = new OctokitGitHubGateway({ octokit, appLogin: standIn.app.botLogin });
});
afterEach(async () => {
  await store.close();
  await standIn.close();
});

const statuses = (number: number) =>
  standIn.requests.filter((r) => r.path === `/repos/example-org/sales/issues/${number}`).map((r) => r.status);

describe("readIssueConditionally", () => {
  it("reads once, then answers from the stored copy on 304, and reads again when the issue changed", async () => {
    const opened = standIn.as("alice").openIssue({ repo: "example-org/sales", title: "Lead: Example", labels: ["hub-sales"] });
    const first = await readIssueConditionally({ store, gateway }, SALES, opened.number);
    expect(first).toMatchObject({ number: opened.number, title: "Lead: Example", labels: ["hub-sales"] });
    expect(await store.getState(issueEtagKey(SALES, opened.number))).toMatchObject({ etag: expect.stringMatching(/^W\//) });

    const second = await readIssueConditionally({ store, gateway }, SALES, opened.number);
    expect(second).toEqual(first);
    expect(statuses(opened.number)).toEqual([200, 304]);

    standIn.as("alice").close({ repo: "example-org/sales", number: opened.number, reason: "not_planned" });
    const third = await readIssueConditionally({ store, gateway }, SALES, opened.number);
    expect(third).toMatchObject({ state: "closed", stateReason: "not_planned" });
    expect(statuses(opened.number)).toEqual([200, 304, 200]);
  });

  it("reads unconditionally when the stored copy is unreadable, and forgets it when the issue is gone", async () => {
    const opened = standIn.as("alice").openIssue({ repo: "example-org/sales", title: "Lead: Other" });
    await store.setState(issueEtagKey(SALES, opened.number), { etag: 'W/"x"', issue: { title: 1 } });
    expect((await readIssueConditionally({ store, gateway }, SALES, opened.number))?.title).toBe("Lead: Other");
    expect(statuses(opened.number)).toEqual([200]);

    await store.setState(issueEtagKey(SALES, 99), { etag: 'W/"x"', issue: (await gateway.getIssue(SALES, opened.number))! });
    expect(await readIssueConditionally({ store, gateway }, SALES, 99)).toBeNull();
    expect(await store.getState(issueEtagKey(SALES, 99))).toBeNull();
  });
});
