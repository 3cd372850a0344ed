import { describe, expect, it } from "vitest";
import { OwnedIssueIndex } from "../../src/controller/owned-issue-index.js";
import type { GitHubGateway, RepoRef } from "../../src/github/github-gateway.js";
import { renderIssueMarker } from "../../src/github/issue-marker.js";
import { RecordingGateway } from "../support/recording-gateway.js";

const SALES: RepoRef = { owner: "org", repo: "sales" };

function madeByApp(gateway: RecordingGateway, leadId: string) {
  return gateway.personOpensIssue(SALES, {
    title: `Lead: ${leadId}`,
    body: `text\n\n${renderIssueMarker({ lead: leadId, kind: "lead" })}`,
    labels: [],
    author: gateway.appLogin,
  });
}

/** A gateway whose listings hold their answer until `release()`: a listing in flight. */
function heldListings(inner: RecordingGateway) {
  let release: () => void = () => {};
  let held = new Promise<void>((resolve) => (release = resolve));
  const gateway: Pick<GitHubGateway, "listOwnedIssuesPage" | "getIssue"> = {
    getIssue: (repo, number) => inner.getIssue(repo, number),
    listOwnedIssuesPage: async (repo, options) => {
      const page = await inner.listOwnedIssuesPage(repo, options);
      await held;
      return page;
    },
  };
  return {
    gateway,
    release: () => {
      release();
      held = Promise.resolve();
    },
  };
}

describe("OwnedIssueIndex", () => {
  it("fills from every page once, then reads only the newest page down to the issues already listed", async () => {
    const gateway = new RecordingGateway();
    for (let i = 0; i < 250; i++) madeByApp(gateway, `lead-${i}`);
    const index = new OwnedIssueIndex(gateway);

    expect((await index.find(SALES, "lead", "lead-7", index.mark()))?.number).toBe(8);
    expect(gateway.callsOf("listOwnedIssuesPage").map((c) => (c.args[1] as { page: number }).page)).toEqual([1, 2, 3]);

    // Another process makes one more; a run marked now finds it in one page.
    gateway.resetCalls();
    const orphan = madeByApp(gateway, "lead-new");
    expect((await index.find(SALES, "lead", "lead-new", index.mark()))?.number).toBe(orphan.number);
    expect(gateway.callsOf("listOwnedIssuesPage")).toHaveLength(1);
    expect(await index.find(SALES, "lead", "lead-nobody", index.mark())).toBeNull();
  });

  it("runs marked before a listing began share it; a run marked after it began waits for the next one", async () => {
    const recording = new RecordingGateway();
    const { gateway, release } = heldListings(recording);
    const index = new OwnedIssueIndex(gateway);

    const before = index.mark();
    const first = index.find(SALES, "lead", "lead-a", before);
    const shared = index.find(SALES, "lead", "lead-b", before);
    await new Promise((resolve) => setImmediate(resolve));
    // The listing in flight has read the repo already; an issue made now is not in it.
    madeByApp(recording, "lead-c");
    const after = index.find(SALES, "lead", "lead-c", index.mark());
    release();

    expect(await first).toBeNull();
    expect(await shared).toBeNull();
    expect((await after)?.marker?.lead).toBe("lead-c");
    expect(recording.callsOf("listOwnedIssuesPage")).toHaveLength(2);
  });

  it("reads a candidate afresh: one whose marker a person removed is not adopted", async () => {
    const gateway = new RecordingGateway();
    const issue = madeByApp(gateway, "lead-x");
    const index = new OwnedIssueIndex(gateway);
    expect((await index.find(SALES, "lead", "lead-x", index.mark()))?.number).toBe(issue.number);

    gateway.personEditsIssue(SALES, issue.number, { body: "no marker any more" });
    expect(await index.find(SALES, "lead", "lead-x", index.mark())).toBeNull();
  });

  it("a listing that fails is not trusted: the next run lists again", async () => {
    const gateway = new RecordingGateway();
    const index = new OwnedIssueIndex(gateway);
    const mark = index.mark();
    gateway.failNext("listOwnedIssuesPage", 1, new Error("502"));
    await expect(index.find(SALES, "lead", "lead-z", mark)).rejects.toThrow("502");
    const orphan = madeByApp(gateway, "lead-z");
    expect((await index.find(SALES, "lead", "lead-z", mark))?.number).toBe(orphan.number);
  });
});
