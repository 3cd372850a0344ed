import { z } from "zod";
import type { CalendarMonth } from "../domain/calendar-date.js";
import { keyValueArguments, monthValue } from "./command-arguments.js";
import { TEAM_ONLY, type ArgumentContext, type CommandDefinition, type CommandInput } from "./command-definition.js";

export interface InvoiceArgs {
  month: CalendarMonth;
}

function invoiceArguments({ today }: ArgumentContext) {
  return keyValueArguments("invoice", { month: monthValue }).superRefine((args, ctx) => {
    if (args.month > today.slice(0, 7)) {
      ctx.addIssue({ code: "custom", path: ["args", "month"], message: `${args.month} has not begun yet (today is ${today})` });
    }
  }) as unknown as z.ZodType<InvoiceArgs, CommandInput>;
}

export const invoiceCommand: CommandDefinition<InvoiceArgs> = {
  name: "invoice",
  usage: "/invoice month=<YYYY-MM>",
  description: "Builds or refreshes that month's invoice batch (the `Invoices <month>` issue).",
  examples: ["/invoice month=2026-03"],
  whoMayRun: TEAM_ONLY,
  where: "sales-repo",
  target: "none",
  arguments: invoiceArguments,
  async handler({ args, deps }) {
    const batch = await deps.buildInvoice(args.month);
    return { ok: true, summary: `Invoice batch for ${args.month}: ${batch.url}\n\n${batch.summary}`, changedLeadIds: [] };
  },
};
