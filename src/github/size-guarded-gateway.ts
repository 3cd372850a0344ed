import { createHash } from "node:crypto";
import type { LeadStore } from "../store/lead-store.js";
import { GitHubApiError } from "./github-api-error.js";
import { repoFullName, type GitHubGateway, type RepoRef } from "./github-gateway.js";
import { characterCount, GITHUB_BODY_MAX, GITHUB_TITLE_MAX } from "./markdown-text.js";

/**
 * A write that is too large for GitHub fails the same way every time: retrying it unchanged
 * only spends the rate limit. It is not retryable; the renderer must produce something else.
 */
export class GitHubWriteTooLargeError extends GitHubApiError {
  constructor(what: string, method: string, url: string, detail: string) {
    super({ message: `GitHub would refuse ${what}: ${detail}; not sent again until it changes`, status: 422, method, url, retryable: false });
  }
}

type SizedWrite = { what: string; method: string; url: string; title?: string | undefined; body?: string | null | undefined };

const TOO_LONG = /is too long \(maximum is \d+ characters\)/i;
const stateKey = (fingerprint: string) => `github-size-refused:${fingerprint}`;

/**
 * Wraps a gateway so that writes over GitHub's limits (titles 256 characters, bodies and
 * comments 65,536) are not sent, and a write GitHub refused for its size (it may count
 * differently) is remembered in the store and never sent again unchanged.
 */
export function guardWriteSizes(gateway: GitHubGateway, store: Pick<LeadStore, "getState" | "setState">): GitHubGateway {
  async function guarded<T>(write: SizedWrite, send: () => Promise<T>): Promise<T> {
    if (write.title !== undefined && characterCount(write.title) > GITHUB_TITLE_MAX) {
      throw new GitHubWriteTooLargeError(write.what, write.method, write.url, `the title has ${characterCount(write.title)} characters, over ${GITHUB_TITLE_MAX}`);
    }
    if (typeof write.body === "string" && characterCount(write.body) > GITHUB_BODY_MAX) {
      throw new GitHubWriteTooLargeError(write.what, write.method, write.url, `the body has ${characterCount(write.body)} characters, over ${GITHUB_BODY_MAX}`);
    }
    const fingerprint = createHash("sha256").update(JSON.stringify([write.method, write.url, write.title ?? null, write.body ?? null])).digest("hex");
    const refused = await store.getState<{ message: string }>(stateKey(fingerprint));
    if (refused) throw new GitHubWriteTooLargeError(write.what, write.method, write.url, `it refused this exact write before (${refused.message})`);
    try {
      return await send();
    } catch (error) {
      if (error instanceof GitHubApiError && error.status === 422 && TOO_LONG.test(error.message)) {
        const message = TOO_LONG.exec(error.message)![0];
        await store.setState(stateKey(fingerprint), { message });
        throw new GitHubWriteTooLargeError(write.what, write.method, write.url, message);
      }
      throw error;
    }
  }
  const issuePath = (repo: RepoRef, number?: number) => `/repos/${repoFullName(repo)}/issues${number === undefined ? "" : `/${number}`}`;
  const overrides: Partial<GitHubGateway> = {
    createIssue: (repo, issue) =>
      guarded({ what: "a new issue", method: "POST", url: issuePath(repo), title: issue.title, body: issue.body }, () => gateway.createIssue(repo, issue)),
    updateIssue: (repo, number, patch) =>
      guarded({ what: `an edit of issue #${number}`, method: "PATCH", url: issuePath(repo, number), title: patch.title, body: patch.body }, () =>
        gateway.updateIssue(repo, number, patch),
      ),
    createComment: (repo, number, body, options) =>
      guarded({ what: `a comment on #${number}`, method: "POST", url: `${issuePath(repo, number)}/comments`, body }, () =>
        gateway.createComment(repo, number, body, options),
      ),
    updateComment: (repo, commentId, body) =>
      guarded({ what: `an edit of comment ${commentId}`, method: "PATCH", url: `/repos/${repoFullName(repo)}/issues/comments/${commentId}`, body }, () =>
        gateway.updateComment(repo, commentId, body),
      ),
  };
  return new Proxy(gateway, {
    get(target, property, receiver) {
      const override = overrides[property as keyof GitHubGateway];
      if (override !== undefined) return override;
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
