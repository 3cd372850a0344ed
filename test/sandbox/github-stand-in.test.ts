import { createHash, createHmac, createSign, generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { verify as verifyWebhookSignature } from "@octokit/webhooks-methods";
import { Octokit } from "@octokit/rest";
import { createNodeMiddleware, createProbot, Probot } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startGitHubStandIn, type GitHubStandIn } from "../../src/sandbox/github-stand-in/github-stand-in.js";

// One key for the whole file: RSA generation is the slow part of starting a stand-in.
const PRIVATE_KEY = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const OTHER_KEY = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const APP_ID = 4242;
const SALES = "2i2c-org/sales";
const HUBS = "2i2c-org/infrastructure";
const CONFIG_YAML = "hub_repo: 2i2c-org/infrastructure\nbacklog:\n  org: 2i2c-org\n  project: 22\n";

/** Octokit logs every failed request; these tests provoke many on purpose. */
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function appJwt(privateKey = PRIVATE_KEY, appId: number | string = APP_ID, lifetimeSeconds = 540): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const unsigned = `${encode({ alg: "RS256", typ: "JWT" })}.${encode({ iat: now - 30, exp: now - 30 + lifetimeSeconds, iss: appId })}`;
  const signature = createSign("RSA-SHA256").update(unsigned).sign(privateKey).toString("base64url");
  return `${unsigned}.${signature}`;
}

interface Received {
  headers: Record<string, string>;
  body: string;
}

/** A webhook receiver on 127.0.0.1 that records what arrives and answers `status`. */
async function startReceiver(status = 202): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let standIn: GitHubStandIn;
let app: Octokit;

beforeEach(async () => {
  standIn = await startGitHubStandIn({
    app: { id: APP_ID, slug: "hub-sales-bot", privateKey: PRIVATE_KEY },
    orgs: [{ login: "2i2c-org", teams: { partnerships: ["alice"] } }, { login: "other-org" }],
    repos: [
      { fullName: SALES, private: true, files: { ".github/hub-sales.yml": CONFIG_YAML }, permissions: { alice: "write", bob: "read" } },
      { fullName: HUBS },
      { fullName: "other-org/elsewhere" },
      { fullName: "other-org/secret", private: true },
    ],
    installations: [{ account: "2i2c-org" }],
    projects: [{ org: "2i2c-org", number: 22, title: "Engineering backlog", statusField: { name: "Status", options: ["Needs Discussion/Refinement", "Ready to Work", "Done"] } }],
  });
  app = new Octokit({ log: quiet, baseUrl: standIn.apiUrl, auth: standIn.installationToken("2i2c-org") });
});

afterEach(async () => {
  await standIn.close();
});

describe("app authentication", () => {
  it("accepts a JWT signed with the app key and hands out installation tokens that act as the bot", async () => {
    const jwtApp = new Octokit({ log: quiet, baseUrl: standIn.apiUrl, auth: appJwt() });
    const { data: me } = await jwtApp.rest.apps.getAuthenticated();
    expect(me).toMatchObject({ id: APP_ID, slug: "hub-sales-bot" });

    const installations = await jwtApp.paginate(jwtApp.rest.apps.listInstallations, { per_page: 100 });
    expect(installations.map((i) => i.account && "login" in i.account ? i.account.login : null)).toEqual(["2i2c-org"]);

    const { data: byRepo } = await jwtApp.rest.apps.getRepoInstallation({ owner: "2i2c-org", repo: "sales" });
    const { data: byOrg } = await jwtApp.rest.apps.getOrgInstallation({ org: "2i2c-org" });
    expect(byRepo.id).toBe(byOrg.id);
    await expect(jwtApp.rest.apps.getOrgInstallation({ org: "other-org" })).rejects.toMatchObject({ status: 404 });

    const { data: token, status } = await jwtApp.rest.apps.createInstallationAccessToken({ installation_id: byOrg.id });
    expect(status).toBe(201);
    expect(token.token).toMatch(/^ghs_/);
    const asBot = new Octokit({ log: quiet, baseUrl: standIn.apiUrl, auth: token.token });
    const { data: issue } = await asBot.rest.issues.create({ owner: "2i2c-org", repo: "sales", title: "hello" });
    expect(issue.user).toMatchObject({ login: "hub-sales-bot[bot]", type: "Bot" });
  });

  it("rejects a JWT signed with another key, for another app, or living too long, and unknown tokens", async () => {
    for (const jwt of [appJwt(OTHER_KEY), appJwt(PRIVATE_KEY, 999), appJwt(PRIVATE_KEY, APP_ID, 3600)]) {
      const res = await fetch(`${standIn.apiUrl}/app`, { headers: { authorization: `Bearer ${jwt}` } });
      expect(res.status).toBe(401);
    }
    const res = await fetch(`${standIn.apiUrl}/repos/${SALES}/issues`, { headers: { authorization: "token ghs_nope" } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ message: "Bad credentials" });
    // An installation token is no good on /app endpoints.
    await expect(app.rest.apps.getAuthenticated()).rejects.toMatchObject({ status: 401 });
  });
});

