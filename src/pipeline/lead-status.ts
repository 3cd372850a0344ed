/** The six lead statuses: exact strings, the AirTable single-select values (SPEC §2). */
export const LEAD_STATUSES = [
  "Active Lead",
  "Inactive Lead",
  "Waiting",
  "Needs Admin",
  "Active Service",
  "Inactive Service",
] as const;

export type LeadStatus = (typeof LEAD_STATUSES)[number];

export function isLeadStatus(value: string): value is LeadStatus {
  return (LEAD_STATUSES as readonly string[]).includes(value);
}

/** `Needs Admin` → `needs-admin`: the form people type in commands and CLI arguments. */
export function statusSlug(status: LeadStatus): string {
  return status.toLowerCase().replace(/\s+/g, "-");
}

/**
 * Reads a status typed by a person: the exact name, any case, or its slug
 * (`needs-admin`, `needs_admin`, `Needs Admin`). Returns null when nothing matches.
 */
export function parseLeadStatus(input: string): LeadStatus | null {
  const wanted = input.trim().toLowerCase().replace(/[\s_]+/g, "-");
  return LEAD_STATUSES.find((status) => statusSlug(status) === wanted) ?? null;
}

/** Statuses whose lead issue is open (SPEC §4.1); the others close it as not planned. */
export const OPEN_ISSUE_STATUSES: readonly LeadStatus[] = [
  "Active Lead",
  "Waiting",
  "Needs Admin",
  "Active Service",
];

export function isOpenStatus(status: LeadStatus): boolean {
  return OPEN_ISSUE_STATUSES.includes(status);
}

/** Statuses at or past `Needs Admin` in the life of a lead: they want a request-information issue. */
export const SERVICE_SETUP_STATUSES: readonly LeadStatus[] = ["Needs Admin", "Active Service"];
