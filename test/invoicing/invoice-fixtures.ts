import { hubSalesConfigSchema, type HubSalesConfig, type HubSalesConfigInput } from "../../src/config/hub-sales-config.schema.js";
import type { CloudCost, Hub, Lead, LeadFields } from "../../src/domain/records.js";
import { newLeadFields } from "../../src/domain/records.js";
import type { DeliveryConfirmation } from "../../src/store/lead-store.js";

/** The configuration the way the app reads it: the schema fills the defaults (tiers, currency, addresses). */
export function invoicingConfig(overrides: Partial<HubSalesConfigInput> = {}): HubSalesConfig {
  return hubSalesConfigSchema.parse({ hub_repo: "2i2c-org/infrastructure", ...overrides });
}

/** A community in service since long before the test months, ready to invoice unless changed. */
export function serviceLead(id: string, name: string, extra: Partial<LeadFields> = {}): Lead {
  return {
    id,
    ...newLeadFields(name, "Active Service", {
      serviceTier: "Research",
      serviceStartDate: "2025-01-01",
      agreement: "https://example.org/agreements/" + id,
      contract: "https://example.org/contracts/" + id,
      ...extra,
    }),
  };
}

export function hub(name: string, communityLeadId: string | null): Hub {
  return { id: `hub-${name}`, hub: name, communityLeadId, url: `https://${name}.example.org`, deploymentIssue: null, liveSince: null };
}

export function cost(hubName: string, amount: number, month = "2026-03", currency = "USD"): CloudCost {
  return { month, hub: hubName, amount, currency };
}

export function delivered(leadId: string, month = "2026-03"): DeliveryConfirmation {
  return { leadId, month, confirmedBy: "rep", confirmedAt: `${month}-28T12:00:00Z` };
}
