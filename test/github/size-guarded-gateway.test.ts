import { describe, expect, it } from "vitest";
import { GitHubApiError } from "../../src/github/github-api-error.js";
import type { GitHubGateway, IssueSnapshot } from "../../src/github/github-gateway.js";
import { GitHubWriteTooLargeError, guardWriteSizes } from "../../src/github/size-guarded-gateway.js";
import { SqliteLeadStore } from "../../src/store/sqlite-lead-store.js";

/* A write refused for its size is never sent again unchanged (issue: "the 422 repeats forever"). */

const REPO = { owner: "2i2c-org", repo: "sales" };
const tooLong = () =>
  new GitHubApiError({
    message: 'GitHub PATCH /repos/2i2c-org/sales/issues/1 failed with 422: Validation Failed: {"resource":"Issue","code":"custom","field":"body","message":"body is too long (maximum is 65536 characters)"}',
    status: 422,
    method: "PATCH",
    url: "/repos/2i2c-org/sales/issues/1",
    retryable: false,
  });

function fakeGateway(refuse: (body: string | undefined) => boolean) {
  const sent: string[] = [];
  const gateway = {
    async updateIssue(_repo, number, patch) {
      sent.push(`PATCH #${number} ${patch.body?.length ?? 0}`);
      if (refuse(patch.body)) throw tooLong();
      return { number } as IssueSnapshot;
    },
    async createComment(_repo, number, body) {
      sent.push(`POST #${number} ${body.length}`);
      return { id: 1, htmlUrl: "", body, author: "bot", marker: null };
    },
    async getIssue() {
      return null;
    },
  } as Partial<GitHubGateway> as GitHubGateway;
  return { gateway, sent };
}

describe("guardWriteSizes", () => {
  it("does not send a title or body over GitHub's limits", async () => {
    const store = SqliteLeadStore.open(":memory:");
    const { gateway, sent } = fakeGateway(() => false);
    const guarded = guardWriteSizes(gateway, store);
    await expect(guarded.updateIssue(REPO, 1, { title: "t".repeat(257) })).rejects.toBeInstanceOf(GitHubWriteTooLargeError);
    await expect(guarded.createComment(REPO, 1, "c".repeat(65_537))).rejects.toMatchObject({ retryable: false, status: 422 });
    expect(sent).toEqual([]);
    // Code points count: 40,000 emoji (80,000 UTF-16 units) are within the limit.
    await guarded.createComment(REPO, 1, "🚀".repeat(40_000));
    expect(sent).toEqual(["POST #1 80000"]);
    await store.close();
  });

  it("remembers a write GitHub refused for size and never sends it again unchanged; a changed one goes out", async () => {
    const store = SqliteLeadStore.open(":memory:");
    const { gateway, sent } = fakeGateway((body) => body === "counted differently");
    const guarded = guardWriteSizes(gateway, store);
    await expect(guarded.updateIssue(REPO, 1, { body: "counted differently" })).rejects.toMatchObject({
      message: expect.stringContaining("is too long (maximum is 65536 characters)"),
      retryable: false,
    });
    // A later run (the store remembers across restarts) does not send it again.
    const again = guardWriteSizes(gateway, store);
    await expect(again.updateIssue(REPO, 1, { body: "counted differently" })).rejects.toMatchObject({
      message: expect.stringContaining("refused this exact write before"),
    });
    expect(sent).toEqual(["PATCH #1 19"]);
    await again.updateIssue(REPO, 1, { body: "shorter" });
    expect(sent).toEqual(["PATCH #1 19", "PATCH #1 7"]);
    // Reads pass through.
    expect(await again.getIssue(REPO, 1)).toBeNull();
    await store.close();
  });
});
