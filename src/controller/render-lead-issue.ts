import type { HubSalesConfig } from "../config/hub-sales-config.schema.js";
import { formatMoneyForPeople } from "../domain/money.js";
import { MANIAC_T_KEYS, type Hub, type Lead, type ManiacT } from "../domain/records.js";
import { LEAD_FIELD_NAMES } from "../domain/record-field-names.js";
import { renderIssueMarker } from "../github/issue-marker.js";
import type { LeadStatus } from "../pipeline/lead-status.js";
import { unmetGuards } from "../pipeline/transition-rules.js";
import type { CalendarDate } from "../domain/calendar-date.js";
import { cutText, escapeMarkdown, escapeUrl, fitGitHubBody, plainTitle, singleLine } from "../github/markdown-text.js";

/** Characters of a note shown in the lead issue; the store keeps the whole note. */
export const NOTE_MAX_IN_ISSUE = 1_000;
const CUT_POINTER = " (cut here; the full text is in the lead record)";

/** A title from its template: one line, at most GitHub's 256 characters (the body keeps the full name). */
export function renderIssueTitle(template: string, name: string): string {
  return plainTitle(template.replaceAll("{name}", singleLine(name)));
}

/** A free-text note from the record: one line, escaped, cut with a pointer to the record when long. */
export function renderNote(text: string): string {
  const line = singleLine(text);
  return line.length > NOTE_MAX_IN_ISSUE ? `${escapeMarkdown(cutText(line, NOTE_MAX_IN_ISSUE))}${CUT_POINTER}` : escapeMarkdown(line);
}

/** `- [x] **Money**: grant of 50k` lines for the seven MANIAC-T notes. */
export function renderManiacTChecklist(notes: ManiacT): string {
  return MANIAC_T_KEYS.map((key) => {
    const note = notes[key];
    return note ? `- [x] **${LEAD_FIELD_NAMES[key]}**: ${renderNote(note)}` : `- [ ] **${LEAD_FIELD_NAMES[key]}**`;
  }).join("\n");
}

/** The forward step from each status, for "what is missing for the next step". */
const NEXT_STEP: Partial<Record<LeadStatus, LeadStatus>> = {
  "Active Lead": "Needs Admin",
  Waiting: "Needs Admin",
  "Inactive Service": "Needs Admin",
  "Needs Admin": "Active Service",
};

/**
 * What a person should know is missing: guards of the current status that do not hold
 * (a change made directly in the table is trusted, so the app reports rather than reverts)
 * and what the next step needs.
 */
export function describeMissing(lead: Lead, hubs: readonly Hub[], today: CalendarDate): string[] {
  const input = { lead, hubs, today };
  const missing = unmetGuards(lead.status, input)
    .filter((u) => u.code !== "start-date-in-future")
    .map((u) => `This lead is ${lead.status}, but ${u.message}.`);
  const next = NEXT_STEP[lead.status];
  if (next) {
    for (const unmet of unmetGuards(next, input)) missing.push(`For ${next}: ${unmet.message}.`);
  }
  return missing;
}

/** The lead issue's body (sales repo, private: it may show fees, notes and contacts). */
export function renderLeadIssueBody(input: {
  lead: Lead;
  hubs: readonly Hub[];
  today: CalendarDate;
  config: HubSalesConfig;
}): string {
  const { lead, hubs, today, config } = input;
  const tierFee = config.tiers.find((t) => t.name.toLowerCase() === lead.serviceTier?.toLowerCase())?.monthly_fee;
  const fee = lead.monthlyFee ?? tierFee ?? null;
  const rows: [string, string][] = [
    ["Status", lead.status],
    ["Service tier", lead.serviceTier ? escapeMarkdown(lead.serviceTier) : "—"],
    ["Monthly fee", fee === null ? "—" : `${formatMoneyForPeople(fee, config.currency)}${lead.monthlyFee === null ? " (tier default)" : ""}`],
    ["Service start date", lead.serviceStartDate ?? "—"],
  ];
  if (lead.serviceEndDate) rows.push(["Service end date", lead.serviceEndDate]);
  if (lead.followUpDate) rows.push(["Follow-up date", lead.followUpDate]);
  rows.push(
    ["Representatives", lead.githubHandles.length > 0 ? lead.githubHandles.map((h) => `@${h}`).join(", ") : "—"],
    ["Contact email", lead.contactEmail ? escapeMarkdown(lead.contactEmail) : "—"],
    ["Agreement", lead.agreement ? renderNote(lead.agreement) : "—"],
    ["Contract", lead.contract ? escapeUrl(lead.contract) : "—"],
    ["Managed cloud billing", lead.managedCloudBilling ? "yes" : "no"],
  );
  const issues = [
    `- Request information: ${lead.requestInformationIssue ? escapeUrl(lead.requestInformationIssue) : "not opened yet"}`,
    `- Deployment request: ${lead.deploymentIssue ? escapeUrl(lead.deploymentIssue) : "not opened yet"}`,
    ...hubs.map((h) => `- Hub **${escapeMarkdown(h.hub)}**${h.url ? `: ${escapeUrl(h.url)}` : ""}${h.liveSince ? ` (live since ${h.liveSince})` : ""}`),
  ];
  const missing = describeMissing(lead, hubs, today);
  const body = [
    renderIssueMarker({ lead: lead.id, kind: "lead" }),
    `**${escapeMarkdown(lead.name)}** · lead \`${lead.id}\``,
    "",
    "| | |",
    "|---|---|",
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    "",
    "### Issues",
    "",
    ...issues,
    "",
    "### MANIAC-T",
    "",
    renderManiacTChecklist(lead.maniacT),
    "",
    "### Missing for the next step",
    "",
    missing.length > 0 ? missing.map((m) => `- ${m}`).join("\n") : "Nothing: the record has what the next step needs.",
    "",
    "<sub>Kept up to date by hub-sales-bot from the lead record; edits here are overwritten. Comment `/help` for commands.</sub>",
  ].join("\n");
  return fitGitHubBody(body, "cut to fit GitHub's 65,536-character limit; the lead record has everything");
}
