import { z } from "zod";

/** Which version of which hub-repo form an issue was rendered from. */
export interface FormRef {
  /** File name under the hub repo's `.github/ISSUE_TEMPLATE/`. */
  file: string;
  /** Git blob sha of the file as read. */
  sha: string;
}

/*
 * Kept on the issue itself, next to the app's marker but apart from it (the marker's
 * shape is part of the contract): the issue says which form it answers, so an issue
 * adopted after a crash, or read by another replica, is checked against the right one.
 */
const REF_RE = /<!-- hub-sales-form (\{[^\n]*?\}) -->/;
const refSchema = z.object({ file: z.string().min(1), sha: z.string().regex(/^[0-9a-f]{40}$/) });

export function renderFormReference(ref: FormRef): string {
  return `<!-- hub-sales-form ${JSON.stringify({ file: ref.file, sha: ref.sha })} -->`;
}

export function parseFormReference(body: string | null | undefined): FormRef | null {
  const m = body ? REF_RE.exec(body) : null;
  if (!m) return null;
  try {
    const parsed = refSchema.safeParse(JSON.parse(m[1]!));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