describe("issues", () => {
  it("creates, reads and updates issues with GitHub's shapes", async () => {
    const { data: created, status } = await app.rest.issues.create({
      owner: "2i2c-org",
      repo: "sales",
      title: "Lead: Example University",
      body: "hello <!-- hub-sales {\"lead\":\"rec1\",\"kind\":\"lead\"} -->",
      labels: ["hub-sales", "status: needs admin"],
    });
    expect(status).toBe(201);
    expect(created).toMatchObject({
      number: 1,
      title: "Lead: Example University",
      state: "open",
      state_reason: null,
      comments: 0,
      closed_at: null,
      html_url: `${standIn.url}/2i2c-org/sales/issues/1`,
      url: `${standIn.apiUrl}/repos/2i2c-org/sales/issues/1`,
      user: { login: "hub-sales-bot[bot]", type: "Bot" },
    });
    expect(created).not.toHaveProperty("pull_request");
    expect(typeof created.id).toBe("number");
    expect(created.node_id).toMatch(/^I_/);
    expect(created.labels).toEqual([
      expect.objectContaining({ name: "hub-sales", color: expect.stringMatching(/^[0-9a-f]{6}$/), id: expect.any(Number) }),
      expect.objectContaining({ name: "status: needs admin" }),
    ]);

    const { data: closed } = await app.rest.issues.update({ owner: "2i2c-org", repo: "sales", issue_number: 1, state: "closed", state_reason: "not_planned", body: "new body" });
    expect(closed).toMatchObject({ state: "closed", state_reason: "not_planned", body: "new body" });
    expect(closed.closed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const { data: reopened } = await app.rest.issues.update({ owner: "2i2c-org", repo: "sales", issue_number: 1, state: "open" });
    expect(reopened).toMatchObject({ state: "open", state_reason: "reopened", closed_at: null });

    const { data: fetched } = await app.rest.issues.get({ owner: "2i2c-org", repo: "sales", issue_number: 1 });
    expect(fetched.body).toBe("new body");
  });

  it("filters listings by state, labels, creator and sorts them", async () => {
    await app.rest.issues.create({ owner: "2i2c-org", repo: "sales", title: "a", labels: ["x", "y"] });
    await app.rest.issues.create({ owner: "2i2c-org", repo: "sales", title: "b", labels: ["x"] });
    standIn.as("alice").openIssue({ repo: SALES, title: "c" });
    await app.rest.issues.update({ owner: "2i2c-org", repo: "sales", issue_number: 2, state: "closed" });

    const titles = async (params: Record<string, string>) =>
      (await app.rest.issues.listForRepo({ owner: "2i2c-org", repo: "sales", ...params })).data.map((i) => i.title);
    expect(await titles({})).toEqual(["c", "a"]);
    expect(await titles({ state: "all", direction: "asc" })).toEqual(["a", "b", "c"]);
    expect(await titles({ state: "all", labels: "x" })).toEqual(["b", "a"]);
    expect(await titles({ state: "all", labels: "X,y" })).toEqual(["a"]);
    expect(await titles({ state: "all", creator: "alice" })).toEqual(["c"]);
    await expect(titles({ state: "bogus" })).rejects.toMatchObject({ status: 422 });
  });

  it("pages lists with real Link headers that octokit.paginate follows", async () => {
    for (let i = 1; i <= 250; i++) standIn.as("alice").openIssue({ repo: HUBS, title: `issue ${i}` });
    const res = await fetch(`${standIn.apiUrl}/repos/${HUBS}/issues?per_page=100`);
    const link = res.headers.get("link")!;
    expect(link).toContain(`<${standIn.apiUrl}/repos/${HUBS}/issues?per_page=100&page=2>; rel="next"`);
    expect(link).toContain(`page=3>; rel="last"`);
    expect(((await res.json()) as unknown[]).length).toBe(100);

    standIn.clearRequests();
    const all = await app.paginate(app.rest.issues.listForRepo, { owner: "2i2c-org", repo: "infrastructure", per_page: 100 });
    expect(all).toHaveLength(250);
    expect(new Set(all.map((i) => i.number)).size).toBe(250);
    expect(standIn.countRequests({ method: "GET", path: `/repos/${HUBS}/issues` })).toBe(3);

    const last = await fetch(`${standIn.apiUrl}/repos/${HUBS}/issues?per_page=100&page=3`);
    expect(last.headers.get("link")).toContain('rel="prev"');
    expect(last.headers.get("link")).not.toContain('rel="next"');
    expect(((await last.json()) as unknown[]).length).toBe(50);
  });

  it("enforces GitHub's limits: titles up to 256 characters, bodies and comments up to 65,536 (422 with GitHub's messages)", async () => {
    const ref = { owner: "2i2c-org", repo: "sales" };
    // Code points count, not UTF-16 units: 256 emoji are a valid title.
    const { data: atLimit } = await app.rest.issues.create({ ...ref, title: "🚀".repeat(256), body: "b".repeat(65_536) });
    expect(atLimit.title).toHaveLength(512);
    await expect(app.rest.issues.create({ ...ref, title: "t".repeat(257) })).rejects.toMatchObject({
      status: 422,
      response: {
        data: {
          message: "Validation Failed",
          errors: [{ resource: "Issue", code: "custom", field: "title", message: "title is too long (maximum is 256 characters)" }],
        },
      },
    });
    await expect(app.rest.issues.update({ ...ref, issue_number: atLimit.number, body: "b".repeat(65_537) })).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [{ resource: "Issue", code: "custom", field: "body", message: "body is too long (maximum is 65536 characters)" }] } },
    });
    const comment = await app.rest.issues.createComment({ ...ref, issue_number: atLimit.number, body: "c".repeat(65_536) });
    const tooLong = { resource: "IssueComment", code: "unprocessable", field: "data", message: "Body is too long (maximum is 65536 characters)" };
    await expect(app.rest.issues.createComment({ ...ref, issue_number: atLimit.number, body: "c".repeat(65_537) })).rejects.toMatchObject({
      status: 422,
      response: { data: { message: "Validation Failed", errors: [tooLong] } },
    });
    await expect(app.rest.issues.updateComment({ ...ref, comment_id: comment.data.id, body: "c".repeat(65_537) })).rejects.toMatchObject({
      status: 422,
      response: { data: { errors: [tooLong] } },
    });
    // Nothing refused was stored.
    expect(standIn.issues(SALES).map((i) => [i.title.length, i.body?.length, i.comments.map((c) => c.body.length)])).toEqual([[512, 65_536, [65_536]]]);
  });

  it("answers errors the way GitHub does", async () => {
    const missing = await fetch(`${standIn.apiUrl}/repos/${HUBS}/issues/99`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ message: "Not Found", documentation_url: expect.stringContaining("docs.github.com") });

    // A plain string route: Octokit's typed route would not let us leave the title out.
    const createIssueRoute: string = "POST /repos/{owner}/{repo}/issues";
    await expect(app.request(createIssueRoute, { owner: "2i2c-org", repo: "sales", body: "no title" })).rejects.toMatchObject({
      status: 422,
      response: { data: { message: "Validation Failed", errors: [expect.objectContaining({ resource: "Issue", field: "title", code: "missing_field" })] } },
    });

    // A private repo does not exist for anonymous callers or installations elsewhere.
    expect((await fetch(`${standIn.apiUrl}/repos/${SALES}`)).status).toBe(404);
    await expect(app.rest.repos.get({ owner: "other-org", repo: "secret" })).rejects.toMatchObject({ status: 404 });
    // A public repo of another account is readable but not writable by this installation.
    await expect(app.rest.issues.listForRepo({ owner: "other-org", repo: "elsewhere" })).resolves.toMatchObject({ status: 200 });
    await expect(app.rest.issues.create({ owner: "other-org", repo: "elsewhere", title: "x" })).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining("Resource not accessible by integration"),
    });
    // Writes without a token need authentication.
    const anonymous = await fetch(`${standIn.apiUrl}/repos/${HUBS}/issues`, { method: "POST", body: JSON.stringify({ title: "x" }) });
    expect(anonymous.status).toBe(401);
    const badJson = await fetch(`${standIn.apiUrl}/repos/${HUBS}/issues`, { method: "POST", body: "{", headers: { authorization: `token ${standIn.tokenFor("alice")}` } });
    expect(badJson.status).toBe(400);
  });

  it("refuses writes a permission does not cover (403)", async () => {
    const readOnly = await startGitHubStandIn({
      app: { id: APP_ID, privateKey: PRIVATE_KEY },
      repos: [{ fullName: HUBS }],
      installations: [{ account: "2i2c-org", permissions: { issues: "read", metadata: "read" } }],
    });
    try {
      const octokit = new Octokit({ log: quiet, baseUrl: readOnly.apiUrl, auth: readOnly.installationToken("2i2c-org") });
      await expect(octokit.rest.issues.listForRepo({ owner: "2i2c-org", repo: "infrastructure" })).resolves.toMatchObject({ status: 200 });
      await expect(octokit.rest.issues.create({ owner: "2i2c-org", repo: "infrastructure", title: "x" })).rejects.toMatchObject({ status: 403 });
    } finally {
      await readOnly.close();
    }
    // A person with read access may comment but not label.
    const bob = new Octokit({ log: quiet, baseUrl: standIn.apiUrl, auth: standIn.tokenFor("bob") });
    const { data: issue } = await app.rest.issues.create({ owner: "2i2c-org", repo: "sales", title: "t" });
    await expect(bob.rest.issues.createComment({ owner: "2i2c-org", repo: "sales", issue_number: issue.number, body: "hi" })).resolves.toMatchObject({ status: 201 });
    await expect(bob.rest.issues.addLabels({ owner: "2i2c-org", repo: "sales", issue_number: issue.number, labels: ["x"] })).rejects.toMatchObject({ status: 403 });
    const mallory = new Octokit({ log: quiet, baseUrl: standIn.apiUrl, auth: standIn.tokenFor("mallory") });
    await expect(mallory.rest.issues.get({ owner: "2i2c-org", repo: "sales", issue_number: issue.number })).rejects.toMatchObject({ status: 404 });
  });
});

