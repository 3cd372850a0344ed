import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startGitHubStandIn, type GitHubStandIn } from "../../src/sandbox/github-stand-in/github-stand-in.js";

const PRIVATE_KEY = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();

let standIn: GitHubStandIn;
let token: string;

beforeEach(async () => {
  standIn = await startGitHubStandIn({
    app: { privateKey: PRIVATE_KEY },
    orgs: [{ login: "example-org" }],
    users: ["alice"],
    repos: [{ fullName: "example-org/sales", private: true, permissions: { alice: "admin" } }],
  });
  token = standIn.installationToken("example-org");
});
afterEach(async () => {
  await standIn.close();
});

function getIssue(number: number, ifNoneMatch?: string): Promise<Response> {
  return fetch(`${standIn.apiUrl}/repos/example-org/sales/issues/${number}`, {
    headers: { authorization: `token ${token}`, ...(ifNoneMatch ? { "if-none-match": ifNoneMatch } : {}) },
  });
}

describe("conditional requests", () => {
  it("tags a read with an ETag and answers a matching If-None-Match with an empty 304 until the issue changes", async () => {
    const opened = standIn.as("alice").openIssue({ repo: "example-org/sales", title: "Lead: Example" });
    const first = await getIssue(opened.number);
    expect(first.status).toBe(200);
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
    await first.json();

    const again = await getIssue(opened.number, etag!);
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(await again.text()).toBe("");

    // The strong form of the same tag, and a list holding it, match too (weak comparison).
    expect((await getIssue(opened.number, etag!.replace(/^W\//, ""))).status).toBe(304);
    expect((await getIssue(opened.number, `W/"other", ${etag}`)).status).toBe(304);

    standIn.as("alice").addLabels({ repo: "example-org/sales", number: opened.number, labels: ["status: waiting"] });
    const changed = await getIssue(opened.number, etag!);
    expect(changed.status).toBe(200);
    const newTag = changed.headers.get("etag");
    expect(newTag).not.toBe(etag);
    expect(((await changed.json()) as { labels: Array<{ name: string }> }).labels.map((l) => l.name)).toEqual(["status: waiting"]);

    expect(standIn.requests.filter((r) => r.path === `/repos/example-org/sales/issues/${opened.number}`).map((r) => r.status)).toEqual([
      200, 304, 304, 304, 200,
    ]);
  });

  it("tags a listing page too: 304 while it is the same, and a new issue comes first, newest made first", async () => {
    const list = (ifNoneMatch?: string) =>
      fetch(`${standIn.apiUrl}/repos/example-org/sales/issues?state=all&sort=created&direction=desc&per_page=100&page=1`, {
        headers: { authorization: `token ${token}`, ...(ifNoneMatch ? { "if-none-match": ifNoneMatch } : {}) },
      });
    const older = standIn.as("alice").openIssue({ repo: "example-org/sales", title: "Lead: Older" });
    const first = await list();
    const etag = first.headers.get("etag")!;
    expect(((await first.json()) as Array<{ number: number }>).map((i) => i.number)).toEqual([older.number]);
    expect((await list(etag)).status).toBe(304);

    const newer = standIn.as("alice").openIssue({ repo: "example-org/sales", title: "Lead: Newer" });
    const changed = await list(etag);
    expect(changed.status).toBe(200);
    expect(((await changed.json()) as Array<{ number: number; created_at: string }>).map((i) => i.number)).toEqual([newer.number, older.number]);
  });

  it("does not answer 304 for a tag that never matched, errors, or writes", async () => {
    const opened = standIn.as("alice").openIssue({ repo: "example-org/sales", title: "Lead: Other" });
    expect((await getIssue(opened.number, 'W/"stale"')).status).toBe(200);
    const missing = await getIssue(999, "*");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("etag")).toBeNull();
    const patched = await fetch(`${standIn.apiUrl}/repos/example-org/sales/issues/${opened.number}`, {
      method: "PATCH",
      headers: { authorization: `token ${token}`, "content-type": "application/json", "if-none-match": "*" },
      body: JSON.stringify({ title: "Lead: Renamed" }),
    });
    expect(patched.status).toBe(200);
  });
});
