import { z } from "zod";
import type { LeadStore } from "../../store/lead-store.js";
import type { Lead } from "../../domain/records.js";
import { decideTransition, isAllowedTransition, TRANSITIONS, formatList } from "../../pipeline/transition-rules.js";
import { statusArg, textArg } from "../cli-args.js";
import { CliError, EXIT_FAILURE, EXIT_OK, type CliCommand } from "../cli-command.js";

const args = z.object({ lead: textArg, status: statusArg, force: z.boolean().default(false) });

export const leadsSetStatusCommand: CliCommand<z.output<typeof args>> = {
  name: "leads set-status",
  description: "Move a lead to another status, by the pipeline's rules",
  details: [
    "The lead is named by its id or its Name (ignoring case); the status by its name or slug.",
    "The transition must be one the pipeline allows (SPEC §2) and its guards must hold:",
    "Needs Admin needs a service tier and an agreement, Active Service a live hub and a start",
    "date on or before today, Waiting a follow-up date. A refused change prints the reasons",
    "and exits 1; setting the current status again changes nothing and exits 0.",
    "--force records the change although guards fail (as an edit in the table would; the app",
    "reports what is missing on the lead issue). It never allows a transition the pipeline",
    "does not have: go through the allowed steps instead. The lead is queued for reconciliation.",
    "",
    "Allowed transitions:",
    ...Object.entries(TRANSITIONS).map(([from, to]) => `  ${from} → ${formatList(to)}`),
  ].join("\n"),
  positionals: [
    { name: "lead", description: "the lead's id (e.g. lead-3) or Name" },
    { name: "status", description: "the new status, e.g. \"Needs Admin\" or needs-admin" },
  ],
  options: {
    force: { type: "boolean", description: "skip the guards (never the transition table)" },
  },
  examples: ['leads set-status "Example University" waiting', "leads set-status lead-3 needs-admin --force"],
  args,
  async run({ lead: leadRef, status: to, force }, ctx) {
    const store = await ctx.store();
    const lead = await findLead(store, leadRef);
    const hubs = (await store.listHubs()).filter((hub) => hub.communityLeadId === lead.id);
    const decision = decideTransition(lead.status, to, { lead, hubs, today: ctx.today() });
    if (decision.kind === "no-op") {
      ctx.out(`${lead.name} is already ${lead.status}; nothing changed`);
      return EXIT_OK;
    }
    if (decision.kind === "refused") {
      if (!force || !isAllowedTransition(lead.status, to)) {
        ctx.err(`hub-sales leads set-status: ${lead.name} cannot go from ${lead.status} to ${to}:`);
        for (const reason of decision.reasons) ctx.err(`  - ${reason}`);
        if (!isAllowedTransition(lead.status, to)) {
          if (force) ctx.err("  (--force skips guards, never the transition table)");
        } else {
          ctx.err("  (record it anyway with --force, as an edit in the table would)");
        }
        return EXIT_FAILURE;
      }
      for (const reason of decision.reasons) ctx.err(`warning: recorded with --force although a guard fails: ${reason}`);
    }
    await store.updateLead(lead.id, { status: to });
    await store.enqueueWork(`lead:${lead.id}`, `status set to ${to} from the CLI`);
    ctx.out(`${lead.name}: ${lead.status} → ${to}${force && decision.kind === "refused" ? " (forced)" : ""}`);
    return EXIT_OK;
  },
};

async function findLead(store: LeadStore, ref: string): Promise<Lead> {
  const lead = (await store.getLead(ref)) ?? (await store.findLeadByName(ref));
  if (lead === null) {
    throw new CliError(`no lead with id or name "${ref}"; see \`hub-sales leads list\``);
  }
  return lead;
}
