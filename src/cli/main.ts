import { parseArgs, type ParseArgsConfig } from "node:util";
import type { z } from "zod";
import { todayUtc } from "../domain/calendar-date.js";
import { openStore } from "../store/open-store.js";
import type { LeadStore } from "../store/lead-store.js";
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, usageLine, type CliCommand, type CliContext, type CliIo } from "./cli-command.js";
import { fullConfigOf, localConfigOf, resolveCliConfig, type LocalConfig, type ResolvedCliConfig } from "./cli-config.js";
import { CLI_COMMANDS } from "./command-registry.js";

export type { CliIo } from "./cli-command.js";
export { CLI_COMMANDS } from "./command-registry.js";

/**
 * Runs `hub-sales <argv>` and resolves to the exit code: 0 done, 1 refused or failed,
 * 2 bad usage. Never throws and never prints a stack trace unless `HUB_SALES_DEBUG=1`.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx = createContext(io);
  try {
    return await dispatch([...argv], ctx);
  } catch (error) {
    return reportError(error, ctx);
  } finally {
    await ctx.closeStore().catch((error: unknown) => reportError(error, ctx));
  }
}

async function dispatch(argv: string[], ctx: CliContext): Promise<number> {
  const [first] = argv;
  if (first === undefined) {
    ctx.err(generalHelp());
    return EXIT_USAGE;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    const topic = argv.slice(1).filter((a) => !a.startsWith("-"));
    const command = topic.length > 0 ? findCommand(topic).command : null;
    if (topic.length > 0 && command === null) throw unknownCommand(topic);
    ctx.out(command ? commandHelp(command) : generalHelp());
    return EXIT_OK;
  }
  if (findCommand(argv).command === null && (argv.includes("--help") || argv.includes("-h"))) {
    // `hub-sales leads --help`: a group has no help of its own; the command list covers it.
    ctx.out(generalHelp());
    return EXIT_OK;
  }
  const resolved = resolveCommandLine(argv);
  if (resolved.args === HELP) {
    ctx.out(commandHelp(resolved.command));
    return EXIT_OK;
  }
  return resolved.command.run(resolved.args, ctx);
}

const HELP = Symbol("help");

/**
 * The command a command line names and its validated arguments (or `HELP` for `--help`);
 * throws `UsageError` with a message naming what is wrong. Exported for the conformance
 * test that parses every command's examples.
 */
export function resolveCommandLine(argv: readonly string[]): { command: CliCommand; args: unknown } {
  const { command, rest } = findCommand(argv);
  if (command === null) throw unknownCommand(argv);
  return { command, args: parseCommandArgs(command, rest) };
}

export function isHelpRequest(args: unknown): boolean {
  return args === HELP;
}

/** The longest run of leading words that names a command (`leads import` before `leads`). */
function findCommand(argv: readonly string[]): { command: CliCommand | null; rest: string[] } {
  for (let words = Math.min(3, argv.length); words >= 1; words -= 1) {
    const command = CLI_COMMANDS.get(argv.slice(0, words).join(" "));
    if (command) return { command, rest: argv.slice(words) };
  }
  return { command: null, rest: [] };
}

function unknownCommand(argv: readonly string[]): UsageError {
  const group = argv[0] ?? "";
  const sub = [...CLI_COMMANDS.keys()].filter((name) => name.startsWith(`${group} `)).map((name) => name.slice(group.length + 1));
  if (sub.length > 0) {
    const asked = argv[1];
    return new UsageError(
      asked === undefined || asked.startsWith("-")
        ? `"${group}" needs a subcommand: ${sub.join(", ")}`
        : `unknown subcommand "${group} ${asked}"; "${group}" has ${sub.join(", ")}`,
    );
  }
  return new UsageError(`unknown command "${group}"; the commands are ${[...new Set([...CLI_COMMANDS.keys()].map((n) => n.split(" ")[0]))].join(", ")}`);
}

/** parseArgs for the syntax, then the command's zod schema for the meaning. */
function parseCommandArgs(command: CliCommand, rest: string[]): unknown {
  const options: NonNullable<ParseArgsConfig["options"]> = { help: { type: "boolean", short: "h" } };
  for (const [name, option] of Object.entries(command.options)) {
    options[name] = { type: option.type, ...(option.multiple ? { multiple: true } : {}), ...(option.short ? { short: option.short } : {}) };
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    throw new UsageError(describeParseArgsError(error, command), command);
  }
  if (parsed.values.help === true) return HELP;
  const { positionals } = parsed;
  const expected = command.positionals;
  if (positionals.length !== expected.length) {
    const names = expected.map((p) => `<${p.name}>`).join(" ");
    const message =
      positionals.length < expected.length
        ? `missing ${expected
            .slice(positionals.length)
            .map((p) => `<${p.name}>`)
            .join(" ")}`
        : `unexpected argument${positionals.length - expected.length > 1 ? "s" : ""} ${positionals
            .slice(expected.length)
            .map((p) => JSON.stringify(p))
            .join(" ")}`;
    throw new UsageError(`${message}; "${command.name}" takes ${expected.length === 0 ? "no arguments" : names}`, command);
  }
  const { help: _help, ...values } = parsed.values;
  const input: Record<string, unknown> = { ...values };
  expected.forEach((p, i) => (input[p.name] = positionals[i]));
  const result = command.args.safeParse(input);
  if (!result.success) {
    throw new UsageError(result.error.issues.map((issue) => describeArgIssue(issue, command)).join("; "), command);
  }
  return result.data;
}

