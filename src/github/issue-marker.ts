/**
 * The hidden marker that identifies every issue (and comment) the app owns (SPEC §4):
 * `<!-- hub-sales {"lead":"<lead id>","kind":"<kind>"} -->`. The marker, not the title,
 * identifies an issue, so people may retitle issues freely.
 */
export const ISSUE_KINDS = ["lead", "request-information", "deployment", "invoice", "configuration", "issue-form"] as const;
export type IssueKind = (typeof ISSUE_KINDS)[number];

export interface IssueMarker {
  lead: string;
  kind: IssueKind;
}

/** Comments the app keeps (one per purpose), found by their own marker. */
export interface CommentMarker {
  lead: string;
  /** e.g. `readiness`, `link:request-information`, `follow-up:2026-03-01`. */
  comment: string;
}

const MARKER_RE = /<!-- hub-sales (\{[^\n]*?\}) -->/;

export function renderIssueMarker(marker: IssueMarker): string {
  return `<!-- hub-sales ${JSON.stringify({ lead: marker.lead, kind: marker.kind })} -->`;
}

export function renderCommentMarker(marker: CommentMarker): string {
  return `<!-- hub-sales ${JSON.stringify({ lead: marker.lead, comment: marker.comment })} -->`;
}

function readMarkerJson(body: string | null | undefined): Record<string, unknown> | null {
  if (!body) return null;
  const m = MARKER_RE.exec(body);
  if (!m) return null;
  try {
    const value: unknown = JSON.parse(m[1]!);
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function parseIssueMarker(body: string | null | undefined): IssueMarker | null {
  const json = readMarkerJson(body);
  if (!json || typeof json.lead !== "string" || typeof json.kind !== "string") return null;
  if (!(ISSUE_KINDS as readonly string[]).includes(json.kind)) return null;
  return { lead: json.lead, kind: json.kind as IssueKind };
}

export function parseCommentMarker(body: string | null | undefined): CommentMarker | null {
  const json = readMarkerJson(body);
  if (!json || typeof json.lead !== "string" || typeof json.comment !== "string") return null;
  return { lead: json.lead, comment: json.comment };
}
