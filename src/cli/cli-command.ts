import type { z } from "zod";
import type { CalendarDate } from "../domain/calendar-date.js";
import type { HubSalesConfig } from "../config/hub-sales-config.schema.js";
import type { LeadStore } from "../store/lead-store.js";
import type { LocalConfig } from "./cli-config.js";

/** Exit codes: 0 done, 1 refused or failed (bad file, refused transition, error), 2 bad usage. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface CliOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Everything the CLI touches outside itself, so tests run it in-process. */
export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  env: Readonly<Record<string, string | undefined>>;
  /** The clock; tests pin it so guards on the service start date are deterministic. */
  now?: () => Date;
}

/** What a command's handler gets: output, configuration and the store, opened on first use. */
export interface CliContext {
  readonly io: CliIo;
  /** Writes one line to stdout. */
  out(line: string): void;
  /** Writes one line to stderr. */
  err(line: string): void;
  /** A progress note on stderr, shown only when stderr is a terminal. */
  progress(line: string): void;
  /** `HUB_SALES_CONFIG` when set, else the defaults (commands that do not need the hub repo). */
  config(): Promise<LocalConfig>;
  /** The full configuration; a clear error when `HUB_SALES_CONFIG` is not set. */
  fullConfig(): Promise<HubSalesConfig>;
  /** The store of `openStore`; closed by `runCli` when the command ends. */
  store(): Promise<LeadStore>;
  today(): CalendarDate;
}

export interface CliOption {
  type: "boolean" | "string";
  multiple?: boolean;
  short?: string;
  /** Shown in help after the flag, e.g. `<status>`. */
  valueName?: string;
  description: string;
}

export interface CliPositional {
  name: string;
  description: string;
}

/**
 * One subcommand: its file exports this and the registry lists it. Help text is
 * generated from these fields, and the conformance test parses every example.
 */
export interface CliCommand<Args = unknown> {
  /** The words that select it: `leads import`. */
  name: string;
  /** One line for the command list. */
  description: string;
  /** Longer help: rules, what is written, exit codes. */
  details?: string;
  positionals: readonly CliPositional[];
  options: Readonly<Record<string, CliOption>>;
  /** Whole command lines after `hub-sales`, e.g. `leads list --status waiting`. */
  examples: readonly string[];
  /** Validates the named positionals and option values (one flat object) into `Args`. */
  args: z.ZodType<Args>;
  run(args: Args, ctx: CliContext): Promise<number>;
}

/** The usage line, generated: `hub-sales leads set-status <lead> <status> [--force]`. */
export function usageLine(command: CliCommand): string {
  const positionals = command.positionals.map((p) => `<${p.name}>`);
  const options = Object.entries(command.options).map(([name, option]) => {
    const value = option.type === "string" ? ` <${option.valueName ?? "value"}>` : "";
    return `[--${name}${value}]${option.multiple ? "..." : ""}`;
  });
  return ["hub-sales", command.name, ...positionals, ...options].join(" ");
}

/** A failure to report as one line (plus optional detail lines) and an exit code; no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Bad arguments: reported with the command's usage, exit 2. */
export class UsageError extends CliError {
  constructor(
    message: string,
    readonly command: CliCommand | null = null,
  ) {
    super(message, EXIT_USAGE);
    this.name = "UsageError";
  }
}
