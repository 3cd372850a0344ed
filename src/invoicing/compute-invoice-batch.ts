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
import { attributeCloudCosts, type CloudProjectCost, type UnattributedCloudCost } from "./attribute-cloud-costs.js";

export type { CloudProjectCost, UnattributedCloudCost } from "./attribute-cloud-costs.js";

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
  /** The cloud projects its `Cloud costs` line sums (each billed once), sorted by project. */
  cloudProjects: CloudProjectCost[];
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
  | "shared-project"
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

/** A project attributed to a community that this batch does not bill for it. */
export interface NotBilledCloudCost extends CloudProjectCost {
  leadId: string;
  community: string;
  /** `own-cloud-billing`: the community pays its cloud bill itself; `not-in-service`: not served in the month. */
  why: "own-cloud-billing" | "not-in-service";
}

/**
 * Where every cloud cost of the month went, so nothing in the exports is out of sight:
 * billed + unattributed + not billed is the month's total in the batch currency.
 */
export interface InvoiceCloudCosts {
  /** The sum of the batch's `Cloud costs` lines. */
  billed: MinorUnits;
  /** Unmatched projects, projects shared by several communities, projects of hubs without a community. */
  unattributed: MinorUnits;
  unattributedProjects: UnattributedCloudCost[];
  notBilled: MinorUnits;
  notBilledProjects: NotBilledCloudCost[];
  /** Costs in another currency than the batch's: kept out of every sum (each is an anomaly). */
  otherCurrencies: CloudProjectCost[];
}

export interface InvoiceBatch {
  month: CalendarMonth;
  currency: string;
  proration: "none" | "daily";
  /** Sorted by name. */
  communities: CommunityInvoice[];
  total: MinorUnits;
  cloudCosts: InvoiceCloudCosts;
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
  for (const hub of input.hubs) {
    if (hub.communityLeadId === null) continue;
    const list = hubsByLead.get(hub.communityLeadId) ?? [];
    list.push(hub);
    hubsByLead.set(hub.communityLeadId, list);
  }

