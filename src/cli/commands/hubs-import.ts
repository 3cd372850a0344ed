import { z } from "zod";
import type { CsvProblem } from "../../csv/csv-table.js";
import { readHubsCsv, type HubCsvRow } from "../../csv/read-hubs-csv.js";
import type { HubFieldKey } from "../../domain/record-field-names.js";
import type { Hub, HubFields, Lead } from "../../domain/records.js";
import { fileArg } from "../cli-args.js";
import { EXIT_FAILURE, EXIT_OK, type CliCommand } from "../cli-command.js";
import { readInputFile } from "../read-input-file.js";
import { reportRefusedFile, reportWarnings } from "../report-problems.js";

const args = z.object({ csv: fileArg });

export const hubsImportCommand: CliCommand<z.output<typeof args>> = {
  name: "hubs import",
  description: "Import an AirTable CSV export of the Active Hubs table (create or update by Hub)",
  details: [
    "Community names the lead the hub serves (its Name, ignoring case); import the leads",
    "first. A community that matches no lead is a problem of its row. Hubs are matched on",
    "Hub, ignoring case; fields without a column keep their stored values. Cloud project",
    "(optional) names the project or account under which the hub's costs appear in cloud",
    "exports; hubs of one community may share one. Any problem",
    "refuses the whole file (file:row:column: message) and nothing is written (exit 1).",
  ].join("\n"),
  positionals: [{ name: "csv", description: "the CSV file exported from the Active Hubs table" }],
  options: {},
  examples: ["hubs import examples/hubs.csv"],
  args,
  async run({ csv }, ctx) {
    const text = await readInputFile(csv, (line) => ctx.err(line));
    const config = await ctx.config();
    const result = readHubsCsv({ text, fieldRenames: config.airtable.fields });
    if (!result.ok) {
      reportRefusedFile(ctx, { command: "hubs import", file: csv, problems: result.problems });
      return EXIT_FAILURE;
    }
    const store = await ctx.store();
    const leads = await store.listLeads();
    const problems: CsvProblem[] = [];
    const warnings = [...result.warnings];
    const resolved = result.rows.map((row) => ({
      row,
      leadId: resolveCommunity({ row, leads, column: result.headers.community, problems, warnings }),
    }));
    if (problems.length > 0) {
      reportRefusedFile(ctx, { command: "hubs import", file: csv, problems });
      return EXIT_FAILURE;
    }
    reportWarnings(ctx, csv, warnings);

    const existing = new Map((await store.listHubs()).map((hub) => [hub.hub.toLowerCase(), hub]));
    let created = 0;
    const changed: HubFields[] = [];
    for (const { row, leadId } of resolved) {
      const stored = existing.get(row.hub.toLowerCase());
      const merged = mergeHub(stored, row, leadId, result.columns);
      if (!stored) created += 1;
      if (!stored || !sameHub(stored, merged)) changed.push(merged);
    }
    if (changed.length > 0) {
      ctx.progress(`writing ${changed.length} hub${changed.length === 1 ? "" : "s"}…`);
      await store.upsertHubsByName(changed);
      // A hub going live can move its lead to Active Service: reconcile the leads concerned.
      const leadIds = new Set(changed.map((hub) => hub.communityLeadId).filter((id): id is string => id !== null));
      for (const id of leadIds) await store.enqueueWork(`lead:${id}`, "Active Hubs imported from a CSV");
    }
    const updated = changed.length - created;
    ctx.out(`hubs import: ${csv}: ${created} created, ${updated} updated, ${result.rows.length - changed.length} unchanged`);
    return EXIT_OK;
  },
};

/**
 * AirTable exports a link as the linked records' names joined by commas. The whole cell
 * is tried first, so a lead named "Acme, Inc." still matches; a hub serves one community.
 */
function resolveCommunity(input: {
  row: HubCsvRow;
  leads: readonly Lead[];
  column: string;
  problems: CsvProblem[];
  warnings: CsvProblem[];
}): string | null {
  const { row, leads, column, problems, warnings } = input;
  if (row.community === null) {
    warnings.push({ row: row.row, column, message: `hub "${row.hub}" names no community: it is kept unlinked and no lead is invoiced for it` });
    return null;
  }
  const byName = (name: string) => leads.find((lead) => lead.name.toLowerCase() === name.trim().toLowerCase());
  const whole = byName(row.community);
  if (whole) return whole.id;
  const parts = row.community.split(",").map((p) => p.trim()).filter((p) => p !== "");
  if (parts.length > 1 && parts.every((p) => byName(p) !== undefined)) {
    problems.push({
      row: row.row,
      column,
      message: `"${row.community}" links ${parts.length} leads; a hub serves one community, so link exactly one`,
    });
    return null;
  }
  problems.push({
    row: row.row,
    column,
    message: `no lead is named "${row.community}"; use a lead's Name as in \`hub-sales leads list\` (import the leads first)`,
  });
  return null;
}

function mergeHub(stored: Hub | undefined, row: HubCsvRow, leadId: string | null, columns: readonly HubFieldKey[]): HubFields {
  const fromFile: HubFields = {
    hub: row.hub,
    communityLeadId: leadId,
    url: row.url,
    deploymentIssue: row.deploymentIssue,
    liveSince: row.liveSince,
    cloudProject: row.cloudProject,
  };
  if (!stored) return fromFile;
  const { id: _id, ...merged } = stored;
  merged.hub = row.hub;
  if (columns.includes("community")) merged.communityLeadId = leadId;
  if (columns.includes("url")) merged.url = row.url;
  if (columns.includes("deploymentIssue")) merged.deploymentIssue = row.deploymentIssue;
  if (columns.includes("liveSince")) merged.liveSince = row.liveSince;
  if (columns.includes("cloudProject")) merged.cloudProject = row.cloudProject;
  return merged;
}

function sameHub(a: HubFields, b: HubFields): boolean {
  return (
    a.hub === b.hub &&
    a.communityLeadId === b.communityLeadId &&
    a.url === b.url &&
    a.deploymentIssue === b.deploymentIssue &&
    a.liveSince === b.liveSince &&
    (a.cloudProject ?? null) === (b.cloudProject ?? null)
  );
}
