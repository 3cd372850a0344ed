import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { hubSalesConfigSchema, type HubSalesConfig } from "./hub-sales-config.schema.js";

export type ConfigResult = { ok: true; config: HubSalesConfig } | { ok: false; problems: string[] };

/** Validates an already-parsed config object (what Probot's `context.config` returns). */
export function validateConfig(raw: unknown): ConfigResult {
  if (raw === null || raw === undefined) {
    return { ok: false, problems: ["the file is empty: it needs at least `hub_repo: owner/repo`"] };
  }
  // reportInput: zod 4 leaves the input out of issues by default, and without it a value
  // of the wrong type cannot be told from a missing one.
  const parsed = hubSalesConfigSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, problems: parsed.error.issues.map(describeIssue) };
}

/** Parses the YAML text of `.github/hub-sales.yml`. */
export function parseConfigText(text: string): ConfigResult {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    return { ok: false, problems: [`not valid YAML: ${(error as Error).message.split("\n")[0]}`] };
  }
  return validateConfig(raw);
}

/** Reads a local copy of the file (`HUB_SALES_CONFIG`). */
export async function readConfigFile(path: string): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    return { ok: false, problems: [`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`] };
  }
  return parseConfigText(text);
}

export class InvalidConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid .github/hub-sales.yml:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "InvalidConfigError";
  }
}

export function configOrThrow(result: ConfigResult): HubSalesConfig {
  if (!result.ok) throw new InvalidConfigError(result.problems);
  return result.config;
}

/** `invoicing.proration: must be one of "none", "daily" (got "weekly")` */
function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.length === 0 ? "(top level)" : issue.path.map(String).join(".");
  switch (issue.code) {
    case "invalid_value":
      return `${key}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "unrecognized_keys":
      return `${key === "(top level)" ? "" : `${key}: `}unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys
        .map((k) => `"${k}"`)
        .join(", ")}; valid keys are ${validKeysAt(issue.path).join(", ")}`;
    case "invalid_type":
      return `${key}: ${
        issue.input === undefined ? "is required" : `must be ${article(issue.expected)} (got ${describeValue(issue.input)})`
      }`;
    case "invalid_union":
      return `${key}: ${issue.input === undefined ? "is required" : issue.message}`;
    case "too_small":
      return `${key}: must be at least ${issue.minimum}${issue.origin === "string" ? " character(s) long" : ""}`;
    case "too_big":
      return `${key}: must be at most ${issue.maximum}`;
    default:
      return `${key}: ${issue.message}`;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** The keys the schema accepts at `path`, for "unknown key" messages. */
function validKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: unknown = unwrapSchema(hubSalesConfigSchema);
  for (const segment of path) {
    const def = defOf(schema);
    schema = unwrapSchema(typeof segment === "number" ? def?.element : (def?.shape as Record<string, unknown> | undefined)?.[String(segment)]);
  }
  return Object.keys((defOf(schema)?.shape as Record<string, unknown> | undefined) ?? {});
}

type SchemaDef = { innerType?: unknown; in?: unknown; type?: string; element?: unknown; shape?: unknown };

function defOf(schema: unknown): SchemaDef | undefined {
  return (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
}

/** Looks through optional, default, prefault and pipe wrappers to the schema that holds the keys. */
function unwrapSchema(schema: unknown): unknown {
  let current = schema;
  for (let depth = 0; depth < 10; depth += 1) {
    const def = defOf(current);
    if (def?.innerType) current = def.innerType;
    else if (def?.type === "pipe") current = def.in;
    else break;
  }
  return current;
}

function article(expected: string): string {
  // The file is YAML: say "list" and "mapping", the words its readers know.
  if (expected === "array") return "a list";
  if (expected === "object") return "a mapping";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
