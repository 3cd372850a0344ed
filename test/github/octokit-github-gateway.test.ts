import { Octokit } from "@octokit/rest";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GitHubApiError } from "../../src/github/github-api-error.js";
import type { BacklogBoard } from "../../src/github/github-gateway.js";
import { renderCommentMarker, renderIssueMarker } from "../../src/github/issue-marker.js";
import { OctokitGitHubGateway } from "../../src/github/octokit-github-gateway.js";

const API = "https://api.github.com";
const BOT = "hub-sales-bot[bot]";
const sales = { owner: "2i2c-org", repo: "sales" };
const SALES_PATH = "/repos/2i2c-org/sales";

// --- response fixtures, shaped like GitHub's (trimmed, plus a few fields we ignore) -------

function issueJson(over: { number: number; body?: string | null; user?: string | null } & Record<string, unknown>) {
  const { number, user = BOT, ...rest } = over;
  return {
    url: `${API}${SALES_PATH}/issues/${number}`,
    id: 5000 + number,
    node_id: `I_kw${number}`,
    number,
    html_url: `https://github.com/2i2c-org/sales/issues/${number}`,
    title: `Issue ${number}`,
    body: "",
    state: "open",
    state_reason: null,
    labels: [{ id: 1, name: "hub-sales", color: "ededed" }],
    user: user === null ? null : { login: user, id: 1, type: user.endsWith("[bot]") ? "Bot" : "User" },
    comments: 0,
    ...rest,
  };
}

function markedBody(lead: string, kind: "lead" | "request-information" | "deployment" | "invoice") {
  return `Status: Active Lead\n\n${renderIssueMarker({ lead, kind })}`;
}

function commentJson(id: number, body: string, user = BOT) {
  return { id, node_id: `IC_${id}`, html_url: `https://github.com/2i2c-org/sales/issues/1#issuecomment-${id}`, body, user: { login: user } };
}

// --- mocks named after the endpoint they stand in for --------------------------------------

function mockListRepoIssues(query: Record<string, string>, pages: unknown[][]) {
  const scope = nock(API);
  pages.forEach((page, index) => {
    const pageQuery = index === 0 ? query : { ...query, page: String(index + 1) };
    const headers: Record<string, string> = {};
    if (index < pages.length - 1) {
      const next = new URLSearchParams({ ...query, page: String(index + 2) });
      const last = new URLSearchParams({ ...query, page: String(pages.length) });
      headers.link = `<${API}${SALES_PATH}/issues?${next}>; rel="next", <${API}${SALES_PATH}/issues?${last}>; rel="last"`;
    }
    scope.get(`${SALES_PATH}/issues`).query(pageQuery).reply(200, page, headers);
  });
  return scope;
}

function mockGetIssue(number: number, status: number, body: unknown) {
  return nock(API).get(`${SALES_PATH}/issues/${number}`).reply(status, body as nock.Body);
}

function mockCreateIssue(expected: Record<string, unknown>, reply: unknown) {
  return nock(API).post(`${SALES_PATH}/issues`, expected as nock.RequestBodyMatcher).reply(201, reply as nock.Body);
}

function mockUpdateIssue(number: number, expected: Record<string, unknown>, reply: unknown) {
  return nock(API).patch(`${SALES_PATH}/issues/${number}`, expected as nock.RequestBodyMatcher).reply(200, reply as nock.Body);
}

function mockAddLabels(number: number, labels: string[]) {
  return nock(API).post(`${SALES_PATH}/issues/${number}/labels`, { labels }).reply(200, labels.map((name) => ({ name })));
}

function mockRemoveLabel(number: number, encodedLabel: string, status: number) {
  return nock(API)
    .delete(`${SALES_PATH}/issues/${number}/labels/${encodedLabel}`)
    .reply(status, status === 200 ? [] : { message: status === 404 ? "Label does not exist" : "Server Error" });
}

function mockListComments(number: number, pages: unknown[][]) {
  const scope = nock(API);
  pages.forEach((page, index) => {
    const headers: Record<string, string> = {};
    if (index < pages.length - 1) {
      headers.link = `<${API}${SALES_PATH}/issues/${number}/comments?per_page=100&page=${index + 2}>; rel="next"`;
    }
    scope
      .get(`${SALES_PATH}/issues/${number}/comments`)
      .query(index === 0 ? { per_page: "100" } : { per_page: "100", page: String(index + 1) })
      .reply(200, page, headers);
  });
  return scope;
}

