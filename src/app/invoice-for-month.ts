import { isCalendarMonth, lastDayOfMonth, type CalendarDate, type CalendarMonth } from "../domain/calendar-date.js";
import { formatMoneyForPeople } from "../domain/money.js";
import { invoiceBatchKey } from "../invoicing/format-month.js";
import { refreshInvoiceIssue } from "../invoicing/refresh-invoice-issue.js";
import type { HubSalesConfig } from "../config/hub-sales-config.schema.js";
import type { HubSalesRuntime } from "./hub-sales-runtime.js";

/** `/invoice` and the scheduled run: compute the month's batch and open or update its issue. */
export async function publishInvoiceForMonth(
  runtime: HubSalesRuntime,
  month: CalendarMonth,
): Promise<{ url: string; summary: string }> {
  const config = await runtime.config();
  const { issue, action, batch } = await refreshInvoiceIssue({
    store: runtime.store,
    gateway: runtime.gateway,
    repo: runtime.environment.salesRepo,
    config,
    month,
  });
  const total = formatMoneyForPeople(batch.total, batch.currency);
  const n = batch.communities.length;
  return { url: issue.htmlUrl, summary: `${n} communit${n === 1 ? "y" : "ies"}, total ${total} (invoice issue ${action})` };
}

/** `/delivered`: the month's invoice issue, when there is one, shows the new readiness. */
export async function refreshInvoiceIfOpen(runtime: HubSalesRuntime, month: CalendarMonth): Promise<void> {
  const owned = await runtime.gateway.listOwnedIssues(runtime.environment.salesRepo, "invoice");
  if (owned.some((i) => i.marker?.lead === invoiceBatchKey(month))) await publishInvoiceForMonth(runtime, month);
}

/**
 * The month the scheduled run invoices on `today`, or null when today is not the day:
 * with `day: last` the month ending today; with a day number (1-28), the month before
 * (a batch built on the 3rd is for the month just ended).
 */
export function scheduledInvoiceMonth(config: Pick<HubSalesConfig, "invoicing">, today: CalendarDate): CalendarMonth | null {
  const month = today.slice(0, 7);
  if (!isCalendarMonth(month)) return null;
  const day = config.invoicing.day;
  if (day === "last") return today === lastDayOfMonth(month) ? month : null;
  if (Number(today.slice(8, 10)) !== day) return null;
  const [y, m] = month.split("-").map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}
