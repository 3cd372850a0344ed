/**
 * Reads slash commands out of an issue comment (SPEC §5): one command per line that
 * begins with `/` (after optional spaces), outside what GitHub renders as code, hidden
 * or quoted: fenced code blocks, inline code spans, HTML comments and `>` quotes.
 *
 * Pure and total: any string gives a list, never an exception. Where Markdown is
 * ambiguous the parser leans towards "not a command", because acting on text a person
 * did not see rendered as a command is worse than asking them to write it again.
 */

export interface ParsedCommand {
  /** Lower-case name without the slash: `confirm-service`. */
  name: string;
  /** `key=value` arguments; keys are lower-cased. */
  args: Record<string, string>;
  /** Bare words, in order: `/status needs-admin` → `["needs-admin"]`. */
  positionals: string[];
  /** 1-based line number in the comment. */
  line: number;
  /** The line as written, trimmed. */
  raw: string;
  /** Set when the arguments could not be read; `args`/`positionals` then hold what was read before. */
  error?: string;
}

const COMMAND_RE = /^\/([A-Za-z][A-Za-z0-9_-]*)(?=\s|$)/;
const KEY_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;
const FENCE_OPEN_RE = /^([ \t]*)(`{3,}|~{3,})(.*)$/;
const LINE_BREAK_RE = /\r\n|\r|\n/;
/** Opening quote → closing quote; typographic quotes come from phones and word processors. */
const QUOTES: Record<string, string> = { '"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019" };

/** Where a region (comment or code span) that runs past its line ends: resume scanning there. */
interface Position {
  line: number;
  column: number;
}

interface Fence {
  char: string;
  length: number;
  indent: number;
}

export function parseCommands(commentBody: string): ParsedCommand[] {
  if (typeof commentBody !== "string" || !commentBody.includes("/")) return [];
  const lines = commentBody.split(LINE_BREAK_RE);
  const commands: ParsedCommand[] = [];
  let fence: Fence | null = null;
  let resumeAt: Position | null = null;
  // A line right after a quote line continues the quote (Markdown's lazy continuation).
  let inQuote = false;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (resumeAt !== null) {
      if (resumeAt.line > i) continue;
      // This line began inside a comment or code span: never a command, but what follows
      // the region's end can open another one.
      resumeAt = scanInline(lines, i, resumeAt.column).resume;
      inQuote = false;
      continue;
    }
    if (fence !== null) {
      if (isClosingFence(line, fence)) fence = null;
      continue;
    }
    if (line.trim() === "") {
      inQuote = false;
      continue;
    }
    if (/^[ \t]*>/.test(line)) {
      inQuote = true;
      continue;
    }
    if (inQuote) continue;
    const opening = readFenceOpening(line);
    if (opening !== null) {
      fence = opening;
      continue;
    }
    const indent = /^[ \t]*/.exec(line)![0].length;
    const scanned = scanInline(lines, i, indent);
    resumeAt = scanned.resume;
    if (line[indent] === "/") {
      const command = parseCommandLine(scanned.text, i + 1, line.trim());
      if (command !== null) commands.push(command);
    }
  }
  return commands;
}

function readFenceOpening(line: string): Fence | null {
  const m = FENCE_OPEN_RE.exec(line);
  if (!m) return null;
  const run = m[2]!;
  // A backtick fence's info string cannot hold a backtick (CommonMark): "```a```" is inline code.
  if (run[0] === "`" && m[3]!.includes("`")) return null;
  return { char: run[0]!, length: run.length, indent: indentWidth(m[1]!) };
}

function isClosingFence(line: string, fence: Fence): boolean {
  const m = /^([ \t]*)(`+|~+)[ \t]*$/.exec(line);
  if (!m) return false;
  const run = m[2]!;
  // Deeper than three columns past the opening it is content (an indented ``` inside the block).
  return run[0] === fence.char && run.length >= fence.length && indentWidth(m[1]!) <= fence.indent + 3;
}

function indentWidth(whitespace: string): number {
  let width = 0;
  for (const ch of whitespace) width += ch === "\t" ? 4 - (width % 4) : 1;
  return width;
}

/**
 * Walks a line from `column`, skipping HTML comments and stepping over code spans, and
 * returns the visible text (comments removed, code kept verbatim) plus, when a comment or
 * code span runs past this line, where it ends.
 */
function scanInline(lines: readonly string[], lineIndex: number, column: number): { text: string; resume: Position | null } {
  const line = lines[lineIndex]!;
  let text = "";
  let c = column;
  while (c < line.length) {
    const ch = line[c]!;
    if (ch === "\\" && c + 1 < line.length) {
      // An escaped backtick or `<` opens nothing.
      text += line.slice(c, c + 2);
      c += 2;
      continue;
    }
    if (line.startsWith("<!--", c)) {
      const end = findText(lines, lineIndex, c + 4, "-->", false);
      // An unclosed comment hides the rest of the comment body: GitHub renders it hidden.
      if (end === null) return { text, resume: { line: Number.POSITIVE_INFINITY, column: 0 } };
      if (end.line !== lineIndex) return { text, resume: { line: end.line, column: end.column + 3 } };
      c = end.column + 3;
      continue;
    }
    if (ch === "`") {
      const length = runLength(line, c, "`");
      const end = findBacktickRun(lines, lineIndex, c + length, length);
      if (end === null) {
        // No closing run of the same length in the paragraph: the backticks are literal.
        text += line.slice(c, c + length);
        c += length;
        continue;
      }
      if (end.line !== lineIndex) return { text: text + line.slice(c), resume: { line: end.line, column: end.column + length } };
      text += line.slice(c, end.column + length);
      c = end.column + length;
      continue;
    }
    text += ch;
    c += 1;
  }
  return { text, resume: null };
}