function mockCreateComment(number: number, body: string, reply: unknown) {
  return nock(API).post(`${SALES_PATH}/issues/${number}/comments`, { body }).reply(201, reply as nock.Body);
}

function mockUpdateComment(commentId: number, body: string, reply: unknown) {
  return nock(API).patch(`${SALES_PATH}/issues/comments/${commentId}`, { body }).reply(200, reply as nock.Body);
}

function mockCreateReaction(commentId: number, content: string, status: number) {
  return nock(API)
    .post(`${SALES_PATH}/issues/comments/${commentId}/reactions`, { content })
    .reply(status, { id: 1, content, user: { login: BOT } });
}

function mockAddSubIssue(parent: number, childId: number, status: number, body: unknown = {}) {
  return nock(API).post(`${SALES_PATH}/issues/${parent}/sub_issues`, { sub_issue_id: childId }).reply(status, body as nock.Body);
}

function mockListSubIssues(parent: number, ids: number[]) {
  return nock(API)
    .get(`${SALES_PATH}/issues/${parent}/sub_issues`)
    .query({ per_page: "100" })
    .reply(200, ids.map((id) => ({ id, number: id - 5000, title: "child" })));
}

function mockGetCollaboratorPermission(user: string, status: number, body: unknown) {
  return nock(API).get(`${SALES_PATH}/collaborators/${user}/permission`).reply(status, body as nock.Body);
}

function mockGetTeamMembership(user: string, status: number, body: unknown) {
  return nock(API).get(`/orgs/2i2c-org/teams/partnerships/memberships/${user}`).reply(status, body as nock.Body);
}

function mockGetContent(path: string, status: number, body: unknown) {
  return nock(API).get(`${SALES_PATH}/contents/${path}`).reply(status, body as nock.Body);
}

/** POST /graphql; `check` sees the query and variables so each test asserts what was asked. */
function mockGraphql(check: (request: { query: string; variables: Record<string, unknown> }) => void, reply: unknown) {
  return nock(API)
    .post("/graphql", (body: { query: string; variables: Record<string, unknown> }) => {
      check(body);
      return true;
    })
    .reply(200, reply as nock.Body);
}

// --- harness ---------------------------------------------------------------------------------

const unmatched: string[] = [];
const onNoMatch = (req: { method?: string; path?: string }) => unmatched.push(`${req.method} ${req.path}`);

const silentLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function newGateway() {
  // A plain @octokit/rest client: no retry or throttling plugins, so each mock is hit once.
  return new OctokitGitHubGateway({ octokit: new Octokit({ auth: "test-token", log: silentLog }), appLogin: BOT });
}

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  nock.emitter.on("no match", onNoMatch);
  unmatched.length = 0;
});

afterEach(() => {
  nock.emitter.off("no match", onNoMatch);
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, "unused mocks").toEqual([]);
  expect(unmatched, "unmocked requests").toEqual([]);
});

// --- tests -----------------------------------------------------------------------------------