  const attribution = attributeCloudCosts({ month, costs: input.costs, hubs: input.hubs, leadsById });
  const inCurrency = (cost: CloudProjectCost) => cost.currency.trim().toUpperCase() === currency;
  const otherCurrencies: CloudProjectCost[] = [];
  const notBilledProjects: NotBilledCloudCost[] = [];
  // A community whose costs are held back by a shared project is told so, not asked to import again.
  const sharedByLead = new Map<string, string[]>();
  for (const cost of attribution.unattributed) {
    if (cost.reason !== "shared") continue;
    for (const c of cost.communities) sharedByLead.set(c.leadId, [...(sharedByLead.get(c.leadId) ?? []), cost.project]);
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

    // Cloud costs of the lead's projects, when the team pays the cloud bill and passes it on.
    const attributed = attribution.byLead.get(lead.id) ?? [];
    const cloudProjects = lead.managedCloudBilling ? attributed.filter(inCurrency) : [];
    if (!lead.managedCloudBilling) {
      for (const cost of attributed.filter(inCurrency)) {
        notBilledProjects.push({ ...cost, leadId: lead.id, community: lead.name, why: "own-cloud-billing" });
      }
    }
    if (lead.managedCloudBilling) {
      if (cloudProjects.length > 0) {
        lineItems.push({
          kind: "cloud-costs",
          item: cloudCostsItem(month),
          amount: cloudProjects.reduce((sum, cost) => sum + cost.amount, 0),
          note: describeProjects(cloudProjects),
        });
      } else if (hubs.length > 0) {
        const shared = sharedByLead.get(lead.id) ?? [];
        anomalies.push({
          kind: "no-cost-data",
          leadId: lead.id,
          hub: null,
          message:
            shared.length > 0
              ? `${lead.name} has managed cloud billing but its ${month} cloud costs are held back: ${shared.map((p) => `"${p}"`).join(", ")} ${shared.length > 1 ? "are" : "is"} shared with another community (see below)`
              : `${lead.name} has managed cloud billing but no ${currency} cost records for ${month} (hubs ${hubs
                  .map((h) => h.hub)
                  .join(", ")}): import them with \`hub-sales costs import\``,
        });
      }
      readiness.push({ id: "cloud-costs", label: `Cloud costs for ${month} imported`, met: cloudProjects.length > 0 });
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
      cloudProjects,
      period,
      lineItems,
      total: lineItems.reduce((sum, line) => sum + line.amount, 0),
      readiness,
      ready: missing.length === 0,
      missing,
    });
  }

  // Costs of communities outside the batch, and costs in another currency.
  for (const [leadId, costs] of attribution.byLead) {
    const lead = leadsById.get(leadId)!;
    for (const cost of costs) {
      if (!inCurrency(cost)) {
        otherCurrencies.push(cost);
        anomalies.push(foreignCurrencyAnomaly(cost, month, currency, lead.id));
      } else if (!invoicedLeadIds.has(lead.id)) {
        notBilledProjects.push({ ...cost, leadId, community: lead.name, why: "not-in-service" });
        if (lead.managedCloudBilling) {
          anomalies.push({
            kind: "costs-not-invoiced",
            leadId: lead.id,
            hub: cost.hubs[0] ?? null,
            message: `${describeProject(cost)} of ${lead.name} (${lead.status}) has ${month} costs (${currency} ${formatMoney(cost.amount)}) but ${lead.name} is not in service during ${month}: not invoiced`,
          });
        }
      }
    }
  }
  // Costs nobody is billed for, each named with its amount: never dropped quietly.
  const unattributedProjects: UnattributedCloudCost[] = [];
  for (const cost of attribution.unattributed) {
    if (!inCurrency(cost)) {
      otherCurrencies.push(cost);
      anomalies.push(foreignCurrencyAnomaly(cost, month, currency, null));
      continue;
    }
    unattributedProjects.push(cost);
    const amountText = `${currency} ${formatMoney(cost.amount)}`;
    if (cost.reason === "shared") {
      anomalies.push({
        kind: "shared-project",
        leadId: null,
        hub: cost.hubs[0] ?? null,
        message: `${describeProject(cost)} has ${month} costs (${amountText}) shared by the hubs of ${cost.communities
          .map((c) => `${c.name} (${c.hubs.join(", ")})`)
          .join(" and ")}: nothing is billed from it until the records say how it is split; give each community's hubs a Cloud project of their own (split the project in the cloud, or export the costs per community) and import the costs again`,
      });
    } else {
      anomalies.push({
        kind: "orphan-costs",
        leadId: null,
        hub: cost.hubs[0] ?? cost.project,
        message:
          cost.reason === "unmatched"
            ? `${describeProject(cost)} has ${month} costs (${amountText}) but no Active Hubs row names it as Cloud project or hub: nobody is invoiced for them; set the Cloud project of the hubs it serves`
            : `${describeProject(cost)} has ${month} costs (${amountText}) but its hub${cost.hubs.length > 1 ? "s" : ""} ${cost.hubs.join(", ")} ${cost.hubs.length > 1 ? "have" : "has"} no known community: nobody is invoiced for them`,
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
    cloudCosts: {
      billed: sumOf(communities.flatMap((c) => c.lineItems.filter((line) => line.kind === "cloud-costs"))),
      unattributed: sumOf(unattributedProjects),
      unattributedProjects,
      notBilled: sumOf(notBilledProjects),
      notBilledProjects: notBilledProjects.sort((a, b) => NAME_ORDER.compare(a.community, b.community) || NAME_ORDER.compare(a.project, b.project)),
      otherCurrencies,
    },
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

function sumOf(items: readonly { amount: MinorUnits }[]): MinorUnits {
  return items.reduce((sum, item) => sum + item.amount, 0);
}

/** `project example-university-hubs (Example University)` or `hub coastal-climate`, for people. */
export function describeProject(cost: CloudProjectCost): string {
  const named = cost.label ? `${cost.project} (${cost.label})` : cost.project;
  return cost.hubs.length === 1 && cost.hubs[0] === cost.project ? `hub "${named}"` : `project "${named}"`;
}

/** The note of a cloud line: which projects it sums and the hubs each carries. */
function describeProjects(costs: readonly CloudProjectCost[]): string {
  return costs
    .map((cost) => {
      const onlyHub = cost.hubs.length === 1 && cost.hubs[0] === cost.project;
      const name = cost.label ? `${cost.project} "${cost.label}"` : cost.project;
      return onlyHub ? `hub ${name}: ${formatMoney(cost.amount)}` : `project ${name} (hub${cost.hubs.length > 1 ? "s" : ""} ${cost.hubs.join(", ")}): ${formatMoney(cost.amount)}`;
    })
    .join("; ");
}

function foreignCurrencyAnomaly(cost: CloudProjectCost, month: CalendarMonth, currency: string, leadId: string | null): InvoiceAnomaly {
  return {
    kind: "foreign-currency",
    leadId,
    hub: cost.hubs[0] ?? cost.project,
    message: `${describeProject(cost)}: a ${month} cost of ${cost.currency} ${formatMoney(cost.amount)} is not in ${currency}: left out of the totals; convert it and import it again`,
  };
}
