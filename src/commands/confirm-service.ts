import { escapeMarkdown } from "../github/markdown-text.js";
import type { HubSalesConfig } from "../config/hub-sales-config.schema.js";
import { formatMoneyForPeople, type MinorUnits } from "../domain/money.js";
import type { Lead } from "../domain/records.js";
import { leadArgument, dateValue, keyValueArguments, moneyValue, nonEmptyText, textValue, urlValue } from "./command-arguments.js";
import { TEAM_ONLY, type CommandDefinition, type PlanInput, type PlanResult } from "./command-definition.js";
import { describeStatusChange, planStatusChange, runRecordCommand } from "./command-plans.js";

function tierValue(config: HubSalesConfig) {
  const names = config.tiers.map((t) => t.name);
  return textValue<string>((text) => {
    const tier = config.tiers.find((t) => t.name.toLowerCase() === text.trim().toLowerCase());
    return tier
      ? { ok: true, value: tier.name }
      : { ok: false, message: `must be one of ${names.join(", ")} (got "${text}")` };
  });
}

function confirmServiceArguments(config: HubSalesConfig) {
  return keyValueArguments("confirm-service", {
    tier: tierValue(config),
    fee: moneyValue.optional(),
    start: dateValue.optional(),
    agreement: nonEmptyText.optional(),
    contract: urlValue.optional(),
    lead: leadArgument,
  });
}

export interface ConfirmServiceArgs {
  tier: string;
  fee?: MinorUnits | undefined;
  start?: string | undefined;
  agreement?: string | undefined;
  contract?: string | undefined;
  lead?: string | undefined;
}

function planConfirmService({ args, lead, hubs, config, today }: PlanInput<ConfirmServiceArgs>): PlanResult {
  const tier = config.tiers.find((t) => t.name === args.tier)!;
  const recorded: Lead = {
    ...lead,
    serviceTier: tier.name,
    monthlyFee: args.fee ?? tier.monthly_fee,
    serviceStartDate: args.start ?? lead.serviceStartDate,
    agreement: args.agreement ?? lead.agreement,
    contract: args.contract ?? lead.contract,
  };
  // A live service may change tier without leaving Active Service (Active Service → Needs Admin is not allowed).
  if (recorded.status === "Active Service") return { ok: true, lead: recorded, hubs };
  return planStatusChange({ lead: recorded, hubs, to: "Needs Admin", today });
}

/** The text a person forwards to the fiscal sponsor's operations address (SPEC §5). */
export function renderServiceNote(input: { lead: Lead; config: HubSalesConfig }): string {
  const { lead, config } = input;
  const fee = lead.monthlyFee === null ? "not recorded" : formatMoneyForPeople(lead.monthlyFee, config.currency);
  return [
    `Subject: New managed JupyterHub service: ${lead.name} (${lead.serviceTier} tier)`,
    "",
    "Hello,",
    "",
    `${lead.name} has agreed to the ${lead.serviceTier} tier of the managed JupyterHub service.`,
    "",
    `Community: ${lead.name}`,
    `Service tier: ${lead.serviceTier}`,
    `Monthly fee: ${fee}`,
    `Service start date: ${lead.serviceStartDate ?? "not set yet"}`,
    `Contact email: ${lead.contactEmail ?? "not recorded"}`,
    `Agreement: ${lead.agreement ?? "not recorded"}`,
    ...(lead.contract ? [`Contract: ${lead.contract}`] : []),
    "",
    "Please set up monthly invoicing for this community.",
  ].join("\n");
}

/** A fenced block that no backtick run inside `text` can close. */
export function fenced(text: string, info = "text"): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${text}\n${fence}`;
}

export const confirmServiceCommand: CommandDefinition<ConfirmServiceArgs> = {
  name: "confirm-service",
  usage: "/confirm-service tier=<tier> [fee=<amount>] [start=<YYYY-MM-DD>] [agreement=<link or text>] [contract=<link>]",
  description:
    "Records the agreed service tier (the fee defaults to the tier's), moves the lead to Needs Admin, and replies with the note to forward to the operations address.",
  examples: [
    '/confirm-service tier=Research agreement="email of 2026-03-02"',
    '/confirm-service tier=Education fee=900 start=2026-04-01 agreement=https://example.org/agreement contract=https://example.org/contract.pdf',
  ],
  whoMayRun: TEAM_ONLY,
  where: "sales-repo",
  target: "lead",
  arguments: ({ config }) => confirmServiceArguments(config),
  plan: planConfirmService,
  handler: ({ args, lead, deps }) =>
    runRecordCommand({
      name: "confirm-service",
      plan: planConfirmService,
      args,
      lead,
      deps,
      summarize: ({ before, after }) => {
        const fee = formatMoneyForPeople(after.monthlyFee!, deps.config.currency);
        const change = describeStatusChange(before, after) ?? `status stays ${after.status}`;
        const cc = deps.config.invoicing.cc;
        return [
          `Recorded for **${escapeMarkdown(after.name)}**: tier ${after.serviceTier}, monthly fee ${fee}, service start ${after.serviceStartDate ?? "not set"}; ${change}.`,
          "",
          `Note to forward to ${deps.config.invoicing.to}${cc.length > 0 ? ` (cc ${cc.join(", ")})` : ""}:`,
          "",
          fenced(renderServiceNote({ lead: after, config: deps.config })),
        ].join("\n");
      },
    }),
};
