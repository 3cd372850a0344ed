import { z } from "zod";
import { readLeadsCsv } from "../../csv/read-leads-csv.js";
import type { LeadFieldKey } from "../../domain/record-field-names.js";
import { MANIAC_T_KEYS, type Lead, type LeadFields } from "../../domain/records.js";
import { fileArg } from "../cli-args.js";
import { EXIT_FAILURE, EXIT_OK, type CliCommand } from "../cli-command.js";
import { ProgressLine, requestMeter } from "../progress-line.js";
import { leadFieldsToJson } from "../record-json.js";
import { readInputFile } from "../read-input-file.js";
import { reportRefusedFile, reportWarnings } from "../report-problems.js";

const args = z.object({ csv: fileArg });

export const leadsImportCommand: CliCommand<z.output<typeof args>> = {
  name: "leads import",
  description: "Import an AirTable CSV export of the Leads table (create or update by Name)",
  details: [
    "Reads the export's header row of field names (renamed ones via airtable.fields in",
    "HUB_SALES_CONFIG). Leads are matched on Name, ignoring case: new ones are created,",
    "changed ones updated; fields without a column in the file keep their stored values.",
    "The file is refused whole when any row has a problem: every problem is printed as",
    "file:row:column: message and nothing is written (exit 1). Columns that are not Leads",
    "fields are ignored with a warning. Changed leads are queued for reconciliation.",
  ].join("\n"),
  positionals: [{ name: "csv", description: "the CSV file exported from the Leads table" }],
  options: {},
  examples: ["leads import examples/leads.csv"],
  args,
  async run({ csv }, ctx) {
    const text = await readInputFile(csv, (line) => ctx.err(line));
    const config = await ctx.config();
    const result = readLeadsCsv({ text, fieldRenames: config.airtable.fields, tiers: config.tiers.map((t) => t.name) });
    if (!result.ok) {
      reportRefusedFile(ctx, { command: "leads import", file: csv, problems: result.problems });
      return EXIT_FAILURE;
    }
    reportWarnings(ctx, csv, result.warnings);
    const store = await ctx.store();
    const existing = new Map((await store.listLeads()).map((lead) => [lead.name.toLowerCase(), lead]));
    let created = 0;
    const changed: LeadFields[] = [];
    for (const row of result.rows) {
      const stored = existing.get(row.name.toLowerCase());
      const merged = stored ? mergeLead(stored, row, result.columns) : row;
      if (!stored) created += 1;
      if (!stored || !sameLead(stored, merged)) changed.push(merged);
    }
    if (changed.length > 0) {
      const progress = new ProgressLine({ io: ctx.io, label: "leads import", unit: "records", total: changed.length, ...requestMeter(store) });
      const written: string[] = [];
      await store.upsertLeadsByName(changed, {
        // Every lead was just listed: the store need not list the names again to match them.
        reuseListing: true,
        onWritten: (records) => {
          written.push(...records.map((r) => r.id));
          progress.update(written.length);
        },
      });
      progress.finish(written.length);
      // Every trigger ends in "reconcile this lead": the server's queue picks these up.
      for (const id of written) await store.enqueueWork(`lead:${id}`, "imported from a Leads CSV");
    }
    const updated = changed.length - created;
    const unchanged = result.rows.length - changed.length;
    ctx.out(`leads import: ${csv}: ${created} created, ${updated} updated, ${unchanged} unchanged`);
    return EXIT_OK;
  },
};

function isManiacTKey(key: LeadFieldKey): key is (typeof MANIAC_T_KEYS)[number] {
  return (MANIAC_T_KEYS as readonly string[]).includes(key);
}

/** The stored lead with the file's values for the columns the file has; the rest stay as stored. */
function mergeLead(stored: Lead, row: LeadFields, columns: readonly LeadFieldKey[]): LeadFields {
  const { id: _id, ...merged } = structuredClone(stored);
  for (const key of columns) {
    if (isManiacTKey(key)) merged.maniacT[key] = row.maniacT[key];
    else (merged as Record<string, unknown>)[key] = row[key];
  }
  return merged;
}

function sameLead(a: LeadFields, b: LeadFields): boolean {
  return JSON.stringify(leadFieldsToJson(a)) === JSON.stringify(leadFieldsToJson(b));
}