describe("OctokitGitHubGateway issues", () => {
  it("listOwnedIssues pages through 3 pages and keeps only the app's issues of the asked kind", async () => {
    const query = { state: "all", creator: BOT, per_page: "100", labels: "hub-sales" };
    mockListRepoIssues(query, [
      [
        issueJson({ number: 1, body: markedBody("rec1", "lead") }),
        issueJson({ number: 2, body: markedBody("rec2", "request-information") }),
      ],
      [
        issueJson({ number: 3, body: "no marker at all" }),
        issueJson({ number: 4, body: markedBody("rec4", "lead"), pull_request: { url: "x" } }),
        issueJson({ number: 5, body: markedBody("rec5", "lead"), user: "someone-else" }),
      ],
      [
        issueJson({ number: 6, body: markedBody("rec6", "lead"), state: "closed", state_reason: "not_planned" }),
        issueJson({ number: 7, body: null }),
      ],
    ]);
    const issues = await newGateway().listOwnedIssues(sales, "lead", { labels: ["hub-sales"] });
    expect(issues.map((i) => [i.number, i.marker?.lead, i.state, i.stateReason])).toEqual([
      [1, "rec1", "open", null],
      [6, "rec6", "closed", "not_planned"],
    ]);
    expect(issues[0]).toEqual({
      repo: sales,
      number: 1,
      id: 5001,
      nodeId: "I_kw1",
      htmlUrl: "https://github.com/2i2c-org/sales/issues/1",
      title: "Issue 1",
      body: markedBody("rec1", "lead"),
      state: "open",
      stateReason: null,
      labels: ["hub-sales"],
      author: BOT,
      marker: { lead: "rec1", kind: "lead" },
    });
  });

  it("listOwnedIssues without labels sends no labels filter", async () => {
    mockListRepoIssues({ state: "all", creator: BOT, per_page: "100" }, [
      [issueJson({ number: 9, body: markedBody("rec9", "invoice") })],
    ]);
    const issues = await newGateway().listOwnedIssues(sales, "invoice");
    expect(issues.map((i) => i.number)).toEqual([9]);
  });

  it("listOwnedIssuesPage asks for one page, newest made first, and answers a 304 to its tag as not modified", async () => {
    const query = { state: "all", creator: BOT, sort: "created", direction: "desc", per_page: "100", page: "2" };
    nock(API)
      .get(`${SALES_PATH}/issues`)
      .query(query)
      .reply(
        200,
        [
          issueJson({ number: 8, body: markedBody("rec8", "lead"), created_at: "2026-03-10T12:00:02Z" }),
          issueJson({ number: 7, body: markedBody("rec7", "lead"), user: "someone-else", created_at: "2026-03-10T12:00:01Z" }),
        ],
        { etag: 'W/"page2"', link: `<${API}${SALES_PATH}/issues?page=3>; rel="next"` },
      );
    const page = await newGateway().listOwnedIssuesPage(sales, { page: 2 });
    expect(page).toMatchObject({ notModified: false, etag: 'W/"page2"', hasNext: true });
    expect(page.notModified ? [] : page.issues.map((i) => [i.issue.number, i.createdAt])).toEqual([[8, "2026-03-10T12:00:02Z"]]);

    nock(API, { reqheaders: { "if-none-match": 'W/"page1"' } })
      .get(`${SALES_PATH}/issues`)
      .query({ ...query, page: "1" })
      .reply(304, "", { etag: 'W/"page1"' });
    expect(await newGateway().listOwnedIssuesPage(sales, { page: 1, etag: 'W/"page1"' })).toEqual({ notModified: true });
  });

  it("listOwnedIssues rejects a malformed page naming the bad field", async () => {
    mockListRepoIssues({ state: "all", creator: BOT, per_page: "100" }, [[{ ...issueJson({ number: 1 }), state: "weird" }]]);
    await expect(newGateway().listOwnedIssues(sales, "lead")).rejects.toThrow(/unexpected response from GitHub GET .*issues: state/);
  });

  it("getIssue translates labels given as strings and a deleted author", async () => {
    mockGetIssue(3, 200, issueJson({ number: 3, labels: ["a", { name: "b" }], user: null, body: markedBody("r", "deployment") }));
    const issue = await newGateway().getIssue(sales, 3);
    expect(issue).toMatchObject({ labels: ["a", "b"], author: "ghost", marker: { lead: "r", kind: "deployment" } });
  });

  it.each([404, 410])("getIssue returns null on %i", async (status) => {
    mockGetIssue(3, status, { message: status === 404 ? "Not Found" : "This issue was deleted" });
    expect(await newGateway().getIssue(sales, 3)).toBeNull();
  });

  it("getIssue wraps a 500 as a retryable GitHubApiError with method and url", async () => {
    mockGetIssue(3, 500, { message: "Server Error" });
    const error = await newGateway().getIssue(sales, 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect(error).toMatchObject({ status: 500, method: "GET", retryable: true });
    expect((error as GitHubApiError).url).toContain("/repos/2i2c-org/sales/issues/3");
  });

  it("createIssue posts title, body and labels and returns the snapshot", async () => {
    const body = markedBody("rec1", "lead");
    mockCreateIssue({ title: "Lead: A", body, labels: ["hub-sales", "status: active lead"] }, issueJson({ number: 11, body }));
    const issue = await newGateway().createIssue(sales, { title: "Lead: A", body, labels: ["hub-sales", "status: active lead"] });
    expect(issue).toMatchObject({ number: 11, id: 5011, marker: { lead: "rec1", kind: "lead" } });
  });

  it("createIssue surfaces a 422 as a non-retryable error with GitHub's message", async () => {
    nock(API).post(`${SALES_PATH}/issues`).reply(422, { message: "Validation Failed", errors: [{ code: "invalid", field: "labels" }] });
    const error = await newGateway().createIssue(sales, { title: "t", body: "b", labels: [] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 422, method: "POST", retryable: false });
    expect((error as Error).message).toMatch(/POST .*\/issues failed with 422: Validation Failed/);
  });

  it("updateIssue sends only the fields given, state_reason in GitHub's name", async () => {
    mockUpdateIssue(4, { state: "closed", state_reason: "not_planned" }, issueJson({ number: 4, state: "closed", state_reason: "not_planned" }));
    const issue = await newGateway().updateIssue(sales, 4, { state: "closed", stateReason: "not_planned" });
    expect(issue).toMatchObject({ state: "closed", stateReason: "not_planned" });
  });

  it("addLabels posts the labels, and makes no request for none", async () => {
    mockAddLabels(4, ["status: waiting"]);
    await newGateway().addLabels(sales, 4, ["status: waiting"]);
    await newGateway().addLabels(sales, 4, []);
  });

  it("removeLabel url-encodes the name and treats 404 as done", async () => {
    mockRemoveLabel(4, "status%3A%20waiting", 200);
    await newGateway().removeLabel(sales, 4, "status: waiting");
    mockRemoveLabel(4, "status%3A%20waiting", 404);
    await expect(newGateway().removeLabel(sales, 4, "status: waiting")).resolves.toBeUndefined();
  });

  it("removeLabel surfaces other failures", async () => {
    mockRemoveLabel(4, "x", 503);
    await expect(newGateway().removeLabel(sales, 4, "x")).rejects.toMatchObject({ status: 503, retryable: true });
  });
});

describe("OctokitGitHubGateway comments and reactions", () => {
  it("listComments pages through 3 pages and parses comment markers", async () => {
    const marker = renderCommentMarker({ lead: "rec1", comment: "readiness" });
    mockListComments(1, [
      [commentJson(1, "first", "alice")],
      [commentJson(2, `Missing fields\n${marker}`)],
      [{ ...commentJson(3, ""), body: null, user: null }],
    ]);
    const comments = await newGateway().listComments(sales, 1);
    expect(comments).toEqual([
      { id: 1, htmlUrl: "https://github.com/2i2c-org/sales/issues/1#issuecomment-1", body: "first", author: "alice", marker: null },
      { id: 2, htmlUrl: "https://github.com/2i2c-org/sales/issues/1#issuecomment-2", body: `Missing fields\n${marker}`, author: BOT, marker: { lead: "rec1", comment: "readiness" } },
      { id: 3, htmlUrl: "https://github.com/2i2c-org/sales/issues/1#issuecomment-3", body: "", author: "ghost", marker: null },
    ]);
  });

  it("createComment and updateComment return snapshots", async () => {
    mockCreateComment(1, "hello", commentJson(20, "hello"));
    expect(await newGateway().createComment(sales, 1, "hello")).toMatchObject({ id: 20, body: "hello", author: BOT });
    mockUpdateComment(20, "edited", commentJson(20, "edited"));
    expect(await newGateway().updateComment(sales, 20, "edited")).toMatchObject({ id: 20, body: "edited" });
  });

  it.each([200, 201])("addReaction accepts %i", async (status) => {
    mockCreateReaction(20, "rocket", status);
    await expect(newGateway().addReaction(sales, 20, "rocket")).resolves.toBeUndefined();
  });
});

describe("OctokitGitHubGateway sub-issues", () => {
  it("addSubIssue posts the child's numeric id", async () => {
    mockAddSubIssue(1, 5002, 201, issueJson({ number: 1 }));
    await newGateway().addSubIssue(sales, 1, 5002);
  });

  it("addSubIssue treats a 422 for an already linked child as done", async () => {
    mockAddSubIssue(1, 5002, 422, {
      message: "Validation Failed",
      errors: [{ resource: "Issue", code: "custom", field: "sub_issue_id", message: "Issue may not contain duplicate sub-issues" }],
    });
    mockListSubIssues(1, [5003, 5002]);
    await expect(newGateway().addSubIssue(sales, 1, 5002)).resolves.toBeUndefined();
  });

  it("addSubIssue surfaces other 422s clearly", async () => {
    mockAddSubIssue(1, 5002, 422, {
      message: "Validation Failed",
      errors: [{ resource: "Issue", code: "custom", field: "parent_issue_id", message: "Sub issue may only have one parent" }],
    });
    mockListSubIssues(1, [5003]);
    const error = await newGateway().addSubIssue(sales, 1, 5002).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect(error).toMatchObject({ status: 422, retryable: false });
    expect((error as Error).message).toMatch(/cannot add issue id 5002 as a sub-issue of 2i2c-org\/sales#1: .*422.*another parent/);
  });

  it("addSubIssue does not swallow a 404 (parent missing)", async () => {
    mockAddSubIssue(1, 5002, 404, { message: "Not Found" });
    await expect(newGateway().addSubIssue(sales, 1, 5002)).rejects.toMatchObject({ status: 404 });
  });

  it("listSubIssueIds returns the children's numeric ids", async () => {
    mockListSubIssues(1, [5003, 5004]);
    expect(await newGateway().listSubIssueIds(sales, 1)).toEqual([5003, 5004]);
  });
});

describe("OctokitGitHubGateway Projects v2 backlog", () => {
  const boardReply = {
    data: {
      organization: {
        projectV2: {
          id: "PVT_22",
          field: {
            __typename: "ProjectV2SingleSelectField",
            id: "PVTSSF_status",
            options: [
              { id: "opt_refine", name: "Needs Discussion/Refinement" },
              { id: "opt_ready", name: "Ready to Work" },
            ],
          },
        },
      },
    },
  };

  it("findBacklogBoard → addToBoard → setBoardStatus", async () => {
    mockGraphql(({ query, variables }) => {
      expect(query).toMatch(/projectV2\(number: \$number\)/);
      expect(variables).toEqual({ org: "2i2c-org", number: 22, field: "Status" });
    }, boardReply);
    const gateway = newGateway();
    const board = await gateway.findBacklogBoard("2i2c-org", 22, "Status");
    expect(board).toEqual({
      projectId: "PVT_22",
      statusFieldId: "PVTSSF_status",
      statusOptions: { "Needs Discussion/Refinement": "opt_refine", "Ready to Work": "opt_ready" },
    });

    mockGraphql(({ query, variables }) => {
      expect(query).toMatch(/addProjectV2ItemById/);
      expect(variables).toEqual({ projectId: "PVT_22", contentId: "I_kw5" });
    }, { data: { addProjectV2ItemById: { item: { id: "PVTI_5" } } } });
    const itemId = await gateway.addToBoard(board, "I_kw5");
    expect(itemId).toBe("PVTI_5");

    mockGraphql(({ query, variables }) => {
      expect(query).toMatch(/updateProjectV2ItemFieldValue/);
      expect(query).toMatch(/singleSelectOptionId/);
      expect(variables).toEqual({ projectId: "PVT_22", itemId: "PVTI_5", fieldId: "PVTSSF_status", optionId: "opt_ready" });
    }, { data: { updateProjectV2ItemFieldValue: { projectV2Item: { id: "PVTI_5" } } } });
    await gateway.setBoardStatus(board, itemId, "ready to work");
  });

  it("findBacklogBoard names the org and number when the project is missing or not accessible", async () => {
    mockGraphql(() => undefined, {
      data: { organization: { projectV2: null } },
      errors: [{ type: "NOT_FOUND", path: ["organization", "projectV2"], message: "Could not resolve to a ProjectV2 with the number 22." }],
    });
    const error = await newGateway().findBacklogBoard("2i2c-org", 22, "Status").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect((error as Error).message).toMatch(/2i2c-org\/projects\/22.*Could not resolve.*organization_projects/);
    expect(error).toMatchObject({ retryable: false });
  });

  it("findBacklogBoard explains a missing organization_projects permission", async () => {
    mockGraphql(() => undefined, {
      data: { organization: { projectV2: null } },
      errors: [{ type: "FORBIDDEN", path: ["organization", "projectV2"], message: "Resource not accessible by integration" }],
    });
    await expect(newGateway().findBacklogBoard("2i2c-org", 22, "Status")).rejects.toThrow(
      /2i2c-org\/projects\/22 could not be read: Resource not accessible by integration .*"organization_projects: write" permission/,
    );
  });

  it("findBacklogBoard without the status field returns a board that can add items but not set status", async () => {
    mockGraphql(() => undefined, { data: { organization: { projectV2: { id: "PVT_22", field: null } } } });
    const board = await newGateway().findBacklogBoard("2i2c-org", 22, "Stage");
    expect(board).toEqual({ projectId: "PVT_22", statusFieldId: null, statusOptions: {} });
    await expect(newGateway().setBoardStatus(board, "PVTI_5", "Ready to Work")).rejects.toThrow(/no single-select status field/);
  });

  it("findBacklogBoard ignores a field of the name that is not single-select", async () => {
    mockGraphql(() => undefined, { data: { organization: { projectV2: { id: "PVT_22", field: { __typename: "ProjectV2Field" } } } } });
    expect((await newGateway().findBacklogBoard("2i2c-org", 22, "Status")).statusFieldId).toBeNull();
  });

  it("setBoardStatus with an unknown option lists the valid ones and sends nothing", async () => {
    const board: BacklogBoard = { projectId: "PVT_22", statusFieldId: "F", statusOptions: { Todo: "a", Done: "b" } };
    await expect(newGateway().setBoardStatus(board, "PVTI_5", "Ready")).rejects.toThrow(
      /"Ready" is not an option of the board's status field; valid options: "Todo", "Done"/,
    );
  });

  it("addToBoard surfaces GraphQL errors, flagging a missing permission", async () => {
    mockGraphql(() => undefined, {
      data: null,
      errors: [{ type: "FORBIDDEN", message: "Resource not accessible by integration" }],
    });
    const board: BacklogBoard = { projectId: "PVT_22", statusFieldId: null, statusOptions: {} };
    const error = await newGateway().addToBoard(board, "I_kw5").catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: false, method: "POST", url: "/graphql" });
    expect((error as Error).message).toMatch(/Resource not accessible by integration.*organization_projects: write/);
  });

  it("a GraphQL rate limit is retryable", async () => {
    mockGraphql(() => undefined, { data: null, errors: [{ type: "RATE_LIMITED", message: "API rate limit exceeded" }] });
    const board: BacklogBoard = { projectId: "PVT_22", statusFieldId: null, statusOptions: {} };
    await expect(newGateway().addToBoard(board, "I_kw5")).rejects.toMatchObject({ retryable: true });
  });
});

