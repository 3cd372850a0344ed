import { z } from "zod";
import { LEAD_STATUSES, type LeadStatus } from "../pipeline/lead-status.js";

/** The file's name under `.github/` in the sales repo (Probot's `context.config` convention). */
export const CONFIG_FILE_NAME = "hub-sales.yml";

const repoFullName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, { message: 'must be "owner/repo", e.g. "2i2c-org/infrastructure"' });

const email = z.email({ message: "must be an email address, e.g. operations@example.org" });

const issueKind = (title: string, labels: string[]) =>
  z
    .strictObject({
      /** Title template; `{name}` is the lead's name. */
      title: z.string().min(1).default(title),
      labels: z.array(z.string().min(1)).default(labels),
    })
    .prefault({});

/** Defaults of the issue kinds; the hub-repo kinds take a configured form's title and labels instead. */
export const DEFAULT_ISSUE_SETTINGS = {
  lead: { title: "Lead: {name}", labels: ["hub-sales"] },
  request_information: { title: "[Request Information] New Hub: {name}", labels: ["type: hub"] },
  deployment: { title: "[Request deployment] New Hub: {name}", labels: ["new hub"] },
} as const;

/** An issue kind the hub repo has a form for: `form` names the file, `label_aliases` old labels. */
const formIssueKind = (defaults: { title: string; labels: readonly string[] }) =>
  z
    .strictObject({
      /** Title template; `{name}` is the lead's name. Default: the form's title when `form` is set. */
      title: z.string().min(1).default(defaults.title),
      /** Default: the form's labels when `form` is set. */
      labels: z.array(z.string().min(1)).default([...defaults.labels]),
      /** A file in the hub repo's `.github/ISSUE_TEMPLATE/`: the issue is rendered from, and checked against, it. Optional. */
      form: z
        .string()
        .transform((f) => f.trim().replace(/^\.github\/ISSUE_TEMPLATE\//, ""))
        .pipe(
          z.string().regex(/^[^/\\]+\.ya?ml$/, {
            message: 'must be a file name in the hub repo\'s .github/ISSUE_TEMPLATE/ ending in .yml or .yaml, e.g. "2_new-hub-provide-info.yml"',
          }),
        )
        .optional(),
      /** Labels that count as the same field, e.g. `{ "Hub important dates": ["Important dates"] }`. Optional. */
      label_aliases: z.record(z.string().min(1), z.array(z.string().min(1))).optional(),
    })
    .prefault({});

const defaultStatusLabels: Record<LeadStatus, string> = {
  "Active Lead": "status: active lead",
  "Inactive Lead": "status: inactive lead",
  Waiting: "status: waiting",
  "Needs Admin": "status: needs admin",
  "Active Service": "status: active service",
  "Inactive Service": "status: inactive service",
};

const statusLabels = z
  .strictObject(
    Object.fromEntries(
      LEAD_STATUSES.map((status) => [status, z.string().min(1).default(defaultStatusLabels[status])]),
    ) as { [S in LeadStatus]: z.ZodDefault<z.ZodString> },
  )
  .prefault({})
  .superRefine((labels, ctx) => {
    // Labels drive status (SPEC §4.5): one label for two statuses would make a label ambiguous.
    const byLabel = new Map<string, string[]>();
    for (const [status, label] of Object.entries(labels)) {
      byLabel.set(label.toLowerCase(), [...(byLabel.get(label.toLowerCase()) ?? []), status]);
    }
    for (const [label, statuses] of byLabel) {
      if (statuses.length > 1) {
        ctx.addIssue({
          code: "custom",
          message: `every status needs its own label: ${statuses.join(" and ")} share "${label}"`,
        });
      }
    }
  });

const money = z
  .union([z.number(), z.string()], { error: "must be an amount with at most two decimals, e.g. 1500.00" })
  .transform((value, ctx) => {
    const text = typeof value === "number" ? value.toFixed(10).replace(/0+$/, "").replace(/\.$/, "") : value;
    const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
    if (!m) {
      ctx.addIssue({
        code: "custom",
        message: `must be an amount of zero or more with at most two decimals, e.g. 1500.00 (got ${JSON.stringify(value)})`,
      });
      return z.NEVER;
    }
    return Number(m[1]) * 100 + Number((m[2] ?? "0").padEnd(2, "0"));
  });

export const tierSchema = z.strictObject({
  /** The tier's name as recorded in `Service tier`. */
  name: z.string().min(1),
  /** Monthly operations fee in `currency`, read exactly into cents. */
  monthly_fee: money,
});

export const hubSalesConfigSchema = z.strictObject({
  /** `owner/repo` where hub issues are opened. Public: never receives sensitive data. */
  hub_repo: repoFullName,
  /** The engineering backlog, a GitHub Projects v2 board. Optional. */
  backlog: z
    .strictObject({
      org: z.string().min(1),
      /** The project's number, as in its URL. */
      project: z.number().int().positive(),
      status_field: z.string().min(1).default("Status"),
      /** Status value set when the deployment request is added. Optional. */
      new_value: z.string().min(1).optional(),
      /** Status value set when the deployment form is complete. Optional. */
      ready_value: z.string().min(1).optional(),
    })
    .optional(),
  issues: z
    .strictObject({
      lead: issueKind(DEFAULT_ISSUE_SETTINGS.lead.title, [...DEFAULT_ISSUE_SETTINGS.lead.labels]),
      request_information: formIssueKind(DEFAULT_ISSUE_SETTINGS.request_information),
      deployment: formIssueKind(DEFAULT_ISSUE_SETTINGS.deployment),
    })
    .prefault({}),
  status_labels: statusLabels,
  commands: z
    .strictObject({
      /** Org team slug whose members may run commands; without it, people with write access. */
      team: z.string().min(1).optional(),
    })
    .prefault({}),
  follow_up: z
    .strictObject({
      /** GitHub handles mentioned on follow-up dates. */
      assignees: z.array(z.string().min(1).transform((h) => h.replace(/^@/, ""))).default([]),
    })
    .prefault({}),
  reconcile: z
    .strictObject({
      /** Minutes between periodic reconciles of every open lead (the safety net). */
      interval_minutes: z.number().int().min(1).max(1440).default(10),
    })
    .prefault({}),
  /** ISO 4217 code of fees and invoices. */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, { message: "must be a three-letter currency code, e.g. USD" })
    .default("USD"),
  tiers: z
    .array(tierSchema)
    .default([
      { name: "Education", monthly_fee: 100000 },
      { name: "Research", monthly_fee: 150000 },
      { name: "Partnership", monthly_fee: 416667 },
    ])
    .superRefine((tiers, ctx) => {
      const seen = new Set<string>();
      tiers.forEach((tier, index) => {
        const key = tier.name.toLowerCase();
        if (seen.has(key)) {
          ctx.addIssue({
            code: "custom",
            path: [index, "name"],
            message: `tier names must be unique: "${tier.name}" is named twice`,
          });
        }
        seen.add(key);
      });
    }),
  invoicing: z
    .strictObject({
      to: email.default("operations@codeforsociety.org"),
      cc: z.array(email).default(["partnerships@2i2c.org"]),
      proration: z.enum(["none", "daily"]).default("none"),
      /** Day of the month the invoice batch is built: 1-28, or `last`. */
      day: z
        .union([z.literal("last"), z.number().int().min(1).max(28)], {
          error: 'must be a day of the month from 1 to 28, or "last"',
        })
        .default("last"),
    })
    .prefault({}),
  airtable: z
    .strictObject({
      /** Base id; the `AIRTABLE_BASE_ID` environment variable wins. */
      base: z
        .string()
        .regex(/^app[A-Za-z0-9]{14}$/, { message: 'must be an AirTable base id like "appXXXXXXXXXXXXXX"' })
        .optional(),
      leads_table: z.string().min(1).default("Leads"),
      hubs_table: z.string().min(1).default("Active Hubs"),
      /** Renames of the default field names (SPEC §3), e.g. `{ Status: Stage }`. */
      fields: z.record(z.string(), z.string().min(1)).default({}),
    })
    .prefault({}),
});

/** The configuration as written in the file (before defaults). */
export type HubSalesConfigInput = z.input<typeof hubSalesConfigSchema>;
/** The configuration the app works with: every default filled in. */
export type HubSalesConfig = z.output<typeof hubSalesConfigSchema>;
export type Tier = z.output<typeof tierSchema>;
