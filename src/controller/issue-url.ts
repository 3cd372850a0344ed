import type { RepoRef } from "../github/github-gateway.js";

/**
 * Reads `https://github.com/<owner>/<repo>/issues/<n>` (or the same path on GitHub
 * Enterprise or the sandbox) back into a repo and number. Null for anything else.
 */
export function parseIssueUrl(url: string): { repo: RepoRef; number: number } | null {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return null;
  }
  const m = /\/([^/]+)\/([^/]+)\/issues\/(\d+)\/?$/.exec(path);
  if (!m) return null;
  return { repo: { owner: decodeURIComponent(m[1]!), repo: decodeURIComponent(m[2]!) }, number: Number(m[3]) };
}
