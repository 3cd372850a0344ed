import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCommands, renderCommand, type ParsedCommand } from "../../src/commands/parse-commands.js";

const RUNS = 10_000;

type Shape = Pick<ParsedCommand, "name" | "args" | "positionals">;

// Values exclude line breaks (a command is one line), `<!--` (GitHub hides what follows)
// and backticks (a backtick pairs with one on a later line into a code span).
const valueArb = fc
  .string({ unit: fc.oneof(fc.constantFrom('"', "'", "\\", "=", " ", "\u201c", "\u2018", "\t", "\u00a0"), fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 })), maxLength: 16 })
  .filter((v) => !/[\r\n`]/.test(v) && !v.includes("<!--"));
const keyArb = fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/);
const commandArb: fc.Arbitrary<Shape> = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9_-]{0,12}$/),
  args: fc.dictionary(keyArb, valueArb, { maxKeys: 4 }).map((d) => ({ ...d })),
  positionals: fc.array(valueArb, { maxLength: 3 }),
});
const indentArb = fc.constantFrom("", " ", "  ", "   ", "\t");
const commandLineArb = fc.tuple(indentArb, commandArb).map(([indent, c]) => ({ line: indent + renderCommand(c), command: c }));

/** Text that opens nothing and is no command: no backtick, tilde, `<`, and no leading `/` or `>`. */
const safeTextArb = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 30 })
  .map((s) => s.replace(/[`~<\r\n\\]/g, "x"))
  .filter((s) => s.trim() !== "" && !/^\s*[/>]/.test(s) && !/^\s*(?:[-*+]|\d+[.)]|#)/.test(s));
/** Anything on one line, commands included. */
const anyLineArb = fc.oneof(
  commandLineArb.map((c) => c.line),
  fc.string({ unit: "grapheme", maxLength: 30 }).filter((s) => !/[\r\n]/.test(s)),
);

interface Block {
  lines: string[];
  /** Commands the block must yield, by line index inside the block. */
  expected: { index: number; command: Shape }[];
}

const commandBlockArb: fc.Arbitrary<Block> = fc.array(commandLineArb, { minLength: 1, maxLength: 3 }).map((cs) => ({
  lines: cs.map((c) => c.line),
  expected: cs.map((c, index) => ({ index, command: c.command })),
}));
const paragraphArb: fc.Arbitrary<Block> = fc.array(safeTextArb, { minLength: 1, maxLength: 3 }).map((lines) => ({ lines, expected: [] }));
const fenceArb = (closed: fc.Arbitrary<boolean>): fc.Arbitrary<Block> => fc
  .record({
    indent: fc.constantFrom("", " ", "  ", "   "),
    char: fc.constantFrom("`", "~"),
    length: fc.integer({ min: 3, max: 6 }),
    info: fc.constantFrom("", "bash", " yaml title=x", "{.python}"),
    content: fc.array(anyLineArb, { maxLength: 4 }),
    closed,
  })
  .map(({ indent, char, length, info, content, closed }) => {
    const fence = char.repeat(length);
    // Content holding the fence's character could close the block early: swap it out.
    const body = content.map((l) => l.replaceAll(char, "x"));
    return { lines: [indent + fence + info, ...body, ...(closed ? [indent + fence] : [])], expected: [] };
  });
const fencedArb = fenceArb(fc.constant(true));
/** An unclosed fence runs to the end of the comment, so it can only come last. */
const unclosedFenceArb = fenceArb(fc.constant(false));
const commentArb: fc.Arbitrary<Block> = fc
  .record({ before: fc.option(safeTextArb), content: fc.array(anyLineArb, { maxLength: 4 }), after: fc.option(safeTextArb) })
  .map(({ before, content, after }) => ({
    lines: [`${before ?? ""}<!--`, ...content.map((l) => l.replaceAll("-->", "- ->")), `-->${after ?? ""}`],
    expected: [],
  }));
const quoteArb: fc.Arbitrary<Block> = fc
  .array(fc.tuple(fc.constantFrom(">", "> ", " > ", ">> ", "> > "), anyLineArb), { minLength: 1, maxLength: 4 })
  .map((lines) => ({ lines: lines.map(([q, l]) => q + l), expected: [] }));
/** A line right after a quote continues it (lazy continuation): a command there is quoted. */
const lazyQuoteArb: fc.Arbitrary<Block> = fc
  .tuple(quoteArb, commandLineArb)
  .map(([quote, cmd]) => ({ lines: [...quote.lines, cmd.line.trimStart()], expected: [] }));
const codeSpanArb: fc.Arbitrary<Block> = fc
  .record({
    ticks: fc.constantFrom("`", "``"),
    before: safeTextArb,
    inside: fc.array(fc.oneof(commandLineArb.map((c) => c.line), safeTextArb), { minLength: 1, maxLength: 3 }),
  })
  .map(({ ticks, before, inside }) => ({
    lines: [`${before} ${ticks}start`, ...inside.map((l) => l.replace(/`/g, "'")), `end${ticks} done`],
    expected: [],
  }));

const blockArb = fc.oneof(commandBlockArb, paragraphArb, fencedArb, commentArb, quoteArb, lazyQuoteArb, codeSpanArb);

function assemble(blocks: Block[]): { body: string; expected: { line: number; command: Shape }[] } {
  const lines: string[] = [];
  const expected: { line: number; command: Shape }[] = [];
  for (const block of blocks) {
    if (lines.length > 0) lines.push("");
    for (const e of block.expected) expected.push({ line: lines.length + e.index + 1, command: e.command });
    lines.push(...block.lines);
  }
  return { body: lines.join("\n"), expected };
}

/** Markdown-ish noise: the tokens that change the parser's state, mixed with any text. */
const noiseArb = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("utf8")),
  fc
    .array(
      fc.oneof(
        fc.constantFrom("```", "~~~", "````", "``", "`", "<!--", "-->", ">", "> ", "/", "/help", "/status ", "/x", "\n", "\n\n", "\r\n", "\r", " ", "\t", '"', "'", "\\", "=", "a=", "\u201c", "\u201d", "\u2028", "\ufeff"),
        fc.string({ unit: "grapheme", maxLength: 8 }),
      ),
      { maxLength: 40 },
    )
    .map((parts) => parts.join("")),
  fc.array(fc.oneof(blockArb, unclosedFenceArb), { maxLength: 4 }).map((blocks) => assemble(blocks).body),
);

describe("parseCommands, fuzzed", () => {
  it("never throws and returns well-formed commands for any comment", () => {
    fc.assert(
      fc.property(noiseArb, (body) => {
        const lines = body.split(/\r\n|\r|\n/);
        for (const c of parseCommands(body)) {
          expect(c.name).toMatch(/^[a-z][a-z0-9_-]*$/);
          expect(c.line).toBeGreaterThanOrEqual(1);
          expect(c.line).toBeLessThanOrEqual(lines.length);
          // Each command comes from a line that starts with its slash.
          expect(lines[c.line - 1]!.trimStart().startsWith("/")).toBe(true);
          expect(c.raw).toBe(lines[c.line - 1]!.trim());
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("finds exactly the visible commands, never those in fences, comments, quotes or code spans", () => {
    fc.assert(
      fc.property(fc.array(blockArb, { minLength: 1, maxLength: 6 }), fc.option(unclosedFenceArb), (blocks, tail) => {
        const { body, expected } = assemble(tail === null ? blocks : [...blocks, tail]);
        const found = parseCommands(body).map((c) => ({ line: c.line, command: { name: c.name, args: c.args, positionals: c.positionals }, error: c.error }));
        expect(found).toEqual(expected.map((e) => ({ ...e, error: undefined })));
      }),
      { numRuns: RUNS },
    );
  });

  it("a command inside a fenced block is never returned, whatever surrounds it", () => {
    fc.assert(
      fc.property(fc.array(blockArb, { maxLength: 3 }), commandLineArb, fc.constantFrom("```", "~~~", "````"), fc.array(blockArb, { maxLength: 3 }), (before, cmd, fence, after) => {
        const head = assemble(before).body;
        const marker = `${cmd.line} zz-inside-fence`;
        const body = `${head}${head === "" ? "" : "\n\n"}${fence}\n${marker}\n${fence}\n\n${assemble(after).body}`;
        for (const c of parseCommands(body)) expect(c.raw).not.toContain("zz-inside-fence");
      }),
      { numRuns: RUNS },
    );
  });

  it("rendering a parsed command back and reparsing gives the same command", () => {
    fc.assert(
      fc.property(fc.oneof(noiseArb, commandLineArb.map((c) => c.line)), (body) => {
        for (const c of parseCommands(body)) {
          if (c.error !== undefined) continue;
          const values = [...Object.values(c.args), ...c.positionals];
          // GitHub hides what follows `<!--`: such a value cannot be written back visibly.
          if (values.some((v) => v.includes("<!--"))) continue;
          const again = parseCommands(renderCommand(c));
          expect(again).toHaveLength(1);
          expect({ name: again[0]!.name, args: again[0]!.args, positionals: again[0]!.positionals, error: again[0]!.error }).toEqual({
            name: c.name,
            args: c.args,
            positionals: c.positionals,
            error: undefined,
          });
        }
      }),
      { numRuns: RUNS },
    );
  });
});
