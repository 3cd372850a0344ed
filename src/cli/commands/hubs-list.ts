import { z } from "zod";
import { EXIT_OK, type CliCommand } from "../cli-command.js";
import { hubToJson } from "../record-json.js";
import { renderTable } from "../render-table.js";

const args = z.object({ json: z.boolean().default(false) });

export const hubsListCommand: CliCommand<z.output<typeof args>> = {
  name: "hubs list",
  description: "List the Active Hubs, as a table or JSON",
  details:
    "--json prints one JSON array; each element has `id`, Hub, Community (the lead's Name, or null), URL, Deployment issue, Live since (YYYY-MM-DD) and Cloud project (or null).",
  positionals: [],
  options: { json: { type: "boolean", description: "print one JSON array instead of a table" } },
  examples: ["hubs list", "hubs list --json"],
  args,
  async run({ json }, ctx) {
    const store = await ctx.store();
    const leadNames = new Map((await store.listLeads()).map((lead) => [lead.id, lead.name]));
    const hubs = (await store.listHubs()).sort((a, b) => a.hub.localeCompare(b.hub, "en", { sensitivity: "base" }));
    if (json) {
      ctx.out(JSON.stringify(hubs.map((hub) => hubToJson(hub, leadNames)), null, 2));
      return EXIT_OK;
    }
    if (hubs.length === 0) {
      ctx.out("no hubs yet: import some with `hub-sales hubs import <csv>`");
      return EXIT_OK;
    }
    ctx.out(
      renderTable({
        columns: ["Hub", "Community", "URL", "Live since", "Cloud project", "id"],
        rows: hubs.map((hub) => [
          hub.hub,
          hub.communityLeadId === null ? null : (leadNames.get(hub.communityLeadId) ?? hub.communityLeadId),
          hub.url,
          hub.liveSince,
          hub.cloudProject ?? null,
          hub.id,
        ]),
      }),
    );
    ctx.out(`${hubs.length} hub${hubs.length === 1 ? "" : "s"}`);
    return EXIT_OK;
  },
};
