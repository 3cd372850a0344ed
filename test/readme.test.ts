import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderReadmeCommandsTable } from "../src/commands/command-registry.js";
import { CLI_COMMANDS } from "../src/cli/main.js";
import { hubSalesConfigSchema } from "../src/config/hub-sales-config.schema.js";
import { parseConfigText } from "../src/config/load-config.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** Dotted key paths of the config schema, e.g. `invoicing.proration`. */
function schemaKeys(): string[] {
  const keys: string[] = [];
  const walk = (schema: unknown, prefix: string) => {
    let inner = schema as { def?: { type?: string; innerType?: unknown; in?: unknown; shape?: Record<string, unknown> }; shape?: Record<string, unknown> };
    // Unwrap defaults, optionals, prefaults, pipes and refinements down to the object.
    for (let i = 0; i < 10 && inner?.def && !inner.def.shape; i++) inner = (inner.def.innerType ?? inner.def.in) as typeof inner;
    const shape = inner?.def?.shape;
    if (!shape) return;
    for (const [key, value] of Object.entries(shape)) {
      const path = prefix ? `${prefix}.${key}` : key;
      keys.push(path);
      walk(value, path);
    }
  };
  walk(hubSalesConfigSchema, "");
  return keys;
}

describe("README", () => {
  it("shows the commands table generated from the registry", () => {
    expect(readme).toContain(renderReadmeCommandsTable());
  });

  it("documents every configuration key", () => {
    const keys = schemaKeys();
    expect(keys).toContain("invoicing.proration");
    const missing = keys.filter((key) => {
      const leaf = key.split(".").pop()!;
      return !readme.includes(`\`${key}\``) && !readme.includes(`${leaf}:`) && !/^(issues|status_labels)\./.test(key);
    });
    expect(missing).toEqual([]);
  });

  it("shows an example configuration that is valid", () => {
    const example = /```yaml\n(# \.github\/hub-sales\.yml[\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const parsed = parseConfigText(example!);
    expect(parsed.ok).toBe(true);
  });

  it("lists every CLI command", () => {
    for (const name of CLI_COMMANDS.keys()) expect(readme).toContain(name.split(" ")[0]!);
    for (const name of CLI_COMMANDS.keys()) expect(readme).toContain(`\`${name}`);
  });
});
