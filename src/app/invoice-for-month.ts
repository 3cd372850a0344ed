import type { CalendarMonth } from "../domain/calendar-date.js";
import { buildInvoiceBatch } from "../invoicing/build-invoice-batch.js";
import { publishInvoiceIssue } from "../invoicing/publish-invoice-issue.js";
import { formatMoneyForPeople } from "../domain/money.js";
import type { HubSalesRuntime } from "./hub-sales-runtime.js";

/** `/invoice` and the scheduled run: compute the month's batch and open or update its issue. */
export async function publishInvoiceForMonth(
  runtime: HubSalesRuntime,
  month: CalendarMonth,
): Promise<{ url: string; summary: string }> {
  const config = await runtime.config();
  const batch = await buildInvoiceBatch({ store: runtime.store, config, month });
  const { issue, action } = await publishInvoiceIssue({ gateway: runtime.gateway, repo: runtime.environment.salesRepo, batch });
  const total = formatMoneyForPeople(batch.total, batch.currency);
  return {
    url: issue.htmlUrl,
    summary: `${batch.communities.length} communit${batch.communities.length === 1 ? "y" : "ies"}, total ${total} (invoice issue ${action})`,
  };
}
