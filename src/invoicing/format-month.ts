import type { CalendarMonth } from "../domain/calendar-date.js";

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** `2026-03` → `March 2026`, in English whatever the machine's locale, so outputs are stable. */
export function formatMonth(month: CalendarMonth): string {
  const [year, m] = month.split("-") as [string, string];
  return `${MONTHS[Number(m) - 1]} ${year}`;
}

/** The marker's `lead` value of a month's batch: the invoice issue is found by it. */
export function invoiceBatchKey(month: CalendarMonth): string {
  return `batch:${month}`;
}

/** Title of the month's issue in the sales repo (SPEC §6). */
export function invoiceIssueTitle(month: CalendarMonth): string {
  return `Invoices ${month}`;
}

/** Base name of the outbox files and of the CSV attachment. */
export function invoiceFileBase(month: CalendarMonth): string {
  return `invoices-${month}`;
}
