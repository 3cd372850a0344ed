import { formatMoney } from "../domain/money.js";
import type { Hub, HubFields, LeadFields } from "../domain/records.js";
import { HUB_FIELD_NAMES as H, LEAD_FIELD_NAMES as L } from "../domain/record-field-names.js";

/**
 * A lead under the field names of SPEC §3, for `--json`: money as a decimal string
 * (`"1500.00"`), dates as `YYYY-MM-DD`, `GitHub handles` as an array of handles without
 * `@`, `Managed cloud billing` as a boolean, absent values as null. Key order is fixed,
 * so the output is also the canonical form used to tell a changed record from an unchanged one.
 */
export function leadFieldsToJson(lead: LeadFields): Record<string, unknown> {
  return {
    [L.name]: lead.name,
    [L.status]: lead.status,
    [L.githubHandles]: [...lead.githubHandles],
    [L.contactEmail]: lead.contactEmail,
    [L.serviceTier]: lead.serviceTier,
    [L.monthlyFee]: lead.monthlyFee === null ? null : formatMoney(lead.monthlyFee),
    [L.serviceStartDate]: lead.serviceStartDate,
    [L.serviceEndDate]: lead.serviceEndDate,
    [L.agreement]: lead.agreement,
    [L.contract]: lead.contract,
    [L.managedCloudBilling]: lead.managedCloudBilling,
    [L.followUpDate]: lead.followUpDate,
    [L.money]: lead.maniacT.money,
    [L.authority]: lead.maniacT.authority,
    [L.need]: lead.maniacT.need,
    [L.impendingEvent]: lead.maniacT.impendingEvent,
    [L.application]: lead.maniacT.application,
    [L.competition]: lead.maniacT.competition,
    [L.timeline]: lead.maniacT.timeline,
    [L.leadIssue]: lead.leadIssue,
    [L.requestInformationIssue]: lead.requestInformationIssue,
    [L.deploymentIssue]: lead.deploymentIssue,
  };
}

export function leadToJson(lead: LeadFields & { id: string }): Record<string, unknown> {
  return { id: lead.id, ...leadFieldsToJson(lead) };
}

/** A hub for `--json`; `Community` is the lead's name as AirTable shows a link (null when unlinked). */
export function hubFieldsToJson(hub: HubFields, leadNames: ReadonlyMap<string, string>): Record<string, unknown> {
  return {
    [H.hub]: hub.hub,
    [H.community]: hub.communityLeadId === null ? null : (leadNames.get(hub.communityLeadId) ?? null),
    [H.url]: hub.url,
    [H.deploymentIssue]: hub.deploymentIssue,
    [H.liveSince]: hub.liveSince,
    [H.cloudProject]: hub.cloudProject ?? null,
  };
}

export function hubToJson(hub: Hub, leadNames: ReadonlyMap<string, string>): Record<string, unknown> {
  return { id: hub.id, ...hubFieldsToJson(hub, leadNames) };
}
