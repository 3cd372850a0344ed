/**
 * Record values are data, not markup. Everything a person typed into the table (a lead's
 * name, notes, a hub name) goes through here before it is written into an issue title,
 * body or comment, so that it cannot mention anyone, open an HTML comment (which would
 * hide the rest of the body, marker and pings included), start a heading or inject HTML.
 * Mentions come only from the fields meant for them, rendered by the callers themselves.
 */

/** GitHub's limits, in characters (Unicode code points), as its API enforces them. */
export const GITHUB_TITLE_MAX = 256;
export const GITHUB_BODY_MAX = 65_536;

// Line breaks of every kind (CR, LF, VT, FF, NEL, U+2028/9) and other control characters.
const BREAKS_AND_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;
// Markdown punctuation that can open emphasis, code, links, tables, strikethrough or headings.
const MARKDOWN_PUNCTUATION = /[\\`*_[\]|~#]/g;
// `@name` or `@org/team` as GitHub links them: `@` at a word start, followed by a handle character.
const MENTION_START = /(^|[^A-Za-z0-9])@(?=[A-Za-z0-9_-])/g;
const ZERO_WIDTH_SPACE = "&#8203;";

/** One line of text: line breaks and control characters become single spaces. */
export function singleLine(text: string): string {
  return text.replace(BREAKS_AND_CONTROLS, " ").replace(/ {2,}/g, " ").trim();
}

/**
 * A record value as inline Markdown that renders as the text itself: one line, HTML
 * special characters as entities, Markdown punctuation backslash-escaped, and a
 * zero-width space after any `@` that would mention someone (`name@example.org` stays).
 */
export function escapeMarkdown(text: string): string {
  return singleLine(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(MARKDOWN_PUNCTUATION, (ch) => `\\${ch}`)
    .replace(MENTION_START, (_m, before: string) => `${before}@${ZERO_WIDTH_SPACE}`);
}

/** Length as GitHub counts it: code points, not UTF-16 units. */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/** The first `max` code points (never half a surrogate pair). */
function firstCharacters(text: string, max: number): string {
  let out = "";
  let count = 0;
  for (const ch of text) {
    if (count === max) break;
    out += ch;
    count += 1;
  }
  return out;
}

/** `text` cut to `max` characters, ending in `…` when cut. */
export function cutText(text: string, max: number): string {
  // UTF-16 length is never below the code-point count: the common short case needs no count.
  if (text.length <= max || characterCount(text) <= max) return text;
  return `${firstCharacters(text, max - 1).trimEnd()}…`;
}

/**
 * An issue title: GitHub shows titles as plain text (no Markdown, no mentions), but they
 * must be one line and at most 256 characters. Longer ones end in `…`; the body keeps the
 * full name.
 */
export function plainTitle(text: string): string {
  return cutText(singleLine(text), GITHUB_TITLE_MAX);
}

/**
 * A body or comment within GitHub's 65,536 characters. Callers cut the long parts they know
 * (notes) with a pointer first; this is the last guard, keeping the beginning (where the
 * marker is) and saying where the rest is.
 */
export function fitGitHubBody(body: string, pointer = "the rest was cut to fit GitHub's 65,536-character limit"): string {
  if (body.length <= GITHUB_BODY_MAX || characterCount(body) <= GITHUB_BODY_MAX) return body;
  const tail = `\n\n… (${pointer})`;
  return `${firstCharacters(body, GITHUB_BODY_MAX - characterCount(tail))}${tail}`;
}

/**
 * A link from a record (a hub's URL, an agreement link): shown as-is when it is a plain
 * http(s) URL, which GitHub autolinks; anything else is escaped like any other value.
 */
export function escapeUrl(text: string): string {
  const trimmed = text.trim();
  // No `@` either: kept as-is, `https://x.org/@name` would read as a mention where it is not autolinked.
  if (/^https?:\/\/[^\s<>"'`\\|[\]*~@]+$/i.test(trimmed) && URL.canParse(trimmed)) return trimmed;
  return escapeMarkdown(text);
}
