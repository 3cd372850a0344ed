import type { CliCommand } from "./cli-command.js";
import { airtableWebhookEnsureCommand } from "./commands/airtable-webhook-ensure.js";
import { costsImportCommand } from "./commands/costs-import.js";
import { demoCommand } from "./commands/demo.js";
import { reconcileCommand } from "./commands/reconcile.js";
import { hubsImportCommand } from "./commands/hubs-import.js";
import { hubsListCommand } from "./commands/hubs-list.js";
import { invoiceCommand } from "./commands/invoice.js";
import { leadsImportCommand } from "./commands/leads-import.js";
import { leadsListCommand } from "./commands/leads-list.js";
import { leadsSetStatusCommand } from "./commands/leads-set-status.js";

/**
 * Every subcommand, by name. A new command is one file in `commands/` plus one line
 * here; `hub-sales --help` and each command's help are generated from this.
 */
export const CLI_COMMANDS: ReadonlyMap<string, CliCommand> = new Map<string, CliCommand>(
  [
    leadsImportCommand,
    leadsListCommand,
    leadsSetStatusCommand,
    hubsImportCommand,
    hubsListCommand,
    costsImportCommand,
    invoiceCommand,
    reconcileCommand,
    airtableWebhookEnsureCommand,
    demoCommand,
  ].map((command) => [command.name, command]),
);
