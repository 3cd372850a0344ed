import { describe, expect, it } from "vitest";
import { parseCommands, renderCommand } from "../../src/commands/parse-commands.js";

/** name + args + positionals (+ error) of each command found, for compact tables. */
function read(body: string) {
  return parseCommands(body).map((c) => ({
    name: c.name,
    args: c.args,
    positionals: c.positionals,
    line: c.line,
    ...(c.error !== undefined ? { error: c.error } : {}),
  }));
}

describe("parseCommands: what counts as a command", () => {
  const cases: { title: string; body: string; names: string[] }[] = [
    { title: "an ordinary comment", body: "Thanks, looks good!", names: [] },
    { title: "empty", body: "", names: [] },
    { title: "one command", body: "/help", names: ["help"] },
    { title: "leading spaces", body: "   /help", names: ["help"] },
    { title: "case-insensitive name", body: "/Confirm-Service tier=Research", names: ["confirm-service"] },
    { title: "several per comment, CRLF", body: "/status needs-admin\r\nsome words\r\n/help", names: ["status", "help"] },
    { title: "not at line start", body: "please run /help", names: [] },
    { title: "a path is not a command", body: "/usr/bin/env", names: [] },
    { title: "slash then space", body: "/ help", names: [] },
    { title: "double slash", body: "//help", names: [] },
    { title: "digit after slash", body: "/1 thing", names: [] },
    { title: "backtick fence", body: "```\n/help\n```\n/status x", names: ["status"] },
    { title: "fence with info string", body: "```bash title=x\n/help\n```", names: [] },
    { title: "tilde fence", body: "~~~\n/help\n~~~", names: [] },
    { title: "long fence not closed by a shorter one", body: "`````\n/help\n```\n/help\n`````\n/wait", names: ["wait"] },
    { title: "tilde fence not closed by backticks", body: "~~~\n```\n/help\n~~~\n/wait", names: ["wait"] },
    { title: "unclosed fence hides the rest", body: "```\n/help", names: [] },
    { title: "indented fence", body: "- item\n  ```\n  /help\n  ```\n/wait", names: ["wait"] },
    { title: "deeply indented ``` inside a fence is content", body: "```\n/a\n        ```\n/help\n```\n/wait", names: ["wait"] },
    { title: "backticks inline are not a fence", body: "```x```\n/help", names: ["help"] },
    { title: "quote", body: "> /help\n\n/wait", names: ["wait"] },
    { title: "indented nested quote", body: "  > > /help", names: [] },
    { title: "lazy continuation of a quote", body: "> you wrote\n/help\n\n/wait", names: ["wait"] },
    { title: "HTML comment one line", body: "<!-- /help -->\n/wait", names: ["wait"] },
    { title: "HTML comment multi-line", body: "<!--\n/help\n/status x\n-->\n/wait", names: ["wait"] },
    { title: "text after a comment ends is not at line start", body: "<!--\n-->/help", names: [] },
    { title: "unclosed HTML comment hides the rest", body: "<!--\n/help", names: [] },
    { title: "inline code across lines", body: "run `\n/help\n` later\n/wait", names: ["wait"] },
    { title: "unmatched backtick is literal", body: "a ` b\n/help", names: ["help"] },
    { title: "code span ends at blank line", body: "a ` b\n\n/help\n`", names: ["help"] },
    { title: "escaped backtick opens nothing", body: "a \\` b\n/help\n`", names: ["help"] },
    { title: "fence inside a comment", body: "<!--\n```\n-->\n/help", names: ["help"] },
    { title: "comment inside a fence is literal", body: "```\n<!--\n```\n/help\n-->", names: ["help"] },
    { title: "inline code quoting a command", body: "`/help`", names: [] },
  ];
  it.each(cases)("$title", ({ body, names }) => {
    expect(parseCommands(body).map((c) => c.name)).toEqual(names);
  });

  it("keeps line numbers and the raw line", () => {
    const [cmd] = parseCommands('intro\n\n  /wait until=2026-03-01 reason="grant"  ');
    expect(cmd).toMatchObject({ line: 3, raw: '/wait until=2026-03-01 reason="grant"' });
  });
});

