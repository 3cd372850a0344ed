import type { HubSalesConfig } from "../config/hub-sales-config.schema.js";
import type { CalendarMonth } from "../domain/calendar-date.js";
import type { RepoRef } from "../github/github-gateway.js";
import type { LeadStore } from "../store/lead-store.js";
import { buildInvoiceBatch } from "./build-invoice-batch.js";
import type { InvoiceBatch } from "./compute-invoice-batch.js";
import { publishInvoiceIssue, type InvoiceIssueGateway, type PublishInvoiceIssueResult } from "./publish-invoice-issue.js";

/**
 * Builds the month's batch from the store and opens or updates its `Invoices YYYY-MM`
 * issue: what `/invoice month=…`, `/delivered month=…` and the scheduled run call.
 * The issue carries the app's own labels (those of lead issues, `hub-sales` by default).
 */
export async function refreshInvoiceIssue(input: {
  store: LeadStore;
  gateway: InvoiceIssueGateway;
  /** The sales repo. */
  repo: RepoRef;
  config: Pick<HubSalesConfig, "currency" | "tiers" | "invoicing" | "issues">;
  month: CalendarMonth;
}): Promise<PublishInvoiceIssueResult & { batch: InvoiceBatch }> {
  const batch = await buildInvoiceBatch({ store: input.store, config: input.config, month: input.month });
  const published = await publishInvoiceIssue({
    gateway: input.gateway,
    repo: input.repo,
    batch,
    labels: input.config.issues.lead.labels,
  });
  return { ...published, batch };
}
