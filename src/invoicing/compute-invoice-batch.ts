import {
  daysInclusive,
  firstDayOfMonth,
  isCalendarMonth,
  lastDayOfMonth,
  type CalendarDate,
  type CalendarMonth,
} from "../domain/calendar-date.js";
import { formatMoney, prorate, type MinorUnits } from "../domain/money.js";
import type { CloudCost, Hub, Lead } from "../domain/records.js";
import type { HubSalesConfig } from "../config/hub-sales-config.schema.js";
import type { DeliveryConfirmation } from "../store/lead-store.js";

/** The parts of the configuration invoicing reads. */
export type InvoicingConfig = Pick<HubSalesConfig, "currency" | "tiers" | "invoicing">;

export type InvoiceLineKind = "operations-fee" | "cloud-costs";

export interface InvoiceLineItem {
  kind: InvoiceLineKind;
  /** `Managed hub operations fee — Research`, `Cloud costs — 2026-03`. */
  item: string;
  amount: MinorUnits;
  /** For people: how the amount was reached (proration, hubs summed). */
  note: string | null;
}

export interface ReadinessCheck {
  /** Stable id: `agreement`, `delivery-or-contract`, `start-date`, `fee`, `cloud-costs`. */
  id: string;
  label: string;
  met: boolean;
}

export interface ServicePeriod {
  /** First and last day of service inside the month, both counted. */
  from: CalendarDate;
  to: CalendarDate;
  days: number;
  daysInMonth: number;
}

export interface CommunityInvoice {
  leadId: string;
  name: string;
  status: Lead["status"];
  tier: string | null;
  managedCloudBilling: boolean;
  /** Hub names linked to the lead, sorted. */
  hubs: string[];
  /** Null when the start date is unknown (the anomaly `no-start-date`). */
  period: ServicePeriod | null;
  lineItems: InvoiceLineItem[];
  total: MinorUnits;
  readiness: ReadinessCheck[];
  ready: boolean;
  /** Labels of the unmet readiness checks. */
  missing: string[];
}

export type InvoiceAnomalyKind =
  | "no-start-date"
  | "end-before-start"
  | "ended-before-month"
  | "no-hub"
  | "orphan-costs"
  | "costs-not-invoiced"
  | "foreign-currency"
  | "no-cost-data"
  | "unknown-fee";

export interface InvoiceAnomaly {
  kind: InvoiceAnomalyKind;
  leadId: string | null;
  hub: string | null;
  message: string;
}

export interface InvoiceBatch {
  month: CalendarMonth;
  currency: string;
  proration: "none" | "daily";
  /** Sorted by name. */
  communities: CommunityInvoice[];
  total: MinorUnits;
  anomalies: InvoiceAnomaly[];
}

export interface ComputeInvoiceBatchInput {
  month: CalendarMonth;
  /** Every lead (not only those in service): hubs linked to other leads are told apart from unlinked ones. */
  leads: readonly Lead[];
  hubs: readonly Hub[];
  /** Cost records; records of other months are ignored. */
  costs: readonly CloudCost[];
  confirmations: readonly DeliveryConfirmation[];
  config: InvoicingConfig;
}

export const OPERATIONS_FEE_ITEM = "Managed hub operations fee";
export const CLOUD_COSTS_ITEM = "Cloud costs";

export function operationsFeeItem(tier: string | null): string {
  return `${OPERATIONS_FEE_ITEM} — ${tier ?? "no tier"}`;
}

export function cloudCostsItem(month: CalendarMonth): string {
  return `${CLOUD_COSTS_ITEM} — ${month}`;
}

export class InvalidMonthError extends Error {
  constructor(readonly input: string) {
    super(`not a month: "${input}"; use YYYY-MM, e.g. 2026-03`);
    this.name = "InvalidMonthError";
  }
}

/** One collator for every sort: `localeCompare` with options builds one per call (slow for thousands). */
const NAME_ORDER = new Intl.Collator("en", { sensitivity: "base", numeric: true });

/** Hub names are matched the way people type them in cost exports: case and outer spaces ignored. */
function hubKey(name: string): string {
  return name.trim().toLowerCase();
}

/**
 * The invoice batch for one month (SPEC §6): pure, so the CLI, the app command, the
 * scheduled run and the tests all compute the same thing from the same records.
 * Nothing doubtful is dropped quietly: it is either billed or named in `anomalies`.
 */
