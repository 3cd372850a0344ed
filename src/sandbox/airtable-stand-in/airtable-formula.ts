/**
 * A deliberately tiny `filterByFormula` evaluator for the AirTable stand-in.
 *
 * It understands only what the AirTable store sends: `{Field}`, string literals,
 * `=` and `!=`, `LOWER(x)`, `RECORD_ID()`, `AND(...)`, `OR(...)`, `NOT(x)`.
 * Anything else is refused (the stand-in answers 422 `INVALID_FILTER_BY_FORMULA`),
 * so a store that starts sending richer formulas fails loudly in tests instead of
 * being matched by a guess.
 */

export type FormulaNode =
  | { kind: "field"; name: string }
  | { kind: "string"; value: string }
  | { kind: "call"; fn: "AND" | "OR" | "NOT" | "LOWER" | "RECORD_ID"; args: FormulaNode[] }
  | { kind: "compare"; op: "=" | "!="; left: FormulaNode; right: FormulaNode };

export class FormulaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FormulaError";
  }
}

type Token =
  | { t: "field"; v: string }
  | { t: "string"; v: string }
  | { t: "ident"; v: string }
  | { t: "punct"; v: "(" | ")" | "," | "=" | "!=" };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "{") {
      const end = text.indexOf("}", i);
      if (end < 0) throw new FormulaError("unclosed {field} reference");
      tokens.push({ t: "field", v: text.slice(i + 1, end) });
      i = end + 1;
    } else if (c === "'" || c === '"') {
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new FormulaError("unclosed string literal");
        const d = text[i]!;
        if (d === "\\") {
          value += text[i + 1] ?? "";
          i += 2;
        } else if (d === c) {
          i++;
          break;
        } else {
          value += d;
          i++;
        }
      }
      tokens.push({ t: "string", v: value });
    } else if (c === "(" || c === ")" || c === "," || c === "=") {
      tokens.push({ t: "punct", v: c });
      i++;
    } else if (c === "!" && text[i + 1] === "=") {
      tokens.push({ t: "punct", v: "!=" });
      i += 2;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ t: "ident", v: m[0].toUpperCase() });
      i += m[0].length;
    } else {
      throw new FormulaError(`unexpected character "${c}" at ${i}`);
    }
  }
  return tokens;
}

const FUNCTIONS = ["AND", "OR", "NOT", "LOWER", "RECORD_ID"] as const;

export function parseFormula(text: string): FormulaNode {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const expectPunct = (v: string): void => {
    const tok = tokens[pos];
    if (!tok || tok.t !== "punct" || tok.v !== v) throw new FormulaError(`expected "${v}" at token ${pos}`);
    pos++;
  };

  function parseExpression(): FormulaNode {
    const left = parseOperand();
    const tok = peek();
    if (tok && tok.t === "punct" && (tok.v === "=" || tok.v === "!=")) {
      pos++;
      const right = parseOperand();
      return { kind: "compare", op: tok.v, left, right };
    }
    return left;
  }

  function parseOperand(): FormulaNode {
    const tok = tokens[pos++];
    if (!tok) throw new FormulaError("unexpected end of formula");
    if (tok.t === "field") return { kind: "field", name: tok.v };
    if (tok.t === "string") return { kind: "string", value: tok.v };
    if (tok.t === "ident") {
      const fn = FUNCTIONS.find((f) => f === tok.v);
      if (!fn) throw new FormulaError(`unsupported function ${tok.v}() (the stand-in knows ${FUNCTIONS.join(", ")})`);
      expectPunct("(");
      const args: FormulaNode[] = [];
      const next = peek();
      if (!(next && next.t === "punct" && next.v === ")")) {
        for (;;) {
          args.push(parseExpression());
          const sep = peek();
          if (sep && sep.t === "punct" && sep.v === ",") {
            pos++;
            continue;
          }
          break;
        }
      }
      expectPunct(")");
      return { kind: "call", fn, args };
    }
    throw new FormulaError(`unexpected "${tok.v}"`);
  }

  const node = parseExpression();
  if (pos !== tokens.length) throw new FormulaError(`unexpected trailing input at token ${pos}`);
  checkArity(node);
  return node;
}

function checkArity(node: FormulaNode): void {
  if (node.kind === "compare") {
    checkArity(node.left);
    checkArity(node.right);
  } else if (node.kind === "call") {
    const want = { AND: [1, Infinity], OR: [1, Infinity], NOT: [1, 1], LOWER: [1, 1], RECORD_ID: [0, 0] }[node.fn];
    if (node.args.length < want[0]! || node.args.length > want[1]!) {
      throw new FormulaError(`${node.fn}() takes ${want[0] === want[1] ? want[0] : `at least ${want[0]}`} argument(s)`);
    }
    node.args.forEach(checkArity);
  }
}

/** Field names a formula refers to, so the caller can reject unknown ones. */
export function formulaFieldNames(node: FormulaNode): string[] {
  if (node.kind === "field") return [node.name];
  if (node.kind === "compare") return [...formulaFieldNames(node.left), ...formulaFieldNames(node.right)];
  if (node.kind === "call") return node.args.flatMap(formulaFieldNames);
  return [];
}

export interface FormulaRecord {
  id: string;
  /** Cell values by field name. */
  fields: Record<string, unknown>;
}

type Value = string | boolean;

/** True when the record matches; AirTable keeps records whose formula is truthy. */
export function evaluateFormula(node: FormulaNode, record: FormulaRecord): boolean {
  return truthy(evaluate(node, record));
}

function evaluate(node: FormulaNode, record: FormulaRecord): Value {
  switch (node.kind) {
    case "string":
      return node.value;
    case "field":
      return cellAsText(record.fields[node.name]);
    case "compare": {
      const l = asText(evaluate(node.left, record));
      const r = asText(evaluate(node.right, record));
      return node.op === "=" ? l === r : l !== r;
    }
    case "call":
      switch (node.fn) {
        case "AND":
          return node.args.every((a) => truthy(evaluate(a, record)));
        case "OR":
          return node.args.some((a) => truthy(evaluate(a, record)));
        case "NOT":
          return !truthy(evaluate(node.args[0]!, record));
        case "LOWER":
          return asText(evaluate(node.args[0]!, record)).toLowerCase();
        case "RECORD_ID":
          return record.id;
      }
  }
}

// AirTable compares a blank cell equal to '' and shows checkboxes as 1/0.
function cellAsText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "1" : "0";
  if (Array.isArray(value)) return value.map(String).join(", ");
  return String(value);
}

function asText(value: Value): string {
  return typeof value === "boolean" ? (value ? "1" : "0") : value;
}

function truthy(value: Value): boolean {
  return typeof value === "boolean" ? value : value !== "" && value !== "0";
}