describe("labels", () => {
  it("adds (auto-creating on the repo), replaces and removes labels; removing an absent one is 404", async () => {
    const { data: issue } = await app.rest.issues.create({ owner: "2i2c-org", repo: "sales", title: "t" });
    const ref = { owner: "2i2c-org", repo: "sales", issue_number: issue.number };
    const { data: afterAdd } = await app.rest.issues.addLabels({ ...ref, labels: ["status: waiting", "hub-sales"] });
    expect(afterAdd.map((l) => l.name)).toEqual(["status: waiting", "hub-sales"]);
    const { data: repoLabels } = await app.rest.issues.listLabelsForRepo({ owner: "2i2c-org", repo: "sales" });
    expect(repoLabels.map((l) => l.name).sort()).toEqual(["hub-sales", "status: waiting"]);

    const { data: afterSet } = await app.rest.issues.setLabels({ ...ref, labels: ["hub-sales", "status: active lead"] });
    expect(afterSet.map((l) => l.name)).toEqual(["hub-sales", "status: active lead"]);

    const { data: afterRemove } = await app.rest.issues.removeLabel({ ...ref, name: "status: active lead" });
    expect(afterRemove.map((l) => l.name)).toEqual(["hub-sales"]);
    await expect(app.rest.issues.removeLabel({ ...ref, name: "status: active lead" })).rejects.toMatchObject({
      status: 404,
      response: { data: { message: "Label does not exist" } },
    });
    expect(standIn.issue(SALES, issue.number)!.labels).toEqual(["hub-sales"]);
  });
});

