import { escapeMarkdown } from "../github/markdown-text.js";
import { z } from "zod";
import { LEAD_STATUSES, parseLeadStatus, statusSlug, type LeadStatus } from "../pipeline/lead-status.js";
import { leadArgument, strictArgs } from "./command-arguments.js";
import { TEAM_ONLY, type CommandDefinition, type CommandInput, type PlanInput, type PlanResult } from "./command-definition.js";
import { describeStatusChange, planStatusChange, runRecordCommand } from "./command-plans.js";

export interface StatusArgs {
  status: LeadStatus;
  lead?: string | undefined;
}

const VALID_STATUSES = LEAD_STATUSES.map((s) => `${s} (\`${statusSlug(s)}\`)`).join(", ");

// The status is bare words so both `/status needs-admin` and `/status Needs Admin` read.
const statusArguments = z
  .object({
    args: strictArgs({ lead: leadArgument }),
    positionals: z.array(z.string()).transform((words, ctx): LeadStatus => {
      const text = words.join(" ");
      const status = text.trim() === "" ? null : parseLeadStatus(text);
      if (status === null) {
        ctx.addIssue({
          code: "custom",
          message:
            text.trim() === ""
              ? `\`/status\` needs a status, e.g. \`/status needs-admin\`; valid statuses: ${VALID_STATUSES}`
              : `unknown status "${text}"; valid statuses: ${VALID_STATUSES}`,
        });
        return z.NEVER;
      }
      return status;
    }),
  })
  .transform(({ args, positionals }): StatusArgs => ({ status: positionals, lead: args.lead })) as unknown as z.ZodType<
  StatusArgs,
  CommandInput
>;

function planStatus({ args, lead, hubs, today }: PlanInput<StatusArgs>): PlanResult {
  return planStatusChange({ lead, hubs, to: args.status, today });
}

export const statusCommand: CommandDefinition<StatusArgs> = {
  name: "status",
  usage: "/status <status>",
  description: `Asks for a status change (guards apply). Status by name or slug: ${LEAD_STATUSES.map(statusSlug).join(", ")}.`,
  examples: ["/status needs-admin", '/status "Inactive Lead"', "/status active-lead lead=\"Example University\""],
  whoMayRun: TEAM_ONLY,
  where: "sales-repo",
  target: "lead",
  arguments: () => statusArguments,
  plan: planStatus,
  handler: ({ args, lead, deps }) =>
    runRecordCommand({
      name: "status",
      plan: planStatus,
      args,
      lead,
      deps,
      summarize: ({ before, after }) => {
        const change = describeStatusChange(before, after);
        if (change === null) return `**${escapeMarkdown(after.name)}** is already ${after.status}; nothing to change.`;
        const ended = after.serviceEndDate !== before.serviceEndDate ? `, service end date ${after.serviceEndDate}` : "";
        return `**${escapeMarkdown(after.name)}**: ${change}${ended}.`;
      },
    }),
};
