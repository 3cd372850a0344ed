import { basename } from "node:path";
import { z } from "zod";
import { isCalendarMonth } from "../../domain/calendar-date.js";
import { cloudProjectKey } from "../../domain/cloud-project-key.js";
import { formatMoneyForPeople } from "../../domain/money.js";
import { planCostImport, summarizeCosts } from "../../domain/plan-cost-import.js";
import { COSTS_FORM_NAMES, readCostsCsv } from "../../csv/read-costs-csv.js";
import { fileArg } from "../cli-args.js";
import { EXIT_FAILURE, EXIT_OK, type CliCommand } from "../cli-command.js";
import { readInputFile } from "../read-input-file.js";
import { formatProblem, reportRefusedFile } from "../report-problems.js";

const args = z.object({
  csv: fileArg,
  month: z
    .string()
    .refine(isCalendarMonth, { message: "must be a month as YYYY-MM, e.g. 2026-10" })
    .optional(),
});

export const costsImportCommand: CliCommand<z.output<typeof args>> = {
  name: "costs import",
  description: "Import monthly cloud costs: GCP, AWS and Azure exports as downloaded, or the long or wide form",
  details: [
    "The form is told from the header, with no flags:",
    "- GCP billing Reports CSV (Project name, Project ID, Cost ($), Discounts ($), Promotions and",
    "  others ($), Subtotal ($)); Subtotal, the cost after credits, is the amount where given. With",
    "  a Month column it holds several months; without one the month is in the file name",
    "  (… 2026-10-01 — 2026-10-31.csv), or given with --month when the file was renamed.",
    "- AWS Cost Explorer, monthly costs by linked account: row 1 the account ids, row 2",
    "  Linked account name,<account> ($),…,Total costs ($), then one row per month (2026-10-01).",
    "- Azure Cost Management export: a date, a cost (CostInBillingCurrency, PreTaxCost, Cost,",
    "  CostUSD) and a currency column, per subscription or resource group; days are summed.",
    "- Long form: month, hub, amount and optionally currency. Wide form: the hub or project",
    "  name first, then one column per month (2026-01, Jan 2026).",
    "Total rows and columns are skipped; the file's currency is kept. Costs are per cloud",
    "project (an Active Hubs row's Cloud project, else its Hub name). A corrected export",
    "replaces the stored rows of the months and projects it names; the same file twice",
    "changes nothing. Any problem refuses the whole file (file:row:column: message) and",
    "nothing is written (exit 1).",
  ].join("\n"),
  positionals: [{ name: "csv", description: "the CSV file of costs" }],
  options: {
    month: { type: "string", valueName: "YYYY-MM", description: "the month of a single-month GCP report whose file name lost its period" },
  },
  examples: [
    "costs import examples/costs-long.csv",
    "costs import examples/costs-wide.csv",
    "costs import examples/costs-gcp-billing-report.csv",
    "costs import examples/costs-aws-cost-explorer.csv",
    "costs import examples/costs-azure-cost-export.csv",
    "costs import gcp-october.csv --month 2026-10",
  ],
  args,
  async run({ csv, month }, ctx) {
    const text = await readInputFile(csv, (line) => ctx.err(line));
    const config = await ctx.config();
    const result = readCostsCsv({ text, currency: config.currency, fileName: basename(csv), month });
    if (!result.ok) {
      reportRefusedFile(ctx, { command: "costs import", file: csv, problems: result.problems });
      return EXIT_FAILURE;
    }
    for (const warning of result.warnings) ctx.err(formatProblem(csv, warning, "warning"));
    const store = await ctx.store();
    const hubs = await store.listHubs();
    const known = new Set(hubs.flatMap((hub) => [hub.cloudProject, hub.hub].filter((k): k is string => !!k).map(cloudProjectKey)));
    const unknown = [...new Set(result.rows.filter((row) => !known.has(cloudProjectKey(row.hub)) && !(row.label && known.has(cloudProjectKey(row.label)))).map((row) => row.hub))];
    if (unknown.length > 0) {
      ctx.err(
        `${csv}: warning: ${unknown.map((h) => `"${h}"`).join(", ")} ${unknown.length === 1 ? "matches" : "match"} no hub's Cloud project or name; the costs are kept and shown as unattributed in the month's invoice batch until a hub names ${unknown.length === 1 ? "it" : "them"}`,
      );
    }
    const others = result.rows.filter((row) => row.currency !== config.currency);
    if (others.length > 0) {
      ctx.err(`${csv}: warning: ${others.length} cost${others.length === 1 ? " is" : "s are"} not in ${config.currency}, the invoicing currency`);
    }
    const months = [...new Set(result.rows.map((row) => row.month))];
    const existing = (await Promise.all(months.map((m) => store.listCloudCosts({ month: m })))).flat();
    const plan = planCostImport({ existing, incoming: result.rows });
    if (plan.writes.length > 0) {
      ctx.progress(`writing ${plan.writes.length} cost record${plan.writes.length === 1 ? "" : "s"}…`);
      await store.upsertCloudCosts(plan.writes);
    }
    const summary = summarizeCosts(result.rows);
    const span = summary.months.length === 0 ? "no months" : summary.months.join(", ");
    const sums = summary.sums.map((s) => formatMoneyForPeople(s.amount, s.currency)).join(" + ") || "nothing";
    ctx.out(
      `costs import: ${csv} (${COSTS_FORM_NAMES[result.form]}; ${span}; ${summary.projects.length} project${summary.projects.length === 1 ? "" : "s"}: ${summary.projects.join(", ") || "none"}; sum ${sums}): ${plan.created} created, ${plan.updated} updated, ${plan.unchanged} unchanged`,
    );
    return EXIT_OK;
  },
};