function describeParseArgsError(error: unknown, command: CliCommand): string {
  const e = error as { code?: string; message?: string };
  const flag = /'([^']+)'/.exec(e.message ?? "")?.[1];
  const options = Object.keys(command.options).map((o) => `--${o}`);
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${flag ?? ""} for "${command.name}"; ${options.length > 0 ? `its options are ${options.join(", ")}` : "it takes no options"}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return `${(e.message ?? "invalid option value").split("\n")[0]}`;
    default:
      return (e.message ?? String(error)).split("\n")[0]!;
  }
}

function describeArgIssue(issue: z.core.$ZodIssue, command: CliCommand): string {
  const key = String(issue.path[0] ?? "");
  const place = command.positionals.some((p) => p.name === key) ? `<${key}>` : `--${key}`;
  return `${place}: ${issue.message}`;
}

function reportError(error: unknown, ctx: CliContext): number {
  const debug = ctx.io.env.HUB_SALES_DEBUG === "1";
  if (error instanceof CliError) {
    ctx.err(`hub-sales: ${error.message}`);
    for (const line of error.details) ctx.err(line);
    if (error instanceof UsageError) {
      ctx.err("");
      ctx.err(error.command ? `Usage: ${usageLine(error.command)}` : "Usage: hub-sales <command> [options]");
      ctx.err(`Run \`hub-sales ${error.command ? `${error.command.name} ` : ""}--help\` for more.`);
    }
    if (debug && error.stack) ctx.err(error.stack);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  ctx.err(`hub-sales: ${message.split("\n")[0]}`);
  if (debug && error instanceof Error && error.stack) ctx.err(error.stack);
  else ctx.err("(set HUB_SALES_DEBUG=1 for details)");
  return EXIT_FAILURE;
}

function createContext(io: CliIo): CliContext & { closeStore(): Promise<void> } {
  let resolution: Promise<ResolvedCliConfig> | null = null;
  const resolved = () => (resolution ??= resolveCliConfig(io.env));
  let config: Promise<LocalConfig> | null = null;
  let store: Promise<LeadStore> | null = null;
  const ctx = {
    io,
    out: (line: string) => void io.stdout.write(`${line}\n`),
    err: (line: string) => void io.stderr.write(`${line}\n`),
    progress: (line: string) => {
      if (io.stderr.isTTY) io.stderr.write(`${line}\n`);
    },
    // One resolution per command: the repo's file is read once, the defaults' note said once.
    config: () => (config ??= resolved().then((r) => localConfigOf(r, (line) => ctx.err(line)))),
    fullConfig: () => resolved().then(fullConfigOf),
    store: () =>
      (store ??= (async () => {
        const loaded = await ctx.config();
        return openStore({ env: io.env, config: loaded, now: io.now });
      })()),
    // The CLI's edge: the wall clock unless the caller (a test) pins one.
    today: () => todayUtc(io.now?.() ?? new Date()),
    closeStore: async () => {
      if (store === null) return;
      const opened = await store.catch(() => null);
      await opened?.close();
    },
  };
  return ctx;
}

/** `hub-sales --help`, generated from the registry. */
export function generalHelp(): string {
  const commands = [...CLI_COMMANDS.values()];
  const heads = commands.map((c) => [c.name, ...c.positionals.map((p) => `<${p.name}>`)].join(" "));
  const width = Math.max(...heads.map((h) => h.length));
  return [
    "hub-sales: the managed-JupyterHub sales pipeline from the command line",
    "",
    "Usage: hub-sales <command> [options]",
    "",
    "Commands:",
    ...commands.map((c, i) => `  ${heads[i]!.padEnd(width)}  ${c.description}`),
    "",
    "Run `hub-sales <command> --help` for a command's arguments and options.",
    "",
    "Environment:",
    "  HUB_SALES_DB       the SQLite store (default data/hub-sales.db)",
    "  HUB_SALES_DATABASE_URL  postgres://…: PostgreSQL instead (the replicas' shared store)",
    "  HUB_SALES_CONFIG   a local copy of .github/hub-sales.yml (field names, tiers, currency)",
    "  HUB_SALES_DEBUG=1  show stack traces on errors",
    "",
    "Exit codes: 0 done, 1 refused or failed (nothing written), 2 bad usage.",
  ].join("\n");
}

/** `hub-sales <command> --help`, generated from the command's own fields. */
export function commandHelp(command: CliCommand): string {
  const rows: [string, string][] = [
    ...command.positionals.map((p): [string, string] => [`<${p.name}>`, p.description]),
    ...Object.entries(command.options).map(([name, o]): [string, string] => [
      `${o.short ? `-${o.short}, ` : ""}--${name}${o.type === "string" ? ` <${o.valueName ?? "value"}>` : ""}`,
      o.description,
    ]),
    ["-h, --help", "show this help"],
  ];
  const width = Math.max(...rows.map(([left]) => left.length));
  return [
    `Usage: ${usageLine(command)}`,
    "",
    command.description,
    ...(command.details ? ["", command.details] : []),
    "",
    "Arguments and options:",
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
    ...(command.examples.length > 0 ? ["", "Examples:", ...command.examples.map((e) => `  hub-sales ${e}`)] : []),
  ].join("\n");
}
