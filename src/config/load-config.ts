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
  const parsed = hubSalesConfigSchema.safeParse(raw);
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
        .join(", ")}; see the README for the valid keys`;
    case "invalid_type":
      return `${key}: ${issue.input === undefined ? "is required" : `must be ${article(issue.expected)}`}`;
    case "invalid_union":
      return `${key}: ${issue.message}`;
    case "too_small":
      return `${key}: must be at least ${issue.minimum}${issue.origin === "string" ? " character(s) long" : ""}`;
    case "too_big":
      return `${key}: must be at most ${issue.maximum}`;
    default:
      return `${key}: ${issue.message}`;
  }
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
