import type { z } from "zod";
import type { HubSalesConfig } from "../config/hub-sales-config.schema.js";
import type { CalendarDate } from "../domain/calendar-date.js";
import type { Hub, Lead } from "../domain/records.js";
import type { CommandDeps } from "./command-deps.js";

/** What the parser read, as the argument schemas see it. */
export interface CommandInput {
  args: Record<string, string>;
  positionals: string[];
}

/** What argument schemas may depend on. */
export interface ArgumentContext {
  config: HubSalesConfig;
  today: CalendarDate;
}

/** The state a command is checked against: the target lead and every Active Hubs row. */
export interface PlanInput<A> {
  args: A;
  lead: Lead;
  hubs: readonly Hub[];
  config: HubSalesConfig;
  today: CalendarDate;
}

/**
 * A pure check of one command against the state it will meet, returning that state
 * after the command. The runner chains plans through a comment so that every command is
 * validated before the first write (a comment with an error changes nothing).
 */
export type PlanResult = { ok: true; lead: Lead; hubs: readonly Hub[] } | { ok: false; error: string };

export type CommandResult = { ok: true; summary: string; changedLeadIds: string[] } | { ok: false; error: string };

export interface HandlerInput<A> {
  args: A;
  /** The target lead as stored now (null for commands without a target). */
  lead: Lead | null;
  deps: CommandDeps;
  /** The registered commands, for `/help`. */
  commands: readonly CommandDefinition[];
}

/**
 * One comment command (Prow-plugin style): its own usage, examples and rules, checked by
 * the conformance test, rendered by `/help` and the README table.
 */
export interface CommandDefinition<A = any> {
  /** Lower-case name without the slash. */
  name: string;
  /** `/wait until=<YYYY-MM-DD> [reason="..."]` */
  usage: string;
  description: string;
  /** Full command lines that parse and validate (the conformance test checks them). */
  examples: string[];
  /** Who may run it, in words. */
  whoMayRun: string;
  /**
   * `sales-repo`: answers or records sensitive data, so only on the sales repo (private);
   * `any-repo`: also on the app's issues in the hub repo (public).
   */
  where: "sales-repo" | "any-repo";
  /** `lead`: acts on the lead, or the one named by `lead=`. */
  target: "lead" | "none";
  /** Validates the parsed arguments. */
  arguments(context: ArgumentContext): z.ZodType<A, CommandInput>;
  /** Checks the command against the state it will meet (lead commands only). */
  plan?(input: PlanInput<A>): PlanResult;
  handler(input: HandlerInput<A>): Promise<CommandResult>;
}

export const TEAM_ONLY =
  "members of the configured team (`commands.team`), or with none configured, people with write access to the repo";
