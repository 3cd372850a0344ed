import { z } from "zod";
import { formatMoney } from "../../domain/money.js";
import { statusListArg } from "../cli-args.js";
import { EXIT_OK, type CliCommand } from "../cli-command.js";
import { leadToJson } from "../record-json.js";
import { renderTable } from "../render-table.js";

const args = z.object({ status: statusListArg, json: z.boolean().default(false) });

export const leadsListCommand: CliCommand<z.output<typeof args>> = {
  name: "leads list",
  description: "List leads, optionally of some statuses, as a table or JSON",
  details: [
    "--json prints one JSON array; each element has `id` and the lead's fields under the",
    "field names of the Leads table (Name, Status, GitHub handles, Monthly fee as a decimal",
    'string such as "1500.00", dates as YYYY-MM-DD, empty fields as null).',
  ].join("\n"),
  positionals: [],
  options: {
    status: {
      type: "string",
      multiple: true,
      valueName: "status",
      description: "only leads with this status (name or slug, e.g. needs-admin); repeat or comma-separate for several",
    },
    json: { type: "boolean", description: "print one JSON array instead of a table" },
  },
  examples: ["leads list", "leads list --status needs-admin --status waiting", "leads list --json"],
  args,
  async run({ status, json }, ctx) {
    const store = await ctx.store();
    const leads = (await store.listLeads(status.length > 0 ? { statuses: status } : undefined)).sort((a, b) =>
      a.name.localeCompare(b.name, "en", { sensitivity: "base" }),
    );
    if (json) {
      ctx.out(JSON.stringify(leads.map(leadToJson), null, 2));
      return EXIT_OK;
    }
    if (leads.length === 0) {
      ctx.out(status.length > 0 ? `no leads with status ${status.join(" or ")}` : "no leads yet: import some with `hub-sales leads import <csv>`");
      return EXIT_OK;
    }
    ctx.out(
      renderTable({
        columns: ["Name", "Status", "Service tier", "Monthly fee", "Start", "GitHub handles", "id"],
        rows: leads.map((lead) => [
          lead.name,
          lead.status,
          lead.serviceTier,
          lead.monthlyFee === null ? null : formatMoney(lead.monthlyFee),
          lead.serviceStartDate,
          lead.githubHandles.map((h) => `@${h}`).join(" "),
          lead.id,
        ]),
      }),
    );
    ctx.out(`${leads.length} lead${leads.length === 1 ? "" : "s"}`);
    return EXIT_OK;
  },
};