function runLength(line: string, start: number, ch: string): number {
  let end = start;
  while (line[end] === ch) end += 1;
  return end - start;
}

/** The first `needle` at or after (line, column), in this line and the following ones. */
function findText(lines: readonly string[], lineIndex: number, column: number, needle: string, withinParagraph: boolean): Position | null {
  for (let j = lineIndex; j < lines.length; j++) {
    if (j > lineIndex && withinParagraph && endsParagraph(lines[j]!)) return null;
    const at = lines[j]!.indexOf(needle, j === lineIndex ? column : 0);
    if (at >= 0) return { line: j, column: at };
  }
  return null;
}

/** A backtick run of exactly `length` closing a code span, within the paragraph. */
function findBacktickRun(lines: readonly string[], lineIndex: number, column: number, length: number): Position | null {
  for (let j = lineIndex; j < lines.length; j++) {
    const line = lines[j]!;
    if (j > lineIndex && endsParagraph(line)) return null;
    let c = j === lineIndex ? column : 0;
    while (c < line.length) {
      const at = line.indexOf("`", c);
      if (at < 0) break;
      const run = runLength(line, at, "`");
      if (run === length) return { line: j, column: at };
      c = at + run;
    }
  }
  return null;
}

/** Lines that end a paragraph, and with it any open code span. */
function endsParagraph(line: string): boolean {
  return line.trim() === "" || /^[ \t]*>/.test(line) || readFenceOpening(line) !== null;
}

/** `/name args…` → a command, or null when the line is not one (`/path/to`, `/ note`, `//`). */
export function parseCommandLine(text: string, line: number, raw: string): ParsedCommand | null {
  const trimmed = text.trimStart();
  const m = COMMAND_RE.exec(trimmed);
  if (!m) return null;
  const command: ParsedCommand = { name: m[1]!.toLowerCase(), args: {}, positionals: [], line, raw };
  const tokens = tokenize(trimmed.slice(m[0].length));
  for (const token of tokens.tokens) {
    if (token.equals < 0) {
      command.positionals.push(token.text);
      continue;
    }
    const key = token.text.slice(0, token.equals);
    const value = token.text.slice(token.equals + 1);
    if (key === "") {
      command.error = `\`${truncate(token.source)}\` has no argument name: write key=value`;
      return command;
    }
    if (token.quotedBeforeEquals || !KEY_RE.test(key)) {
      command.error = `\`${truncate(key)}\` is not an argument name: names are plain words of letters, digits, - and _`;
      return command;
    }
    const lower = key.toLowerCase();
    if (Object.hasOwn(command.args, lower)) {
      command.error = `argument \`${lower}\` is given twice`;
      return command;
    }
    command.args[lower] = value;
  }
  if (tokens.error !== undefined) command.error = tokens.error;
  return command;
}

interface Token {
  /** The token with quotes removed and escapes applied. */
  text: string;
  /** Index in `text` of the first `=` outside quotes, or -1. */
  equals: number;
  quotedBeforeEquals: boolean;
  /** The token as written, for messages. */
  source: string;
}

function tokenize(input: string): { tokens: Token[]; error?: string } {
  const tokens: Token[] = [];
  let c = 0;
  while (c < input.length) {
    if (/\s/.test(input[c]!)) {
      c += 1;
      continue;
    }
    const start = c;
    const token: Token = { text: "", equals: -1, quotedBeforeEquals: false, source: "" };
    while (c < input.length && !/\s/.test(input[c]!)) {
      const ch = input[c]!;
      // Quotes open only where a value starts, so apostrophes inside words (don't) stay literal.
      const atValueStart = token.text.length === 0 || token.text.length === token.equals + 1;
      const close = QUOTES[ch];
      if (close !== undefined && atValueStart) {
        const quoted = readQuoted(input, c + 1, close);
        if (quoted === null) {
          return { tokens, error: `the quote ${ch} opened in \`${truncate(input.slice(start))}\` is not closed` };
        }
        if (token.equals < 0) token.quotedBeforeEquals = true;
        token.text += quoted.value;
        c = quoted.end;
        continue;
      }
      if (ch === "=" && token.equals < 0) token.equals = token.text.length;
      token.text += ch;
      c += 1;
    }
    token.source = input.slice(start, c);
    tokens.push(token);
  }
  return { tokens };
}

/** Reads up to the closing quote; `\"` and `\\` are escapes, any other backslash is literal. */
function readQuoted(input: string, from: number, close: string): { value: string; end: number } | null {
  let value = "";
  let c = from;
  while (c < input.length) {
    const ch = input[c]!;
    if (ch === "\\" && (input[c + 1] === close || input[c + 1] === "\\")) {
      value += input[c + 1];
      c += 2;
      continue;
    }
    if (ch === close) return { value, end: c + 1 };
    value += ch;
    c += 1;
  }
  return null;
}

function truncate(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Writes a command back as one line that `parseCommands` reads to the same name,
 * arguments and positionals (values holding `<!--` excepted: GitHub hides those).
 */
export function renderCommand(command: Pick<ParsedCommand, "name" | "args" | "positionals">): string {
  const parts = [`/${command.name}`];
  for (const word of command.positionals) parts.push(renderValue(word, true));
  for (const [key, value] of Object.entries(command.args)) parts.push(`${key}=${renderValue(value, false)}`);
  return parts.join(" ");
}

function renderValue(value: string, positional: boolean): string {
  const bare =
    value !== "" &&
    !/\s/.test(value) &&
    QUOTES[value[0]!] === undefined &&
    !value.includes("`") &&
    !(positional && value.includes("="));
  if (bare) return value;
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}