describe("comments and reactions", () => {
  it("creates, lists, reads and edits comments", async () => {
    const { data: issue } = await app.rest.issues.create({ owner: "2i2c-org", repo: "infrastructure", title: "t" });
    const ref = { owner: "2i2c-org", repo: "infrastructure" };
    const { data: comment, status } = await app.rest.issues.createComment({ ...ref, issue_number: issue.number, body: "first" });
    expect(status).toBe(201);
    expect(comment).toMatchObject({
      body: "first",
      user: { login: "hub-sales-bot[bot]", type: "Bot" },
      html_url: `${standIn.url}/2i2c-org/infrastructure/issues/1#issuecomment-${comment.id}`,
    });
    expect(comment.node_id).toMatch(/^IC_/);
    standIn.as("alice").comment({ repo: HUBS, number: issue.number, body: "second" });

    const { data: listed } = await app.rest.issues.listComments({ ...ref, issue_number: issue.number });
    expect(listed.map((c) => [c.body, c.user?.login])).toEqual([
      ["first", "hub-sales-bot[bot]"],
      ["second", "alice"],
    ]);
    const { data: edited } = await app.rest.issues.updateComment({ ...ref, comment_id: comment.id, body: "first, edited" });
    expect(edited.body).toBe("first, edited");
    const { data: fetched } = await app.rest.issues.getComment({ ...ref, comment_id: comment.id });
    expect(fetched.body).toBe("first, edited");
    const { data: again } = await app.rest.issues.get({ ...ref, issue_number: issue.number });
    expect(again.comments).toBe(2);
    await expect(app.rest.issues.getComment({ ...ref, comment_id: 1 })).rejects.toMatchObject({ status: 404 });
    await expect(app.rest.issues.createComment({ ...ref, issue_number: issue.number, body: "" })).rejects.toMatchObject({ status: 422 });

    // The html_url is a page a person can open.
    const page = await fetch(String(issue.html_url));
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    expect(html).toContain("first, edited");
    expect(html).toContain("second");
  });

  it("answers 201 for a new reaction and 200 for one that already exists", async () => {
    const { data: issue } = await app.rest.issues.create({ owner: "2i2c-org", repo: "sales", title: "t" });
    const comment = standIn.as("alice").comment({ repo: SALES, number: issue.number, body: "/request-deployment" });
    const ref = { owner: "2i2c-org", repo: "sales", comment_id: comment.id };
    const first = await app.rest.reactions.createForIssueComment({ ...ref, content: "eyes" });
    const second = await app.rest.reactions.createForIssueComment({ ...ref, content: "eyes" });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.data.id).toBe(first.data.id);
    expect(first.data).toMatchObject({ content: "eyes", user: { login: "hub-sales-bot[bot]" } });
    await app.rest.reactions.createForIssueComment({ ...ref, content: "+1" });
    const { data: eyes } = await app.rest.reactions.listForIssueComment({ ...ref, content: "eyes" });
    expect(eyes).toHaveLength(1);
    const reactRoute: string = "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions";
    await expect(app.request(reactRoute, { ...ref, content: "party" })).rejects.toMatchObject({ status: 422 });
  });
});

describe("sub-issues", () => {
  it("links a child of the same owner once, and refuses another owner or a second parent (422)", async () => {
    const { data: parent } = await app.rest.issues.create({ owner: "2i2c-org", repo: "sales", title: "Lead" });
    const { data: child } = await app.rest.issues.create({ owner: "2i2c-org", repo: "infrastructure", title: "Request information" });
    const { data: otherParent } = await app.rest.issues.create({ owner: "2i2c-org", repo: "sales", title: "Other lead" });
    const foreign = standIn.as("alice").openIssue({ repo: "other-org/elsewhere", title: "foreign" });

    const added = await app.request("POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues", {
      owner: "2i2c-org",
      repo: "sales",
      issue_number: parent.number,
      sub_issue_id: child.id,
    });
    expect(added.status).toBe(201);
    expect(added.data).toMatchObject({ id: child.id, number: child.number });

    const { data: listed } = await app.request("GET /repos/{owner}/{repo}/issues/{issue_number}/sub_issues", { owner: "2i2c-org", repo: "sales", issue_number: parent.number });
    expect((listed as Array<{ id: number }>).map((i) => i.id)).toEqual([child.id]);

    const addTo = (issue_number: number, sub_issue_id: number) =>
      app.request("POST /repos/{owner}/{repo}/issues/{issue_number}/sub_issues", { owner: "2i2c-org", repo: "sales", issue_number, sub_issue_id });
    await expect(addTo(parent.number, child.id)).rejects.toMatchObject({ status: 422 });
    await expect(addTo(otherParent.number, child.id)).rejects.toMatchObject({ status: 422, message: expect.stringContaining("only have one parent") });
    await expect(addTo(parent.number, foreign.id)).rejects.toMatchObject({ status: 422, message: expect.stringContaining("same owner") });
    await expect(addTo(parent.number, parent.id)).rejects.toMatchObject({ status: 422 });
    await expect(addTo(parent.number, 123)).rejects.toMatchObject({ status: 404 });
    expect(standIn.issue(HUBS, child.number)!.parentId).toBe(parent.id);
  });
});

