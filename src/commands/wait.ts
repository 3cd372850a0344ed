import { escapeMarkdown } from "../github/markdown-text.js";
import type { CalendarDate } from "../domain/calendar-date.js";
import { dateValue, keyValueArguments, leadArgument, nonEmptyText } from "./command-arguments.js";
import { TEAM_ONLY, type CommandDefinition, type PlanInput, type PlanResult } from "./command-definition.js";
import { describeStatusChange, planStatusChange, runRecordCommand } from "./command-plans.js";

export interface WaitArgs {
  until: CalendarDate;
  reason?: string | undefined;
  lead?: string | undefined;
}

const waitArguments = keyValueArguments("wait", {
  until: dateValue,
  reason: nonEmptyText.optional(),
  lead: leadArgument,
});

function planWait({ args, lead, hubs, today }: PlanInput<WaitArgs>): PlanResult {
  // The daily job comments on the follow-up date; a date that has passed would never come.
  if (args.until <= today) {
    return { ok: false, error: `\`until\` must be after today (${today}); got ${args.until}` };
  }
  return planStatusChange({ lead: { ...lead, followUpDate: args.until }, hubs, to: "Waiting", today });
}

export const waitCommand: CommandDefinition<WaitArgs> = {
  name: "wait",
  usage: '/wait until=<YYYY-MM-DD> [reason="..."]',
  description: "Records a follow-up date and moves the lead to Waiting; on that date the app reminds the follow-up assignees.",
  examples: ['/wait until=2030-03-01 reason="grant decision in February"', "/wait until=2030-01-15"],
  whoMayRun: TEAM_ONLY,
  where: "sales-repo",
  target: "lead",
  arguments: () => waitArguments,
  plan: planWait,
  handler: ({ args, lead, deps }) =>
    runRecordCommand({
      name: "wait",
      plan: planWait,
      args,
      lead,
      deps,
      summarize: ({ before, after }) => {
        const change = describeStatusChange(before, after) ?? `status stays ${after.status}`;
        const reason = args.reason ? ` Reason: ${escapeMarkdown(args.reason)}.` : "";
        return `**${escapeMarkdown(after.name)}**: follow-up on ${after.followUpDate}; ${change}.${reason}`;
      },
    }),
};
