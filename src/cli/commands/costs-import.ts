import { z } from "zod";
import { readCostsCsv } from "../../csv/read-costs-csv.js";
import { fileArg } from "../cli-args.js";
import { EXIT_FAILURE, EXIT_OK, type CliCommand } from "../cli-command.js";
import { readInputFile } from "../read-input-file.js";
import { formatProblem, reportRefusedFile } from "../report-problems.js";

const args = z.object({ csv: fileArg });

export const costsImportCommand: CliCommand<z.output<typeof args>> = {
  name: "costs import",
  description: "Import monthly cloud costs per hub, in the long or the wide form",
  details: [
    "Long form: columns month, hub, amount and optionally currency (headers in any case;",
    "Cost is read as amount, Project as hub). Wide form, as cloud cost exports produce it:",
    "the hub or project name first, then one column per month (2026-01, Jan 2026,",
    "2026-01-01, January 2026), optionally a currency column. Total rows and columns are",
    "skipped; empty month cells mean no record. Amounts may carry $ and thousands",
    "separators; more than two decimals are rounded to the cent. Currency defaults to the",
    "configured one. A (month, hub) already stored is replaced. Any problem refuses the",
    "whole file (file:row:column: message) and nothing is written (exit 1).",
  ].join("\n"),
  positionals: [{ name: "csv", description: "the CSV file of costs" }],
  options: {},
  examples: ["costs import examples/costs-long.csv", "costs import examples/costs-wide.csv"],
  args,
  async run({ csv }, ctx) {
    const text = await readInputFile(csv, (line) => ctx.err(line));
    const config = await ctx.config();
    const result = readCostsCsv({ text, currency: config.currency });
    if (!result.ok) {
      reportRefusedFile(ctx, { command: "costs import", file: csv, problems: result.problems });
      return EXIT_FAILURE;
    }
    for (const warning of result.warnings) ctx.err(formatProblem(csv, warning, "warning"));
    const store = await ctx.store();
    const knownHubs = new Set((await store.listHubs()).map((hub) => hub.hub.toLowerCase()));
    const unknown = [...new Set(result.rows.map((row) => row.hub))].filter((hub) => !knownHubs.has(hub.toLowerCase()));
    if (unknown.length > 0) {
      ctx.err(
        `${csv}: warning: ${unknown.map((h) => `"${h}"`).join(", ")} ${unknown.length === 1 ? "is" : "are"} not in Active Hubs; the costs are kept, but no lead is invoiced for them until the hub is recorded`,
      );
    }
    const others = result.rows.filter((row) => row.currency !== config.currency);
    if (others.length > 0) {
      ctx.err(`${csv}: warning: ${others.length} cost${others.length === 1 ? " is" : "s are"} not in ${config.currency}, the invoicing currency`);
    }
    ctx.progress(`writing ${result.rows.length} cost record${result.rows.length === 1 ? "" : "s"}…`);
    const { created, updated } = result.rows.length > 0 ? await store.upsertCloudCosts(result.rows) : { created: 0, updated: 0 };
    const months = [...new Set(result.rows.map((row) => row.month))].sort();
    const span = months.length === 0 ? "no months" : months.length === 1 ? months[0] : `${months[0]} to ${months[months.length - 1]}`;
    ctx.out(`costs import: ${csv} (${result.form} form, ${span}): ${created} created, ${updated} updated`);
    return EXIT_OK;
  },
};
