/**
 * The default field names of the Leads and Active Hubs tables (SPEC §3), keyed by the
 * domain's names. CSV exports use them as headers and `--json` as keys; a base that
 * names a field differently says so in `airtable.fields` (`{ Status: Stage }`).
 */
export const LEAD_FIELD_NAMES = {
  name: "Name",
  status: "Status",
  githubHandles: "GitHub handles",
  contactEmail: "Contact email",
  serviceTier: "Service tier",
  monthlyFee: "Monthly fee",
  serviceStartDate: "Service start date",
  serviceEndDate: "Service end date",
  agreement: "Agreement",
  contract: "Contract",
  managedCloudBilling: "Managed cloud billing",
  followUpDate: "Follow-up date",
  money: "Money",
  authority: "Authority",
  need: "Need",
  impendingEvent: "Impending event",
  application: "Application",
  competition: "Competition",
  timeline: "Timeline",
  leadIssue: "Lead issue",
  requestInformationIssue: "Request information issue",
  deploymentIssue: "Deployment issue",
} as const;

/** A lead field, flat: the seven MANIAC-T notes sit beside the others. */
export type LeadFieldKey = keyof typeof LEAD_FIELD_NAMES;

export const HUB_FIELD_NAMES = {
  hub: "Hub",
  community: "Community",
  url: "URL",
  deploymentIssue: "Deployment issue",
  liveSince: "Live since",
  cloudProject: "Cloud project",
} as const;

export type HubFieldKey = keyof typeof HUB_FIELD_NAMES;

export type FieldRenames = Readonly<Record<string, string>>;

/** The name a field has in this base: its rename when configured, else the default. */
export function fieldName(defaultName: string, renames: FieldRenames = {}): string {
  return renames[defaultName] ?? defaultName;
}

/** Rename keys that name no field of either table: most likely a typo in the config. */
export function unknownRenameKeys(renames: FieldRenames = {}): string[] {
  const known = new Set<string>([...Object.values(LEAD_FIELD_NAMES), ...Object.values(HUB_FIELD_NAMES)]);
  return Object.keys(renames).filter((key) => !known.has(key));
}
