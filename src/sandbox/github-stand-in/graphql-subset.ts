/**
 * Just enough GraphQL to read the documents a Projects v2 client sends: one operation
 * (query or mutation, optional name and variable definitions), fields with aliases,
 * arguments (literals, lists, input objects, `$variables`), nested selections and
 * inline fragments (`... on Type`). No fragment spreads, directives or multiple
 * operations: those are refused with a GraphQL error rather than half-understood.
 */
export type GqlValue = string | number | boolean | null | GqlValue[] | { [key: string]: GqlValue } | GqlVariable;

export interface GqlVariable {
  $variable: string;
}

export interface FieldNode {
  kind: "field";
  alias: string | null;
  name: string;
  args: Record<string, GqlValue>;
  selections: SelectionNode[] | null;
}

export interface InlineFragmentNode {
  kind: "inline";
  typeCondition: string | null;
  selections: SelectionNode[];
}

export type SelectionNode = FieldNode | InlineFragmentNode;

export interface OperationNode {
  operation: "query" | "mutation";
  name: string | null;
  /** Declared variable names with their default values (if any). */
  variableDefaults: Record<string, GqlValue | undefined>;
  selections: SelectionNode[];
}

export class GqlSyntaxError extends Error {}

type Token = { kind: "punct"; value: string } | { kind: "name"; value: string } | { kind: "string"; value: string } | { kind: "number"; value: number };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/[\s,]/.test(c) || c === "\ufeff") {
      i++;
    } else if (c === "#") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (source.startsWith("...", i)) {
      tokens.push({ kind: "punct", value: "..." });
      i += 3;
    } else if ("{}()[]:!$=@|&".includes(c)) {
      tokens.push({ kind: "punct", value: c });
      i++;
    } else if (c === '"') {
      if (source.startsWith('"""', i)) {
        const end = source.indexOf('"""', i + 3);
        if (end < 0) throw new GqlSyntaxError("Unterminated block string");
        tokens.push({ kind: "string", value: source.slice(i + 3, end) });
        i = end + 3;
        continue;
      }
      let j = i + 1;
      let text = "";
      while (j < source.length && source[j] !== '"') {
        if (source[j] === "\\") {
          text += JSON.parse(`"${source.slice(j, j + (source[j + 1] === "u" ? 6 : 2))}"`) as string;
          j += source[j + 1] === "u" ? 6 : 2;
        } else {
          text += source[j++];
        }
      }
      if (j >= source.length) throw new GqlSyntaxError("Unterminated string");
      tokens.push({ kind: "string", value: text });
      i = j + 1;
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i));
      if (!m) throw new GqlSyntaxError(`Unexpected character "${c}"`);
      tokens.push({ kind: "number", value: Number(m[0]) });
      i += m[0].length;
    } else if (/[_A-Za-z]/.test(c)) {
      const m = /^[_A-Za-z][_0-9A-Za-z]*/.exec(source.slice(i))!;
      tokens.push({ kind: "name", value: m[0] });
      i += m[0].length;
    } else {
      throw new GqlSyntaxError(`Unexpected character "${c}"`);
    }
  }
  return tokens;
}