describe("repository, contents and permissions", () => {
  it("serves the repo, the config file (base64 and raw) and 404 for absent files", async () => {
    const { data: repo } = await app.rest.repos.get({ owner: "2i2c-org", repo: "sales" });
    expect(repo).toMatchObject({ full_name: SALES, private: true, default_branch: "main", owner: { login: "2i2c-org", type: "Organization" } });

    const { data: file } = await app.rest.repos.getContent({ owner: "2i2c-org", repo: "sales", path: ".github/hub-sales.yml" });
    expect(file).toMatchObject({ type: "file", encoding: "base64", path: ".github/hub-sales.yml" });
    expect(Buffer.from((file as { content: string }).content, "base64").toString("utf8")).toBe(CONFIG_YAML);

    const raw = await app.rest.repos.getContent({ owner: "2i2c-org", repo: "sales", path: ".github/hub-sales.yml", mediaType: { format: "raw" } });
    expect(raw.data).toBe(CONFIG_YAML);

    await expect(app.rest.repos.getContent({ owner: "2i2c-org", repo: "sales", path: ".github/nope.yml" })).rejects.toMatchObject({ status: 404 });
    const { data: dir } = await app.rest.repos.getContent({ owner: "2i2c-org", repo: "sales", path: ".github" });
    expect(Array.isArray(dir) && dir.map((e) => e.name)).toEqual(["hub-sales.yml"]);
  });

  it("serves a file with its git blob sha and an ETag, and answers 304 to a request naming that ETag", async () => {
    const text = "name: Request deployment\nbody:\n  - type: input\n    attributes: {label: Hub name}\n";
    standIn.setFile({ repo: HUBS, path: ".github/ISSUE_TEMPLATE/form.yml", text });
    const get = (headers: Record<string, string> = {}) =>
      app.request("GET /repos/{owner}/{repo}/contents/{path}", { owner: "2i2c-org", repo: "infrastructure", path: ".github/ISSUE_TEMPLATE/form.yml", headers });
    const first = await get();
    const blobSha = createHash("sha1").update(`blob ${Buffer.byteLength(text)}\0${text}`).digest("hex");
    expect(first.data).toMatchObject({ type: "file", sha: blobSha, encoding: "base64" });
    expect(Buffer.from((first.data as { content: string }).content, "base64").toString("utf8")).toBe(text);
    const etag = first.headers.etag!;
    expect(etag).toBe(`W/"${blobSha}"`);
    await expect(get({ "if-none-match": etag })).rejects.toMatchObject({ status: 304 });

    standIn.setFile({ repo: HUBS, path: ".github/ISSUE_TEMPLATE/form.yml", text: `${text}  - type: textarea\n    attributes: {label: Notes}\n` });
    const changed = await get({ "if-none-match": etag });
    expect((changed.data as { sha: string }).sha).not.toBe(blobSha);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it("answers collaborator permissions and team memberships", async () => {
    const permission = async (username: string) =>
      (await app.rest.repos.getCollaboratorPermissionLevel({ owner: "2i2c-org", repo: "sales", username })).data;
    expect(await permission("alice")).toMatchObject({ permission: "write", role_name: "write", user: { login: "alice" } });
    expect(await permission("bob")).toMatchObject({ permission: "read", role_name: "read" });
    standIn.setPermission({ repo: SALES, user: "carol", permission: "maintain" });
    expect(await permission("carol")).toMatchObject({ permission: "write", role_name: "maintain" });
    standIn.addUser("dave");
    expect(await permission("dave")).toMatchObject({ permission: "none" });
    await expect(permission("nobody-at-all")).rejects.toMatchObject({ status: 404 });

    const { data: membership } = await app.rest.teams.getMembershipForUserInOrg({ org: "2i2c-org", team_slug: "partnerships", username: "alice" });
    expect(membership).toMatchObject({ role: "member", state: "active" });
    await expect(app.rest.teams.getMembershipForUserInOrg({ org: "2i2c-org", team_slug: "partnerships", username: "bob" })).rejects.toMatchObject({ status: 404 });
    await expect(app.rest.teams.getMembershipForUserInOrg({ org: "2i2c-org", team_slug: "nope", username: "alice" })).rejects.toMatchObject({ status: 404 });
  });
});

describe("GraphQL Projects v2", () => {
  const FIND_BOARD = `
    query FindBoard($org: String!, $number: Int!, $field: String!) {
      organization(login: $org) {
        projectV2(number: $number) {
          id
          title
          field(name: $field) {
            __typename
            ... on ProjectV2SingleSelectField { id name options { id name } }
          }
        }
      }
    }`;
  const ADD_ITEM = `mutation($projectId: ID!, $contentId: ID!) {
    addProjectV2ItemById(input: {projectId: $projectId, contentId: $contentId}) { item { id } }
  }`;
  const SET_STATUS = `mutation($input: UpdateProjectV2ItemFieldValueInput!) {
    updateProjectV2ItemFieldValue(input: $input) { projectV2Item { id } }
  }`;

  interface BoardAnswer {
    organization: { projectV2: { id: string; title: string; field: { __typename: string; id: string; name: string; options: Array<{ id: string; name: string }> } } };
  }

  it("finds the board, adds an issue once and sets its status", async () => {
    const { data: issue } = await app.rest.issues.create({ owner: "2i2c-org", repo: "infrastructure", title: "[Request deployment] New Hub: X" });
    const found = await app.graphql<BoardAnswer>(FIND_BOARD, { org: "2i2c-org", number: 22, field: "Status" });
    const project = found.organization.projectV2;
    expect(project.title).toBe("Engineering backlog");
    expect(project.field.__typename).toBe("ProjectV2SingleSelectField");
    expect(project.field.options.map((o) => o.name)).toEqual(["Needs Discussion/Refinement", "Ready to Work", "Done"]);

    const first = await app.graphql<{ addProjectV2ItemById: { item: { id: string } } }>(ADD_ITEM, { projectId: project.id, contentId: issue.node_id });
    const second = await app.graphql<{ addProjectV2ItemById: { item: { id: string } } }>(ADD_ITEM, { projectId: project.id, contentId: issue.node_id });
    expect(second.addProjectV2ItemById.item.id).toBe(first.addProjectV2ItemById.item.id);

    const ready = project.field.options.find((o) => o.name === "Ready to Work")!;
    const set = await app.graphql<{ updateProjectV2ItemFieldValue: { projectV2Item: { id: string } } }>(SET_STATUS, {
      input: { projectId: project.id, itemId: first.addProjectV2ItemById.item.id, fieldId: project.field.id, value: { singleSelectOptionId: ready.id } },
    });
    expect(set.updateProjectV2ItemFieldValue.projectV2Item.id).toBe(first.addProjectV2ItemById.item.id);

    const board = standIn.board("2i2c-org", 22)!;
    expect(board.items).toEqual([expect.objectContaining({ status: "Ready to Work", issue: expect.objectContaining({ repo: "infrastructure", number: issue.number }) })]);
    expect(standIn.countRequests({ kind: "graphql" })).toBe(4);
    expect(standIn.requests.filter((r) => r.kind === "graphql").map((r) => r.graphqlFields?.[0])).toEqual([
      "organization",
      "addProjectV2ItemById",
      "addProjectV2ItemById",
      "updateProjectV2ItemFieldValue",
    ]);
    const page = await (await fetch(`${standIn.url}/orgs/2i2c-org/projects/22`)).text();
    expect(page).toContain("Ready to Work (1)");
  });

  it("answers unknown boards, fields, options and documents with GraphQL errors", async () => {
    await expect(app.graphql(FIND_BOARD, { org: "2i2c-org", number: 99, field: "Status" })).rejects.toMatchObject({
      errors: [expect.objectContaining({ type: "NOT_FOUND", message: expect.stringContaining("ProjectV2 with the number 99") })],
    });
    await expect(app.graphql(FIND_BOARD, { org: "nobody", number: 22, field: "Status" })).rejects.toMatchObject({
      errors: [expect.objectContaining({ type: "NOT_FOUND", path: ["organization"] })],
    });
    const noField = await app.graphql<BoardAnswer>(FIND_BOARD, { org: "2i2c-org", number: 22, field: "Priority" });
    expect(noField.organization.projectV2.field).toBeNull();
    await expect(app.graphql(`{ organization(login: "2i2c-org") { projectsV2(first: 10) { nodes { id } } } }`)).rejects.toMatchObject({
      errors: [expect.objectContaining({ message: "Field 'projectsV2' doesn't exist on type 'Organization'" })],
    });
    await expect(app.graphql(ADD_ITEM, { projectId: standIn.board("2i2c-org", 22)!.id, contentId: "I_nope" })).rejects.toMatchObject({
      errors: [expect.objectContaining({ type: "NOT_FOUND" })],
    });
    await expect(app.graphql("query { viewer { login }")).rejects.toMatchObject({ errors: [expect.objectContaining({ message: expect.stringContaining("Parse error") })] });
    const anonymous = await fetch(standIn.graphqlUrl, { method: "POST", body: JSON.stringify({ query: "{ __typename }" }) });
    expect(anonymous.status).toBe(401);
  });

  it("needs the organization_projects permission", async () => {
    const noProjects = await startGitHubStandIn({
      app: { id: APP_ID, privateKey: PRIVATE_KEY },
      projects: [{ org: "2i2c-org", number: 22, statusField: { name: "Status", options: ["Todo"] } }],
      installations: [{ account: "2i2c-org", permissions: { issues: "write" } }],
    });
    try {
      const octokit = new Octokit({ log: quiet, baseUrl: noProjects.apiUrl, auth: noProjects.installationToken("2i2c-org") });
      await expect(octokit.graphql(FIND_BOARD, { org: "2i2c-org", number: 22, field: "Status" })).rejects.toMatchObject({
        errors: [expect.objectContaining({ type: "FORBIDDEN" })],
      });
    } finally {
      await noProjects.close();
    }
  });
});

describe("failure injection and the request log", () => {
  it("answers the next matching requests with the injected failure, then recovers", async () => {
    standIn.failNext({ method: "POST", path: `/repos/${HUBS}/issues`, status: 502 });
    await expect(app.rest.issues.create({ owner: "2i2c-org", repo: "infrastructure", title: "x" })).rejects.toMatchObject({ status: 502 });
    await expect(app.rest.issues.create({ owner: "2i2c-org", repo: "infrastructure", title: "x" })).resolves.toMatchObject({ status: 201 });

    standIn.failNext({ path: /\/comments$/, status: 403, times: 2 });
    const { data: issue } = await app.rest.issues.get({ owner: "2i2c-org", repo: "infrastructure", issue_number: 1 });
    for (let i = 0; i < 2; i++) {
      const error = await app.rest.issues.createComment({ owner: "2i2c-org", repo: "infrastructure", issue_number: issue.number, body: "hi" }).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 403, message: expect.stringContaining("secondary rate limit"), response: { headers: { "retry-after": "1" } } });
    }
    await expect(app.rest.issues.createComment({ owner: "2i2c-org", repo: "infrastructure", issue_number: issue.number, body: "hi" })).resolves.toMatchObject({ status: 201 });
    expect(standIn.issue(HUBS, issue.number)!.comments).toHaveLength(1);
    expect(standIn.issues(HUBS)).toHaveLength(1);

    standIn.failNext({ path: "/graphql", status: 429, headers: { "retry-after": "7" } });
    const graphqlError = await app.graphql("{ __typename }").catch((e: unknown) => e);
    expect(graphqlError).toMatchObject({ status: 429, response: { headers: { "retry-after": "7" } } });

    const injected = standIn.requests.filter((r) => r.injected);
    expect(injected.map((r) => [r.method, r.status, r.actor])).toEqual([
      ["POST", 502, "hub-sales-bot[bot]"],
      ["POST", 403, "hub-sales-bot[bot]"],
      ["POST", 403, "hub-sales-bot[bot]"],
      ["POST", 429, "hub-sales-bot[bot]"],
    ]);
    expect(standIn.countRequests({ method: "POST", path: `/repos/${HUBS}/issues` })).toBe(2);
    expect(() => standIn.failNext({ path: "repos", status: 502 })).toThrow();
  });
});

