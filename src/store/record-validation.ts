import { z } from "zod";
import { isCalendarDate, isCalendarMonth } from "../domain/calendar-date.js";
import { MANIAC_T_KEYS, type CloudCost, type HubFields, type LeadFields, type ManiacT } from "../domain/records.js";
import { LEAD_STATUSES, type LeadStatus } from "../pipeline/lead-status.js";
import type { DeliveryConfirmation } from "./lead-store.js";

/**
 * Checks of what a store is asked to write, shared by every `LeadStore` so each refuses
 * the same rows with the same words, and a batch is refused whole before its first write.
 *
 * Normalisation both backends can keep: an empty or blank text becomes null (AirTable
 * cannot store an empty text apart from an absent one), handles lose their `@`.
 */
export class InvalidRecordError extends Error {
  constructor(
    readonly table: string,
    readonly problems: readonly string[],
  ) {
    super(`${table}: ${problems.join("; ")}`);
    this.name = "InvalidRecordError";
  }
}

const nullableText = z
  .string({ error: "must be text or null" })
  .nullable()
  .transform((value) => (value === null || value.trim() === "" ? null : value));

const nullableDate = z
  .string({ error: "must be a date YYYY-MM-DD or null" })
  .nullable()
  .transform((value, ctx) => {
    if (value === null || value.trim() === "") return null;
    if (!isCalendarDate(value)) {
      ctx.addIssue({ code: "custom", message: `must be a date YYYY-MM-DD or null (got ${JSON.stringify(value)})` });
      return z.NEVER;
    }
    return value;
  });

const requiredName = z
  .string({ error: "is required (text)" })
  .transform((value) => value.trim())
  .refine((value) => value !== "", { message: "must not be empty" });

const cents = z.int({ error: "must be a whole number of cents" });

const handle = z
  .string({ error: "must be a GitHub handle" })
  .transform((value) => value.trim().replace(/^@/, ""))
  .refine((value) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(value), {
    message: "must be GitHub handles (letters, digits and -, up to 39 characters)",
  });

const leadPatchShape = {
  name: requiredName,
  status: z.enum(LEAD_STATUSES, { error: `must be one of ${LEAD_STATUSES.map((s) => `"${s}"`).join(", ")}` }),
  githubHandles: z.array(handle, { error: "must be a list of GitHub handles" }).transform((list) => [...new Set(list)]),
  contactEmail: nullableText,
  serviceTier: nullableText,
  monthlyFee: cents.nonnegative({ error: "must be zero or more cents" }).nullable(),
  serviceStartDate: nullableDate,
  serviceEndDate: nullableDate,
  agreement: nullableText,
  contract: nullableText,
  managedCloudBilling: z.boolean({ error: "must be true or false" }),
  followUpDate: nullableDate,
  maniacT: z.strictObject(
    Object.fromEntries(MANIAC_T_KEYS.map((key) => [key, nullableText.optional()])) as {
      [K in keyof ManiacT]: z.ZodOptional<typeof nullableText>;
    },
    { error: `must be an object with keys ${MANIAC_T_KEYS.join(", ")}` },
  ),
  leadIssue: nullableText,
  requestInformationIssue: nullableText,
  deploymentIssue: nullableText,
};

const leadPatchSchema = z.object(leadPatchShape).partial();

/** A lead's fields to write: `name` and `status` always, the rest only where given (not `undefined`). */
export type LeadRow = { name: string; status: LeadStatus } & Omit<Partial<LeadFields>, "maniacT"> & {
    maniacT?: Partial<ManiacT>;
  };
export type LeadPatch = Omit<Partial<LeadFields>, "maniacT"> & { maniacT?: Partial<ManiacT> };

const leadRowSchema = leadPatchSchema.required({ name: true, status: true });

const hubPatchSchema = z
  .object({
    hub: requiredName,
    communityLeadId: nullableText,
    url: nullableText,
    deploymentIssue: nullableText,
    liveSince: nullableDate,
    cloudProject: nullableText,
  })
  .partial();
const hubRowSchema = hubPatchSchema.required({ hub: true });

export type HubRow = { hub: string } & Partial<HubFields>;

const cloudCostSchema = z.object({
  month: z.string().refine(isCalendarMonth, { message: "must be a month YYYY-MM" }),
  hub: requiredName,
  amount: cents,
  currency: z.string().regex(/^[A-Z]{3}$/, { message: "must be a three-letter currency code, e.g. USD" }),
  label: nullableText.optional(),
});