export function parseOperation(source: string): OperationNode {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isPunct = (value: string): boolean => peek()?.kind === "punct" && peek()!.value === value;
  const expectPunct = (value: string): void => {
    if (!isPunct(value)) throw new GqlSyntaxError(`Expected "${value}" but found ${describe(peek())}`);
    pos++;
  };
  const expectName = (): string => {
    const t = peek();
    if (t?.kind !== "name") throw new GqlSyntaxError(`Expected a name but found ${describe(t)}`);
    pos++;
    return t.value;
  };

  const parseValue = (): GqlValue => {
    const t = peek();
    if (!t) throw new GqlSyntaxError("Unexpected end of document");
    if (t.kind === "string" || t.kind === "number") {
      pos++;
      return t.value;
    }
    if (t.kind === "name") {
      pos++;
      if (t.value === "true") return true;
      if (t.value === "false") return false;
      if (t.value === "null") return null;
      return t.value; // an enum value
    }
    if (t.value === "$") {
      pos++;
      return { $variable: expectName() };
    }
    if (t.value === "[") {
      pos++;
      const items: GqlValue[] = [];
      while (!isPunct("]")) items.push(parseValue());
      pos++;
      return items;
    }
    if (t.value === "{") {
      pos++;
      const object: Record<string, GqlValue> = {};
      while (!isPunct("}")) {
        const key = expectName();
        expectPunct(":");
        object[key] = parseValue();
      }
      pos++;
      return object;
    }
    throw new GqlSyntaxError(`Unexpected ${describe(t)}`);
  };

  const parseSelections = (): SelectionNode[] => {
    expectPunct("{");
    const selections: SelectionNode[] = [];
    while (!isPunct("}")) {
      if (isPunct("...")) {
        pos++;
        let typeCondition: string | null = null;
        if (peek()?.kind === "name" && peek()!.value === "on") {
          pos++;
          typeCondition = expectName();
        } else if (peek()?.kind === "name") {
          throw new GqlSyntaxError("Fragment spreads are not supported by the stand-in");
        }
        selections.push({ kind: "inline", typeCondition, selections: parseSelections() });
        continue;
      }
      if (isPunct("@")) throw new GqlSyntaxError("Directives are not supported by the stand-in");
      let name = expectName();
      let alias: string | null = null;
      if (isPunct(":")) {
        pos++;
        alias = name;
        name = expectName();
      }
      const args: Record<string, GqlValue> = {};
      if (isPunct("(")) {
        pos++;
        while (!isPunct(")")) {
          const argName = expectName();
          expectPunct(":");
          args[argName] = parseValue();
        }
        pos++;
      }
      if (isPunct("@")) throw new GqlSyntaxError("Directives are not supported by the stand-in");
      selections.push({ kind: "field", alias, name, args, selections: isPunct("{") ? parseSelections() : null });
    }
    pos++;
    return selections;
  };

  let operation: "query" | "mutation" = "query";
  let name: string | null = null;
  const variableDefaults: Record<string, GqlValue | undefined> = {};
  const first = peek();
  if (first?.kind === "name") {
    if (first.value !== "query" && first.value !== "mutation") {
      throw new GqlSyntaxError(`Only query and mutation operations are supported, not "${first.value}"`);
    }
    operation = first.value;
    pos++;
    if (peek()?.kind === "name") name = expectName();
    if (isPunct("(")) {
      pos++;
      while (!isPunct(")")) {
        expectPunct("$");
        const variable = expectName();
        expectPunct(":");
        skipType();
        variableDefaults[variable] = undefined;
        if (isPunct("=")) {
          pos++;
          variableDefaults[variable] = parseValue();
        }
      }
      pos++;
    }
  }
  const selections = parseSelections();
  if (pos < tokens.length) throw new GqlSyntaxError("Only one operation per document is supported by the stand-in");
  return { operation, name, variableDefaults, selections };

  function skipType(): void {
    if (isPunct("[")) {
      pos++;
      skipType();
      expectPunct("]");
    } else {
      expectName();
    }
    if (isPunct("!")) pos++;
  }
}

function describe(token: Token | undefined): string {
  if (!token) return "end of document";
  return token.kind === "punct" ? `"${token.value}"` : `${token.kind} ${JSON.stringify(token.value)}`;
}

/** Replaces `$variables` with their values (or declared defaults; null when neither). */
export function resolveValue(value: GqlValue, variables: Record<string, unknown>, defaults: Record<string, GqlValue | undefined>): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, variables, defaults));
  if ("$variable" in value && typeof value.$variable === "string") {
    const name = value.$variable;
    if (name in variables) return variables[name];
    const fallback = defaults[name];
    return fallback === undefined ? null : resolveValue(fallback, variables, defaults);
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, GqlValue>)) out[key] = resolveValue(v, variables, defaults);
  return out;
}
