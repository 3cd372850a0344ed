import { keyValueArguments } from "./command-arguments.js";
import { TEAM_ONLY, type CommandDefinition } from "./command-definition.js";

/** The `/help` reply: every registered command with its usage and an example. */
export function renderCommandHelp(commands: readonly CommandDefinition[]): string {
  const lines = ["Commands (one per line, outside code blocks and quotes; values with spaces in `\"quotes\"`):", ""];
  for (const command of commands) {
    lines.push(`- \`${command.usage}\`: ${command.description} e.g. \`${command.examples[0]}\``);
  }
  lines.push(
    "",
    'Commands act on the lead of the issue they are written on; `lead="<Name or id>"` names another one (sales repo only).',
    `Who may run them: ${commands[0]?.whoMayRun ?? "the configured team"}.`,
  );
  return lines.join("\n");
}

/** The README's table of commands, generated from the registry so it cannot drift. */
export function renderCommandsMarkdownTable(commands: readonly CommandDefinition[]): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const rows = commands.map(
    (c) => `| \`${cell(c.usage)}\` | ${cell(c.description)} | \`${cell(c.examples[0] ?? c.usage)}\` | ${c.where === "sales-repo" ? "sales repo" : "sales and hub repo"} |`,
  );
  return ["| command | effect | example | where |", "|---|---|---|---|", ...rows].join("\n");
}

export const helpCommand: CommandDefinition<Record<string, never>> = {
  name: "help",
  usage: "/help",
  description: "Lists the commands.",
  examples: ["/help"],
  whoMayRun: TEAM_ONLY,
  where: "any-repo",
  target: "none",
  arguments: () => keyValueArguments("help", {}),
  async handler({ commands }) {
    return { ok: true, summary: renderCommandHelp(commands), changedLeadIds: [] };
  },
};