describe("OctokitGitHubGateway permissions and files", () => {
  it.each([
    [{ permission: "write", role_name: "maintain" }, "maintain"],
    [{ permission: "read", role_name: "triage" }, "triage"],
    [{ permission: "admin", role_name: "admin" }, "admin"],
    [{ permission: "write", role_name: "custom-sales-role" }, "write"],
    [{ permission: "none" }, "none"],
  ])("getRepoPermission %j → %s", async (reply, expected) => {
    mockGetCollaboratorPermission("alice", 200, { ...reply, user: { login: "alice" } });
    expect(await newGateway().getRepoPermission(sales, "alice")).toBe(expected);
  });

  it("getRepoPermission: 404 → none", async () => {
    mockGetCollaboratorPermission("nobody", 404, { message: "Not Found" });
    expect(await newGateway().getRepoPermission(sales, "nobody")).toBe("none");
  });

  it.each([
    [200, { state: "active", role: "member" }, true],
    [200, { state: "pending", role: "member" }, false],
    [404, { message: "Not Found" }, false],
  ])("isTeamMember: %i %j → %s", async (status, reply, expected) => {
    mockGetTeamMembership("alice", status, reply);
    expect(await newGateway().isTeamMember("2i2c-org", "partnerships", "alice")).toBe(expected);
  });

  it("isTeamMember surfaces a 403 (app lacks members: read)", async () => {
    mockGetTeamMembership("alice", 403, { message: "Resource not accessible by integration" });
    await expect(newGateway().isTeamMember("2i2c-org", "partnerships", "alice")).rejects.toMatchObject({ status: 403, retryable: false });
  });

  it("getFileText decodes base64 content (with GitHub's line breaks)", async () => {
    const text = "hub_repo: 2i2c-org/infrastructure\ncurrency: USD\n";
    const b64 = Buffer.from(text).toString("base64").replace(/(.{20})/g, "$1\n");
    mockGetContent(".github%2Fhub-sales.yml", 200, { type: "file", encoding: "base64", content: b64, path: ".github/hub-sales.yml" });
    expect(await newGateway().getFileText(sales, ".github/hub-sales.yml")).toBe(text);
  });

  it("readRepoFile returns text, blob sha and etag, then 'unchanged' for a conditional request answered 304", async () => {
    const text = "name: Request deployment\nbody: []\n";
    const sha = "5c314d715498fa6583b28ed792cc2fb4e1a12738"; // git hash-object of `text`
    const path = ".github%2FISSUE_TEMPLATE%2Fform.yml";
    nock(API)
      .get(`${SALES_PATH}/contents/${path}`)
      .reply(200, { type: "file", path: ".github/ISSUE_TEMPLATE/form.yml", sha, encoding: "base64", content: Buffer.from(text).toString("base64") }, { etag: 'W/"abc"' });
    expect(await newGateway().readRepoFile(sales, ".github/ISSUE_TEMPLATE/form.yml")).toEqual({ path: ".github/ISSUE_TEMPLATE/form.yml", sha, text, etag: 'W/"abc"' });
    nock(API).get(`${SALES_PATH}/contents/${path}`).matchHeader("if-none-match", 'W/"abc"').reply(304);
    expect(await newGateway().readRepoFile(sales, ".github/ISSUE_TEMPLATE/form.yml", { etag: 'W/"abc"' })).toBe("unchanged");
    mockGetContent(path, 404, { message: "Not Found" });
    expect(await newGateway().readRepoFile(sales, ".github/ISSUE_TEMPLATE/form.yml")).toBeNull();
    mockGetContent(path, 200, { type: "file", path: ".github/ISSUE_TEMPLATE/form.yml", encoding: "base64", content: "" });
    await expect(newGateway().readRepoFile(sales, ".github/ISSUE_TEMPLATE/form.yml")).rejects.toThrow(/unexpected response from GitHub GET .*contents.*: sha: /);
  });

  it("getFileText returns null on 404 and refuses a directory", async () => {
    mockGetContent(".github%2Fhub-sales.yml", 404, { message: "Not Found" });
    expect(await newGateway().getFileText(sales, ".github/hub-sales.yml")).toBeNull();
    mockGetContent(".github", 200, [{ type: "file", name: "hub-sales.yml" }]);
    await expect(newGateway().getFileText(sales, ".github")).rejects.toThrow(/is a directory/);
  });
});

describe("OctokitGitHubGateway network failures", () => {
  it("a connection error becomes a retryable GitHubApiError", async () => {
    nock(API).get(`${SALES_PATH}/issues/3`).replyWithError({ code: "ECONNRESET", message: "socket hang up" });
    const error = await newGateway().getIssue(sales, 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubApiError);
    expect(error).toMatchObject({ status: null, retryable: true });
  });
});

describe("OctokitGitHubGateway accepts Probot's client", () => {
  it("works over a ProbotOctokit instance", async () => {
    const octokit = new ProbotOctokit({ auth: { token: "t" }, log: silentLog, throttle: { enabled: false }, retry: { enabled: false } });
    mockGetIssue(3, 200, issueJson({ number: 3 }));
    const gateway = new OctokitGitHubGateway({ octokit, appLogin: BOT });
    expect((await gateway.getIssue(sales, 3))?.number).toBe(3);
  });
});
