import { isCalendarMonth, type CalendarMonth } from "../domain/calendar-date.js";
import type { LeadStore } from "../store/lead-store.js";
import { computeInvoiceBatch, InvalidMonthError, type InvoiceBatch, type InvoicingConfig } from "./compute-invoice-batch.js";

/**
 * Loads what a month's batch needs from the store and computes it: the glue the CLI,
 * the `/invoice` command and the scheduled run share. Every lead is loaded (not only those
 * in service) so costs of a hub whose community is out of service are told apart from
 * costs of a hub with no community.
 */
export async function buildInvoiceBatch(input: {
  store: LeadStore;
  config: InvoicingConfig;
  month: CalendarMonth;
}): Promise<InvoiceBatch> {
  const { store, config, month } = input;
  if (!isCalendarMonth(month)) throw new InvalidMonthError(month);
  const [leads, hubs, costs, confirmations] = await Promise.all([
    store.listLeads(),
    store.listHubs(),
    store.listCloudCosts({ month }),
    store.listDeliveryConfirmations(month),
  ]);
  return computeInvoiceBatch({ month, leads, hubs, costs, confirmations, config });
}