const deliveryConfirmationSchema = z.object({
  leadId: requiredName,
  month: z.string().refine(isCalendarMonth, { message: "must be a month YYYY-MM" }),
  confirmedBy: requiredName,
  confirmedAt: z.string().refine((value) => !Number.isNaN(Date.parse(value)), { message: "must be an ISO time" }),
});

function check<T>(schema: z.ZodType<T>, table: string, input: unknown, where = ""): T {
  // Keys present with `undefined` mean "not given": drop them so `.partial()` treats them as absent.
  const cleaned = isPlainObject(input) ? dropUndefined(input) : input;
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new InvalidRecordError(
    table,
    result.error.issues.map((issue) => {
      const key = issue.path.map(String).join(".") || "(record)";
      return `${where}${key}: ${issue.message}`;
    }),
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function dropUndefined(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    out[key] = key === "maniacT" && isPlainObject(value) ? dropUndefined(value) : value;
  }
  return out;
}

/** A lead to create or upsert. Unknown keys (an `id`, say) are dropped. */
export function validateLeadRow(input: unknown, where = ""): LeadRow {
  return check(leadRowSchema, "Leads", input, where) as LeadRow;
}

export function validateLeadPatch(input: unknown): LeadPatch {
  return check(leadPatchSchema, "Leads", input) as LeadPatch;
}

export function validateHubRow(input: unknown, where = ""): HubRow {
  return check(hubRowSchema, "Active Hubs", input, where) as HubRow;
}

export function validateHubPatch(input: unknown): Partial<HubFields> {
  return check(hubPatchSchema, "Active Hubs", input) as Partial<HubFields>;
}

export function validateCloudCost(input: unknown, where = ""): CloudCost {
  return check(cloudCostSchema, "cloud costs", input, where);
}

export function validateDeliveryConfirmation(input: unknown): DeliveryConfirmation {
  return check(deliveryConfirmationSchema, "delivery confirmations", input);
}

/**
 * Validates a whole batch before anything is written: every row, and no two rows with
 * the same key (two rows for one name would make the result depend on their order).
 */
function validateBatch<T>(options: {
  table: string;
  rows: readonly unknown[];
  validate: (row: unknown, where: string) => T;
  keyOf: (row: T) => string;
  describeKey: (row: T) => string;
}): T[] {
  const { table, rows, validate, keyOf, describeKey } = options;
  if (!Array.isArray(rows)) throw new InvalidRecordError(table, ["expected a list of rows"]);
  const problems: string[] = [];
  const valid: T[] = [];
  const seen = new Map<string, number>();
  rows.forEach((row, index) => {
    const where = `row ${index + 1}: `;
    try {
      const parsed = validate(row, where);
      const key = keyOf(parsed);
      const first = seen.get(key);
      if (first !== undefined) {
        problems.push(`${where}${describeKey(parsed)} is also in row ${first + 1}; each may appear once`);
      } else {
        seen.set(key, index);
      }
      valid.push(parsed);
    } catch (error) {
      if (error instanceof InvalidRecordError) problems.push(...error.problems);
      else throw error;
    }
  });
  if (problems.length > 0) throw new InvalidRecordError(table, problems);
  return valid;
}

export function validateLeadBatch(rows: readonly unknown[]): LeadRow[] {
  return validateBatch({
    table: "Leads",
    rows,
    validate: validateLeadRow,
    keyOf: (row) => row.name.toLowerCase(),
    describeKey: (row) => `the name "${row.name}"`,
  });
}

export function validateHubBatch(rows: readonly unknown[]): HubRow[] {
  return validateBatch({
    table: "Active Hubs",
    rows,
    validate: validateHubRow,
    keyOf: (row) => row.hub.toLowerCase(),
    describeKey: (row) => `the hub "${row.hub}"`,
  });
}

export function validateCloudCostBatch(rows: readonly unknown[]): CloudCost[] {
  return validateBatch({
    table: "cloud costs",
    rows,
    validate: validateCloudCost,
    keyOf: (row) => `${row.month}\u0000${row.hub.toLowerCase()}`,
    describeKey: (row) => `the month ${row.month} of hub "${row.hub}"`,
  });
}
