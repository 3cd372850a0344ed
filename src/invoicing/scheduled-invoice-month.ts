import { isCalendarMonth, lastDayOfMonth, type CalendarDate, type CalendarMonth } from "../domain/calendar-date.js";
import type { HubSalesConfig } from "../config/hub-sales-config.schema.js";

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
