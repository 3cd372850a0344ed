import type { CommandDefinition } from "./command-definition.js";
import { confirmServiceCommand } from "./confirm-service.js";
import { deliveredCommand } from "./delivered.js";
import { helpCommand, renderCommandHelp, renderCommandsMarkdownTable } from "./help.js";
import { hubLiveCommand } from "./hub-live.js";
import { invoiceCommand } from "./invoice.js";
import { qualifyCommand } from "./qualify.js";
import { requestDeploymentCommand } from "./request-deployment.js";
import { statusCommand } from "./status.js";
import { waitCommand } from "./wait.js";

/** Every comment command, by name, in the order `/help` lists them. */
export const COMMAND_REGISTRY: ReadonlyMap<string, CommandDefinition> = new Map<string, CommandDefinition>([
  [confirmServiceCommand.name, confirmServiceCommand],
  [statusCommand.name, statusCommand],
  [waitCommand.name, waitCommand],
  [qualifyCommand.name, qualifyCommand],
  [requestDeploymentCommand.name, requestDeploymentCommand],
  [hubLiveCommand.name, hubLiveCommand],
  [deliveredCommand.name, deliveredCommand],
  [invoiceCommand.name, invoiceCommand],
  [helpCommand.name, helpCommand],
]);

export function listCommands(): CommandDefinition[] {
  return [...COMMAND_REGISTRY.values()];
}

/**
 * The registered name nearest to `name`, for "did you mean": a command the name begins
 * (people shorten `/confirm-service` to `/confirm`), else the least edit distance.
 */
export function closestCommandName(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length >= 3) {
    const prefixed = [...COMMAND_REGISTRY.keys()].filter((candidate) => candidate.startsWith(lower));
    if (prefixed.length > 0) return prefixed.sort((a, b) => a.length - b.length)[0]!;
  }
  let best = "help";
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of COMMAND_REGISTRY.keys()) {
    const distance = editDistance(lower, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = current;
  }
  return previous[b.length]!;
}

export function renderRegistryHelp(): string {
  return renderCommandHelp(listCommands());
}

/** The README's Markdown table of commands. */
export function renderReadmeCommandsTable(): string {
  return renderCommandsMarkdownTable(listCommands());
}
