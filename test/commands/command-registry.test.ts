import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { CommandDefinition } from "../../src/commands/command-definition.js";
import {
  COMMAND_REGISTRY,
  closestCommandName,
  editDistance,
  listCommands,
  renderReadmeCommandsTable,
  renderRegistryHelp,
} from "../../src/commands/command-registry.js";
import { parseCommands } from "../../src/commands/parse-commands.js";
import { TODAY, makeConfig } from "./command-test-kit.js";

const COMMANDS_DIR = fileURLToPath(new URL("../../src/commands/", import.meta.url));

function looksLikeCommand(value: unknown): value is CommandDefinition {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as CommandDefinition).name === "string" &&
    typeof (value as CommandDefinition).handler === "function" &&
    typeof (value as CommandDefinition).arguments === "function"
  );
}

/** Every exported CommandDefinition in src/commands, found by loading each file. */
async function definedCommands(): Promise<{ file: string; command: CommandDefinition }[]> {
  const found: { file: string; command: CommandDefinition }[] = [];
  for (const file of readdirSync(COMMANDS_DIR).filter((f) => f.endsWith(".ts"))) {
    const module = (await import(new URL(file, `file://${COMMANDS_DIR}`).href)) as Record<string, unknown>;
    for (const value of Object.values(module)) if (looksLikeCommand(value)) found.push({ file, command: value });
  }
  return found;
}

describe("command registry (conformance)", () => {
  it("every command defined in src/commands is registered under its name, one file each", async () => {
    const defined = await definedCommands();
    expect(defined.length).toBeGreaterThanOrEqual(9);
    for (const { file, command } of defined) {
      expect(COMMAND_REGISTRY.get(command.name), `${file} exports /${command.name}`).toBe(command);
      expect(file).toBe(`${command.name}.ts`);
    }
    expect(new Set(defined.map((d) => d.command))).toEqual(new Set(listCommands()));
  });

  it("covers the commands of SPEC §5", () => {
    expect([...COMMAND_REGISTRY.keys()].sort()).toEqual(
      ["confirm-service", "delivered", "help", "hub-live", "invoice", "qualify", "request-deployment", "status", "wait"].sort(),
    );
  });

  describe.each(listCommands().map((c) => [c.name, c] as const))("/%s", (name, command) => {
    it("has usage, description, examples and who may run it", () => {
      expect(command.usage.startsWith(`/${name}`)).toBe(true);
      expect(command.description.length).toBeGreaterThan(10);
      expect(command.examples.length).toBeGreaterThan(0);
      expect(command.whoMayRun.length).toBeGreaterThan(10);
    });

    it.each(command.examples)("example `%s` parses to itself and validates", (example) => {
      const parsed = parseCommands(example);
      expect(parsed).toHaveLength(1);
      expect(parsed[0]).toMatchObject({ name, line: 1, raw: example });
      expect(parsed[0]!.error).toBeUndefined();
      const schema = command.arguments({ config: makeConfig(), today: TODAY });
      const result = schema.safeParse({ args: parsed[0]!.args, positionals: parsed[0]!.positionals });
      expect(result.error?.issues ?? []).toEqual([]);
    });
  });

  it("/help and the README table list every command", () => {
    const help = renderRegistryHelp();
    const table = renderReadmeCommandsTable();
    expect(table.split("\n").slice(0, 2)).toEqual(["| command | effect | example | where |", "|---|---|---|---|"]);
    expect(table.split("\n")).toHaveLength(2 + COMMAND_REGISTRY.size);
    for (const command of listCommands()) {
      expect(help).toContain(`\`${command.usage}\``);
      expect(table).toContain(`| \`${command.usage.replace(/\|/g, "\\|")}\` |`);
    }
  });

  it.each([
    ["statu", "status"],
    ["stauts", "status"],
    ["confirm", "confirm-service"],
    ["hublive", "hub-live"],
    ["invoices", "invoice"],
    ["Halp", "help"],
  ])("the closest command to /%s is /%s", (typo, name) => {
    expect(closestCommandName(typo)).toBe(name);
  });

  it("edit distance", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });
});