describe("webhooks", () => {
  it("delivers signed issues and issue_comment events for people and for the app's own writes", async () => {
    const receiver = await startReceiver();
    standIn.setWebhookTarget({ url: receiver.url, secret: "s3cret" });
    try {
      const opened = standIn.as("alice").openIssue({ repo: SALES, title: "Lead: X", labels: ["status: waiting"] });
      await app.rest.issues.addLabels({ owner: "2i2c-org", repo: "sales", issue_number: opened.number, labels: ["status: needs admin"] });
      const comment = standIn.as("alice").comment({ repo: SALES, number: opened.number, body: "hello" });
      standIn.as("alice").editComment({ repo: SALES, commentId: comment.id, body: "hello again" });
      standIn.as("alice").editIssue({ repo: SALES, number: opened.number, body: "new body" });
      standIn.as("alice").close({ repo: SALES, number: opened.number, reason: "not_planned" });
      await standIn.settle();

      const events = receiver.received.map((r) => {
        const payload = JSON.parse(r.body) as { action: string };
        return `${r.headers["x-github-event"]}.${payload.action}`;
      });
      expect(events).toEqual([
        "issues.opened",
        "issues.labeled",
        "issues.labeled",
        "issue_comment.created",
        "issue_comment.edited",
        "issues.edited",
        "issues.closed",
      ]);
      for (const r of receiver.received) {
        expect(r.headers["content-type"]).toBe("application/json");
        expect(r.headers["x-github-delivery"]).toMatch(/^[0-9a-f-]{36}$/);
        expect(await verifyWebhookSignature("s3cret", r.body, r.headers["x-hub-signature-256"]!)).toBe(true);
        expect(r.headers["x-hub-signature-256"]).toBe(`sha256=${createHmac("sha256", "s3cret").update(r.body).digest("hex")}`);
      }
      const payloads = receiver.received.map((r) => JSON.parse(r.body) as Record<string, any>);
      expect(payloads[0]).toMatchObject({
        action: "opened",
        issue: { number: opened.number, title: "Lead: X", user: { login: "alice", type: "User" } },
        repository: { id: expect.any(Number), name: "sales", full_name: SALES, owner: { login: "2i2c-org" }, private: true, default_branch: "main" },
        sender: { login: "alice", type: "User" },
        installation: { id: standIn.installationId("2i2c-org") },
      });
      expect(payloads[2]).toMatchObject({ action: "labeled", label: { name: "status: needs admin" }, sender: { login: "hub-sales-bot[bot]", type: "Bot" } });
      expect(payloads[3]).toMatchObject({ comment: { id: comment.id, body: "hello", user: { login: "alice" } }, issue: { number: opened.number } });
      expect(payloads[4]).toMatchObject({ changes: { body: { from: "hello" } }, comment: { body: "hello again" } });
      expect(payloads[5]).toMatchObject({ changes: { body: { from: null } }, issue: { body: "new body" } });
      expect(payloads[6]).toMatchObject({ issue: { state: "closed", state_reason: "not_planned" } });
      expect(standIn.deliveries.every((d) => d.status === 202)).toBe(true);

      // The app's own writes can be kept quiet for tests that want only people's events.
      standIn.webhooksForAppWrites = false;
      await app.rest.issues.addLabels({ owner: "2i2c-org", repo: "sales", issue_number: opened.number, labels: ["quiet"] });
      await standIn.settle();
      expect(receiver.received).toHaveLength(7);
    } finally {
      await receiver.close();
    }
  });

  it("redelivers the same payload with the same delivery id, and records failed deliveries", async () => {
    const receiver = await startReceiver(500);
    standIn.setWebhookTarget({ url: receiver.url, secret: "s3cret" });
    try {
      standIn.as("alice").openIssue({ repo: HUBS, title: "x" });
      await standIn.settle();
      const [original] = standIn.deliveries;
      expect(original).toMatchObject({ event: "issues", action: "opened", status: 500, redelivery: false });

      const again = standIn.redeliver(original!.id);
      await standIn.settle();
      expect(again).toMatchObject({ id: original!.id, redelivery: true, status: 500 });
      expect(receiver.received).toHaveLength(2);
      expect(receiver.received[1]!.headers["x-github-delivery"]).toBe(original!.id);
      expect(receiver.received[1]!.body).toBe(receiver.received[0]!.body);
      expect(() => standIn.redeliver("not-a-delivery")).toThrow(/no webhook delivery/);
    } finally {
      await receiver.close();
    }

    // Nobody listening: the delivery is recorded with its error, as GitHub shows a failed delivery.
    standIn.as("alice").comment({ repo: HUBS, number: 1, body: "anyone?" });
    await standIn.settle();
    expect(standIn.deliveries.at(-1)).toMatchObject({ event: "issue_comment", status: null, error: expect.any(String) });
  });
});

