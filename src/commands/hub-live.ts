import { escapeMarkdown, escapeUrl } from "../github/markdown-text.js";
import type { CalendarDate } from "../domain/calendar-date.js";
import type { Hub } from "../domain/records.js";
import { dateValue, keyValueArguments, leadArgument, nonEmptyText, urlValue } from "./command-arguments.js";
import { TEAM_ONLY, type CommandDefinition, type PlanInput, type PlanResult } from "./command-definition.js";
import { PLANNED_HUB_PREFIX, describeStatusChange, planStatusChange, runRecordCommand } from "./command-plans.js";

export interface HubLiveArgs {
  name: string;
  url: string;
  date?: CalendarDate | undefined;
  lead?: string | undefined;
}

const hubLiveArguments = keyValueArguments("hub-live", {
  name: nonEmptyText,
  url: urlValue,
  date: dateValue.optional(),
  lead: leadArgument,
});

function planHubLive({ args, lead, hubs, today }: PlanInput<HubLiveArgs>): PlanResult {
  if (args.date !== undefined && args.date > today) {
    return { ok: false, error: `\`date\` is when the hub went live: it cannot be after today (${today}); got ${args.date}` };
  }
  const existing = hubs.find((h) => h.hub.toLowerCase() === args.name.toLowerCase());
  if (existing !== undefined && existing.communityLeadId !== null && existing.communityLeadId !== lead.id) {
    // No lead id here: the reply may be written in the public hub repo.
    return { ok: false, error: `hub ${escapeMarkdown(existing.hub)} is already recorded for another community` };
  }
  const row: Hub = {
    id: existing?.id ?? `${PLANNED_HUB_PREFIX}${args.name}`,
    hub: existing?.hub ?? args.name,
    communityLeadId: lead.id,
    url: args.url,
    deploymentIssue: existing?.deploymentIssue ?? lead.deploymentIssue,
    // Re-running to fix a URL keeps the recorded date; a new row defaults to today.
    liveSince: args.date ?? existing?.liveSince ?? today,
  };
  const nextHubs = existing === undefined ? [...hubs, row] : hubs.map((h) => (h.id === row.id ? row : h));
  const startsByToday = lead.serviceStartDate !== null && lead.serviceStartDate <= today;
  if (lead.status === "Needs Admin" && startsByToday) {
    return planStatusChange({ lead, hubs: nextHubs, to: "Active Service", today });
  }
  return { ok: true, lead, hubs: nextHubs };
}

export const hubLiveCommand: CommandDefinition<HubLiveArgs> = {
  name: "hub-live",
  usage: "/hub-live name=<hub> url=<url> [date=<YYYY-MM-DD>]",
  description:
    "Records (or updates) the lead's Active Hubs row, live since `date` (default today); a Needs Admin lead whose service has started moves to Active Service.",
  examples: ["/hub-live name=example-university url=https://example-university.2i2c.cloud", "/hub-live name=staging url=https://staging.example.org date=2026-03-01"],
  whoMayRun: TEAM_ONLY,
  where: "any-repo",
  target: "lead",
  arguments: () => hubLiveArguments,
  plan: planHubLive,
  handler: ({ args, lead, deps }) =>
    runRecordCommand({
      name: "hub-live",
      plan: planHubLive,
      args,
      lead,
      deps,
      summarize: ({ before, after, hubs }) => {
        const row = hubs.find((h) => h.hub.toLowerCase() === args.name.toLowerCase())!;
        const change = describeStatusChange(before, after);
        let next = "";
        if (change !== null) next = ` ${change}.`;
        else if (after.status === "Needs Admin") {
          next = after.serviceStartDate
            ? ` The lead moves to Active Service on its start date, ${after.serviceStartDate}.`
            : " The lead moves to Active Service once a service start date is recorded.";
        }
        return `Hub **${escapeMarkdown(row.hub)}** (${escapeUrl(row.url ?? "")}) is recorded as live since ${row.liveSince} for **${escapeMarkdown(after.name)}**.${next}`;
      },
    }),
};