describe("parseCommands: arguments", () => {
  const cases: { title: string; line: string; args?: Record<string, string>; positionals?: string[]; error?: RegExp }[] = [
    { title: "key=value", line: "/x tier=Research", args: { tier: "Research" } },
    { title: "double-quoted value", line: '/x reason="grant decision in May"', args: { reason: "grant decision in May" } },
    { title: "single-quoted value", line: "/x reason='a b'", args: { reason: "a b" } },
    { title: "typographic quotes", line: "/x reason=\u201ca b\u201d", args: { reason: "a b" } },
    { title: "escaped quotes", line: '/x reason="say \\"hi\\" \\\\ ok"', args: { reason: 'say "hi" \\ ok' } },
    { title: "other backslashes literal", line: '/x path="C:\\dir"', args: { path: "C:\\dir" } },
    { title: "apostrophe inside a word", line: "/x reason=don't", args: { reason: "don't" } },
    { title: "value with =", line: "/x url=https://a.org/?q=1", args: { url: "https://a.org/?q=1" } },
    { title: "empty value", line: "/x need=", args: { need: "" } },
    { title: "keys lower-cased", line: "/x Tier=Research", args: { tier: "Research" } },
    { title: "positionals", line: "/status Needs Admin", positionals: ["Needs", "Admin"] },
    { title: "quoted positional", line: '/status "needs admin"', positionals: ["needs admin"] },
    { title: "quoted positional with =", line: '/x "a=b"', positionals: ["a=b"] },
    { title: "mixed", line: '/x one key=v two', args: { key: "v" }, positionals: ["one", "two"] },
    { title: "unicode values", line: "/x name=Universit\u00e9 reason=\"\u{1F680} launch\"", args: { name: "Universit\u00e9", reason: "\u{1F680} launch" } },
    { title: "trailing HTML comment dropped", line: "/x tier=Research <!-- per email -->", args: { tier: "Research" } },
    { title: "unterminated quote", line: '/x reason="never closed', error: /not closed/ },
    { title: "no key", line: "/x =value", error: /no argument name/ },
    { title: "quoted key", line: '/x "a b"=c', error: /not an argument name/ },
    { title: "bad key", line: "/x 1a=c", error: /not an argument name/ },
    { title: "duplicate key", line: "/x a=1 A=2", error: /given twice/ },
  ];
  it.each(cases)("$title", ({ line, args, positionals, error }) => {
    const [cmd] = read(line);
    expect(cmd).toBeDefined();
    if (error) {
      expect(cmd!.error).toMatch(error);
      return;
    }
    expect(cmd!.error).toBeUndefined();
    expect(cmd!.args).toEqual(args ?? {});
    expect(cmd!.positionals).toEqual(positionals ?? []);
  });

  it("a malformed command keeps its place among the others", () => {
    expect(read('/a x="oops\n/b y=1').map((c) => [c.name, c.error !== undefined, c.line])).toEqual([
      ["a", true, 1],
      ["b", false, 2],
    ]);
  });
});

describe("renderCommand", () => {
  it.each([
    [{ name: "wait", args: { until: "2026-03-01", reason: "grant decision" }, positionals: [] }, '/wait until=2026-03-01 reason="grant decision"'],
    [{ name: "status", args: {}, positionals: ["needs-admin"] }, "/status needs-admin"],
    [{ name: "x", args: { a: "", b: 'say "hi"', c: "'q" }, positionals: ["k=v"] }, '/x "k=v" a="" b="say \\"hi\\"" c="\'q"'],
  ])("renders %o", (command, line) => {
    expect(renderCommand(command)).toBe(line);
    const [back] = parseCommands(line);
    expect({ name: back!.name, args: back!.args, positionals: back!.positionals }).toEqual(command);
  });
});

describe("parseCommands on large comments", () => {
  it.each([
    ["unpaired backticks", "/x " + "` ``".repeat(16000)],
    ["growing backtick runs", "/x " + Array.from({ length: 300 }, (_, i) => "`".repeat(i + 1)).join(" a ")],
    ["unclosed comments", "/x " + "<!-- ".repeat(13000)],
    ["closed comments", "<!-- a --> /b\n".repeat(5000)],
    ["quotes", "/x " + '"'.repeat(60000)],
    ["many commands", '/wait until=2026-01-01 reason="x y"\n'.repeat(3000)],
  ])("%s stay fast (GitHub allows 65,536 characters)", (_, body) => {
    const started = performance.now();
    parseCommands(body);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
