import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { CLI_COMMANDS, isHelpRequest, resolveCommandLine } from "../../src/cli/main.js";
import { usageLine } from "../../src/cli/cli-command.js";
import { CliSandbox } from "./cli-sandbox.js";

/** Splits an example command line like a shell would (double quotes only). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

let sandbox: CliSandbox;
afterEach(() => sandbox?.remove());

describe("the command registry", () => {
  it("registers every file of src/cli/commands, once, by its own name", async () => {
    const dir = fileURLToPath(new URL("../../src/cli/commands/", import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
    const registered = new Set<unknown>(CLI_COMMANDS.values());
    for (const file of files) {
      const module = (await import(/* @vite-ignore */ new URL(`../../src/cli/commands/${file}`, import.meta.url).href)) as Record<string, unknown>;
      const commands = Object.values(module).filter((v) => registered.has(v));
      expect(commands, `${file} exports a registered command`).toHaveLength(1);
    }
    for (const [name, command] of CLI_COMMANDS) expect(command.name).toBe(name);
  });

  it.each([...CLI_COMMANDS.values()].flatMap((c) => c.examples.map((e) => [c.name, e] as const)))(
    "%s: the example `%s` parses to that command",
    (name, example) => {
      const { command, args } = resolveCommandLine(shellWords(example));
      expect(command.name).toBe(name);
      expect(isHelpRequest(args)).toBe(false);
    },
  );
});

describe("help", () => {
  it("`--help` lists every command with its description and exits 0", async () => {
    sandbox = new CliSandbox();
    const { code, stdout, stderr } = await sandbox.run("--help");
    expect([code, stderr]).toEqual([0, ""]);
    for (const command of CLI_COMMANDS.values()) {
      expect(stdout).toContain(command.name);
      expect(stdout).toContain(command.description);
    }
    expect(stdout).toMatch(/Exit codes: 0 .* 1 .* 2 bad usage/);
  });

  it.each([...CLI_COMMANDS.keys()])("`%s --help` shows its usage, options and examples and exits 0", async (name) => {
    sandbox = new CliSandbox();
    const command = CLI_COMMANDS.get(name)!;
    for (const args of [[...name.split(" "), "--help"], ["help", ...name.split(" ")]]) {
      const { code, stdout } = await sandbox.run(...args);
      expect(code).toBe(0);
      expect(stdout.split("\n")[0]).toBe(`Usage: ${usageLine(command)}`);
      for (const option of Object.keys(command.options)) expect(stdout).toContain(`--${option}`);
      for (const example of command.examples) expect(stdout).toContain(`hub-sales ${example}`);
    }
  });

  it("no arguments prints the help on stderr and exits 2", async () => {
    sandbox = new CliSandbox();
    const { code, stdout, stderr } = await sandbox.run();
    expect([code, stdout]).toEqual([2, ""]);
    expect(stderr).toContain("Usage: hub-sales <command> [options]");
  });
});

describe("bad usage exits 2 with one clear line and the usage", () => {
  it.each([
    [["frob"], /^hub-sales: unknown command "frob"; the commands are leads, hubs, costs/],
    [["leads"], /^hub-sales: "leads" needs a subcommand: import, list, set-status/],
    [["leads", "frob"], /^hub-sales: unknown subcommand "leads frob"; "leads" has import, list, set-status/],
    [["leads", "list", "--bogus"], /^hub-sales: unknown option --bogus for "leads list"; its options are --status, --json/],
    [["leads", "list", "extra"], /^hub-sales: unexpected argument "extra"; "leads list" takes no arguments/],
    [["leads", "list", "--status"], /^hub-sales: .*--status/],
    [["leads", "list", "--status", "bogus"], /^hub-sales: --status: "bogus" is not a status; use one of "Active Lead" \(active-lead\)/],
    [["leads", "import"], /^hub-sales: missing <csv>; "leads import" takes <csv>/],
    [["leads", "import", "a.csv", "b.csv"], /^hub-sales: unexpected argument "b.csv"/],
    [["leads", "set-status", "Acme"], /^hub-sales: missing <status>/],
    [["leads", "set-status", "Acme", "done"], /^hub-sales: <status>: "done" is not a status/],
    [["leads", "import", "--json", "x.csv"], /^hub-sales: unknown option --json for "leads import"; it takes no options/],
    [["hubs", "list", "--json=yes"], /^hub-sales: .*--json/],
    [["costs", "import"], /^hub-sales: missing <csv>/],
  ])("hub-sales %j", async (args, message) => {
    sandbox = new CliSandbox();
    const { code, stdout, stderr } = await sandbox.run(...args);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const lines = stderr.split("\n");
    expect(lines[0]).toMatch(message);
    expect(stderr).toMatch(/\nUsage: hub-sales /);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