export function computeInvoiceBatch(input: ComputeInvoiceBatchInput): InvoiceBatch {
  const { month, config } = input;
  if (!isCalendarMonth(month)) throw new InvalidMonthError(month);
  const currency = config.currency;
  const proration = config.invoicing.proration;
  const monthStart = firstDayOfMonth(month);
  const monthEnd = lastDayOfMonth(month);
  const monthDays = daysInclusive(monthStart, monthEnd);
  const anomalies: InvoiceAnomaly[] = [];

  const leadsById = new Map(input.leads.map((lead) => [lead.id, lead]));
  const tierFees = new Map(config.tiers.map((tier) => [tier.name.toLowerCase(), tier.monthly_fee]));
  const confirmed = new Set(input.confirmations.filter((c) => c.month === month).map((c) => c.leadId));

  const hubsByLead = new Map<string, Hub[]>();
  const hubsByName = new Map<string, Hub>();
  for (const hub of input.hubs) {
    hubsByName.set(hubKey(hub.hub), hub);
    if (hub.communityLeadId === null) continue;
    const list = hubsByLead.get(hub.communityLeadId) ?? [];
    list.push(hub);
    hubsByLead.set(hub.communityLeadId, list);
  }

  // Sum the month's costs per hub in the batch currency; foreign amounts are kept out of sums.
  const costByHub = new Map<string, { amount: MinorUnits; records: number }>();
  const foreignByHub = new Map<string, CloudCost[]>();
  for (const cost of input.costs) {
    if (cost.month !== month) continue;
    const key = hubKey(cost.hub);
    if (cost.currency.trim().toUpperCase() !== currency) {
      const list = foreignByHub.get(key) ?? [];
      list.push(cost);
      foreignByHub.set(key, list);
      continue;
    }
    const sum = costByHub.get(key) ?? { amount: 0, records: 0 };
    sum.amount += cost.amount;
    sum.records += 1;
    costByHub.set(key, sum);
  }

  const invoicedLeadIds = new Set<string>();
  const communities: CommunityInvoice[] = [];

  for (const lead of input.leads) {
    const included = inService(lead, monthStart, monthEnd);
    if (included === "ended-before-month") {
      anomalies.push({
        kind: "ended-before-month",
        leadId: lead.id,
        hub: null,
        message: `${lead.name} is Active Service but its service end date ${lead.serviceEndDate} is before ${month}: not invoiced; set its status to Inactive Service or fix the date`,
      });
      continue;
    }
    if (included !== true) continue;
    invoicedLeadIds.add(lead.id);

    const hubs = (hubsByLead.get(lead.id) ?? []).slice().sort((a, b) => NAME_ORDER.compare(a.hub, b.hub));
    const lineItems: InvoiceLineItem[] = [];
    const readiness: ReadinessCheck[] = [];

    // Service period inside the month.
    let period: ServicePeriod | null = null;
    if (lead.serviceStartDate === null) {
      anomalies.push({
        kind: "no-start-date",
        leadId: lead.id,
        hub: null,
        message: `${lead.name} is ${lead.status} but has no service start date: charged a full month until it is recorded`,
      });
      readiness.push({ id: "start-date", label: "Service start date recorded", met: false });
    } else {
      const from = lead.serviceStartDate > monthStart ? lead.serviceStartDate : monthStart;
      const end = lead.serviceEndDate;
      const to = end !== null && end < monthEnd ? end : monthEnd;
      if (to < from) {
        anomalies.push({
          kind: "end-before-start",
          leadId: lead.id,
          hub: null,
          message: `${lead.name}: service end date ${end} is before its start date ${lead.serviceStartDate}: not charged`,
        });
        readiness.push({ id: "start-date", label: "Service start and end dates consistent", met: false });
      } else {
        period = { from, to, days: daysInclusive(from, to), daysInMonth: monthDays };
      }
    }

    // Operations fee: the lead's own, else its tier's.
    const tierFee = lead.serviceTier === null ? undefined : tierFees.get(lead.serviceTier.trim().toLowerCase());
    const fullFee = lead.monthlyFee ?? tierFee ?? null;
    if (fullFee === null) {
      anomalies.push({
        kind: "unknown-fee",
        leadId: lead.id,
        hub: null,
        message:
          lead.serviceTier === null
            ? `${lead.name} has no monthly fee and no service tier: no operations fee line`
            : `${lead.name} has no monthly fee and its tier "${lead.serviceTier}" is not in the configured tiers (${config.tiers
                .map((t) => t.name)
                .join(", ")}): no operations fee line`,
      });
      readiness.push({ id: "fee", label: "Monthly fee known", met: false });
    } else if (lead.serviceStartDate === null || period !== null) {
      const partial = period !== null && period.days < period.daysInMonth;
      const prorated = partial && proration === "daily";
      const amount = prorated ? prorate(fullFee, period!.days, period!.daysInMonth) : fullFee;
      lineItems.push({
        kind: "operations-fee",
        item: operationsFeeItem(lead.serviceTier),
        amount,
        note: prorated
          ? `${period!.days} of ${period!.daysInMonth} days (${period!.from} to ${period!.to}) of ${formatMoney(fullFee)}`
          : null,
      });
    }

    // Cloud costs of the lead's hubs, when the team pays the cloud bill and passes it on.
    if (lead.managedCloudBilling) {
      let amount = 0;
      let records = 0;
      const billed: string[] = [];
      for (const hub of hubs) {
        const sum = costByHub.get(hubKey(hub.hub));
        if (!sum) continue;
        amount += sum.amount;
        records += sum.records;
        billed.push(hub.hub);
      }
      if (records > 0) {
        lineItems.push({
          kind: "cloud-costs",
          item: cloudCostsItem(month),
          amount,
          note: `hub${billed.length > 1 ? "s" : ""} ${billed.join(", ")}`,
        });
      } else if (hubs.length > 0) {
        anomalies.push({
          kind: "no-cost-data",
          leadId: lead.id,
          hub: null,
          message: `${lead.name} has managed cloud billing but no ${currency} cost records for ${month} (hubs ${hubs
            .map((h) => h.hub)
            .join(", ")}): import them with \`hub-sales costs import\``,
        });
      }
      readiness.push({ id: "cloud-costs", label: `Cloud costs for ${month} imported`, met: records > 0 });
    }

    if (hubs.length === 0 && lead.status === "Active Service") {
      anomalies.push({
        kind: "no-hub",
        leadId: lead.id,
        hub: null,
        message: `${lead.name} is Active Service but has no Active Hubs row${
          lead.managedCloudBilling ? ", so its cloud costs cannot be found" : ""
        }`,
      });
    }

    readiness.unshift(
      { id: "agreement", label: "Tier agreement recorded", met: nonEmpty(lead.agreement) },
      {
        id: "delivery-or-contract",
        label: `Delivery confirmed for ${month} (\`/delivered month=${month}\`) or a contract`,
        met: confirmed.has(lead.id) || nonEmpty(lead.contract),
      },
    );
    const missing = readiness.filter((check) => !check.met).map((check) => check.label);
    communities.push({
      leadId: lead.id,
      name: lead.name,
      status: lead.status,
      tier: lead.serviceTier,
      managedCloudBilling: lead.managedCloudBilling,
      hubs: hubs.map((h) => h.hub),
      period,
      lineItems,
      total: lineItems.reduce((sum, line) => sum + line.amount, 0),
      readiness,
      ready: missing.length === 0,
      missing,
    });
  }

  // Costs nobody is billed for: unlinked hubs, unknown hubs, hubs of leads outside the batch.
  const costHubs = new Set([...costByHub.keys(), ...foreignByHub.keys()]);
  for (const key of [...costHubs].sort()) {
    const hub = hubsByName.get(key);
    const sum = costByHub.get(key);
    const label = hub?.hub ?? firstCostName(input.costs, month, key);
    const amountText = sum ? ` (${currency} ${formatMoney(sum.amount)})` : "";
    const lead = hub?.communityLeadId ? leadsById.get(hub.communityLeadId) : undefined;
    if (!hub || hub.communityLeadId === null || !lead) {
      anomalies.push({
        kind: "orphan-costs",
        leadId: null,
        hub: label,
        message: !hub
          ? `hub "${label}" has ${month} cost records${amountText} but is not in Active Hubs: nobody is invoiced for them`
          : `hub "${label}" has ${month} cost records${amountText} but no community${
              hub.communityLeadId === null ? "" : ` (its community ${hub.communityLeadId} is not a known lead)`
            }: nobody is invoiced for them`,
      });
    } else if (lead.managedCloudBilling && !invoicedLeadIds.has(lead.id)) {
      anomalies.push({
        kind: "costs-not-invoiced",
        leadId: lead.id,
        hub: label,
        message: `hub "${label}" of ${lead.name} (${lead.status}) has ${month} cost records${amountText} but ${lead.name} is not in service during ${month}: not invoiced`,
      });
    }
    for (const cost of foreignByHub.get(key) ?? []) {
      anomalies.push({
        kind: "foreign-currency",
        leadId: lead?.id ?? null,
        hub: label,
        message: `hub "${label}": a ${month} cost of ${cost.currency} ${formatMoney(cost.amount)} is not in ${currency}: left out of the totals; convert it and import it again`,
      });
    }
  }

  communities.sort((a, b) => NAME_ORDER.compare(a.name, b.name) || (a.leadId < b.leadId ? -1 : a.leadId > b.leadId ? 1 : 0));
  return {
    month,
    currency,
    proration,
    communities,
    total: communities.reduce((sum, c) => sum + c.total, 0),
    anomalies,
  };
}

/**
 * Whether the service ran during the month. `Inactive Service` counts when it ended inside
 * the month or after it: a batch re-run after a community stopped must still bill the
 * months it was served. A lead without a start date is included (and flagged) so it is
 * not forgotten.
 */
function inService(lead: Lead, monthStart: CalendarDate, monthEnd: CalendarDate): boolean | "ended-before-month" {
  if (lead.serviceStartDate !== null && lead.serviceStartDate > monthEnd) return false;
  if (lead.status === "Active Service") {
    if (lead.serviceEndDate !== null && lead.serviceEndDate < monthStart) return "ended-before-month";
    return true;
  }
  if (lead.status === "Inactive Service") {
    return lead.serviceEndDate !== null && lead.serviceEndDate >= monthStart;
  }
  return false;
}

function nonEmpty(value: string | null): boolean {
  return value !== null && value.trim() !== "";
}

function firstCostName(costs: readonly CloudCost[], month: CalendarMonth, key: string): string {
  return costs.find((c) => c.month === month && hubKey(c.hub) === key)?.hub ?? key;
}