describe("a real Probot app against the stand-in", () => {
  let server: Server | undefined;

  afterEach(async () => {
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
  });

  it("authenticates as the installation, reads its config and writes through signed webhooks", async () => {
    const probot = new Probot({ appId: APP_ID, privateKey: PRIVATE_KEY, secret: "probot-secret", baseUrl: standIn.apiUrl, logLevel: "fatal" });
    const seen: string[] = [];
    const middleware = await createNodeMiddleware(
      (robot) => {
        robot.on("issues.opened", async (context) => {
          if (context.isBot) return;
          const config = (await context.config<{ hub_repo: string }>("hub-sales.yml")) ?? { hub_repo: "missing/missing" };
          seen.push(config.hub_repo);
          const [owner, repo] = config.hub_repo.split("/") as [string, string];
          const { data: created } = await context.octokit.rest.issues.create({ owner, repo, title: `[Request Information] ${context.payload.issue.title}` });
          await context.octokit.rest.issues.createComment(context.issue({ body: `Opened ${created.html_url}` }));
        });
      },
      { probot },
    );
    server = createServer((req, res) => void middleware(req, res, () => res.writeHead(404).end()));
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    standIn.setWebhookTarget({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`, secret: "probot-secret" });

    const lead = standIn.as("alice").openIssue({ repo: SALES, title: "Lead: Example University" });
    await standIn.settle();

    expect(seen).toEqual(["2i2c-org/infrastructure"]);
    expect(standIn.deliveries[0]).toMatchObject({ event: "issues", status: 200 });
    const [hubIssue] = standIn.issues(HUBS);
    expect(hubIssue).toMatchObject({ title: "[Request Information] Lead: Example University", author: "hub-sales-bot[bot]" });
    expect(standIn.issue(SALES, lead.number)!.comments).toEqual([
      expect.objectContaining({ author: "hub-sales-bot[bot]", body: `Opened ${hubIssue!.htmlUrl}` }),
    ]);
    // Probot made the installation token with its JWT; everything else went as the bot.
    expect(standIn.countRequests({ method: "POST", path: /^\/app\/installations\/\d+\/access_tokens$/, actor: "hub-sales-bot" })).toBe(1);
    expect(standIn.countRequests({ path: "/repos/2i2c-org/sales/contents/.github/hub-sales.yml", actor: "hub-sales-bot[bot]" })).toBe(1);

    // probot.auth(installationId) works the same way outside a webhook.
    const octokit = await probot.auth(standIn.installationId("2i2c-org"));
    const { data } = await octokit.rest.issues.create({ owner: "2i2c-org", repo: "sales", title: "direct" });
    expect(data.user?.login).toBe("hub-sales-bot[bot]");
  });

  it("is reached through GHE_HOST and GHE_PROTOCOL, REST and GraphQL alike", async () => {
    const probot = createProbot({
      env: {
        APP_ID: String(APP_ID),
        PRIVATE_KEY,
        WEBHOOK_SECRET: "probot-secret",
        GHE_HOST: standIn.host,
        GHE_PROTOCOL: "http",
        LOG_LEVEL: "fatal",
      },
    });
    const octokit = await probot.auth(standIn.installationId("2i2c-org"));
    const { data: issue } = await octokit.rest.issues.create({ owner: "2i2c-org", repo: "infrastructure", title: "via GHE_HOST" });
    const board = await octokit.graphql<{ organization: { projectV2: { title: string } } }>(
      "query($org: String!) { organization(login: $org) { projectV2(number: 22) { title } } }",
      { org: "2i2c-org" },
    );
    expect(issue.html_url).toBe(`${standIn.url}/2i2c-org/infrastructure/issues/1`);
    expect(board.organization.projectV2.title).toBe("Engineering backlog");
    expect(standIn.countRequests({ kind: "graphql", actor: "hub-sales-bot[bot]" })).toBe(1);
  });
});
