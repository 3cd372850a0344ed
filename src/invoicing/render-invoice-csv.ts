import { formatMoney } from "../domain/money.js";
import type { InvoiceBatch } from "./compute-invoice-batch.js";

/** `note` says how a line was reached: the days of a prorated fee, the cloud projects a cost line sums. */
export const INVOICE_CSV_COLUMNS = ["month", "community", "item", "amount", "currency", "note"] as const;

/**
 * The batch's line items as CSV (RFC 4180: CRLF rows, fields quoted when they hold a comma,
 * quote, line break or outer space). Amounts are decimal strings (`1500.00`) so a
 * spreadsheet cannot round them.
 */
export function renderInvoiceCsv(batch: InvoiceBatch): string {
  const rows: string[][] = [[...INVOICE_CSV_COLUMNS]];
  for (const community of batch.communities) {
    for (const line of community.lineItems) {
      rows.push([batch.month, neutralizeFormula(community.name), line.item, formatMoney(line.amount), batch.currency, neutralizeFormula(line.note ?? "")]);
    }
  }
  return rows.map((row) => row.map(quoteCsvField).join(",")).join("\r\n") + "\r\n";
}

export function quoteCsvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Community names are typed by people and the file is opened in spreadsheets: a leading
 * `=`, `+`, `-` or `@` would run as a formula (CSV injection), so it is prefixed with `'`.
 */
function neutralizeFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}
