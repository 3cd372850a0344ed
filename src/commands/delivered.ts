import { escapeMarkdown } from "../github/markdown-text.js";
import type { CalendarMonth } from "../domain/calendar-date.js";
import { keyValueArguments, leadArgument, monthValue } from "./command-arguments.js";
import { TEAM_ONLY, type CommandDefinition, type PlanInput, type PlanResult } from "./command-definition.js";

export interface DeliveredArgs {
  month: CalendarMonth;
  lead?: string | undefined;
}

const deliveredArguments = keyValueArguments("delivered", { month: monthValue, lead: leadArgument });

function planDelivered({ args, lead, hubs, today }: PlanInput<DeliveredArgs>): PlanResult {
  if (lead.status !== "Active Service" && lead.status !== "Inactive Service") {
    return { ok: false, error: `**${escapeMarkdown(lead.name)}** is ${lead.status}: deliveries are confirmed for leads in service (Active Service or Inactive Service)` };
  }
  if (args.month > today.slice(0, 7)) {
    return { ok: false, error: `\`month\` ${args.month} has not begun yet (today is ${today})` };
  }
  const startMonth = lead.serviceStartDate?.slice(0, 7);
  if (startMonth !== undefined && args.month < startMonth) {
    return { ok: false, error: `the service of **${escapeMarkdown(lead.name)}** starts on ${lead.serviceStartDate}, after ${args.month}` };
  }
  const endMonth = lead.serviceEndDate?.slice(0, 7);
  if (endMonth !== undefined && args.month > endMonth) {
    return { ok: false, error: `the service of **${escapeMarkdown(lead.name)}** ended on ${lead.serviceEndDate}, before ${args.month}` };
  }
  return { ok: true, lead, hubs };
}

export const deliveredCommand: CommandDefinition<DeliveredArgs> = {
  name: "delivered",
  usage: "/delivered month=<YYYY-MM>",
  description: "Records the community's confirmation that the month's service was delivered (makes the lead ready to invoice).",
  examples: ["/delivered month=2026-03", '/delivered month=2026-02 lead="Example University"'],
  whoMayRun: TEAM_ONLY,
  where: "sales-repo",
  target: "lead",
  arguments: () => deliveredArguments,
  plan: planDelivered,
  async handler({ args, lead, deps }) {
    if (lead === null) return { ok: false, error: "`/delivered` needs a lead" };
    const planned = planDelivered({ args, lead, hubs: [], config: deps.config, today: deps.today });
    if (!planned.ok) return planned;
    const existing = (await deps.store.listDeliveryConfirmations(args.month)).find((c) => c.leadId === lead.id);
    if (existing !== undefined) {
      return {
        ok: true,
        summary: `Delivery of ${args.month} for **${escapeMarkdown(lead.name)}** was already confirmed by @${existing.confirmedBy} on ${existing.confirmedAt.slice(0, 10)}.`,
        changedLeadIds: [],
      };
    }
    await deps.store.recordDeliveryConfirmation({
      leadId: lead.id,
      month: args.month,
      confirmedBy: deps.commenter.login,
      confirmedAt: (deps.now?.() ?? new Date()).toISOString(),
    });
    await deps.requestReconcile(lead.id, `/delivered ${args.month} by @${deps.commenter.login}`);
    await deps.invoiceInputsChanged?.(args.month);
    return { ok: true, summary: `Recorded the delivery of ${args.month} for **${escapeMarkdown(lead.name)}**.`, changedLeadIds: [lead.id] };
  },
};
