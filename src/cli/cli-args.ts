import { z } from "zod";
import { LEAD_STATUSES, parseLeadStatus, statusSlug, type LeadStatus } from "../pipeline/lead-status.js";

const validStatuses = LEAD_STATUSES.map((s) => `"${s}" (${statusSlug(s)})`).join(", ");

/** A status typed by a person: the exact name in any case, or its slug (`needs-admin`). */
export const statusArg = z.string().transform((text, ctx): LeadStatus => {
  const status = parseLeadStatus(text);
  if (status === null) {
    ctx.addIssue({ code: "custom", message: `"${text}" is not a status; use one of ${validStatuses}` });
    return z.NEVER;
  }
  return status;
});

/** `--status a --status b` or `--status a,b`. */
export const statusListArg = z
  .array(z.string())
  .optional()
  .transform((values) => (values ?? []).flatMap((v) => v.split(",")).filter((v) => v.trim() !== ""))
  .pipe(z.array(statusArg));

export const fileArg = z.string().trim().min(1, { message: "needs a file name" });

export const textArg = z.string().trim().min(1, { message: "must not be empty" });
