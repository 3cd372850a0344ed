import type { CalendarMonth } from "../domain/calendar-date.js";
import { formatMoney, formatMoneyForPeople, type MinorUnits } from "../domain/money.js";
import type { InvoiceBatch } from "../invoicing/compute-invoice-batch.js";
import { formatMonth } from "../invoicing/format-month.js";
import type { InvoiceSendRecord } from "../invoicing/invoice-outbox.js";
import { invoicePagePath, leadPagePath } from "./dashboard-paths.js";

export interface ChartBar {
  month: CalendarMonth;
  total: MinorUnits;
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
  current: boolean;
  href: string;
}

export interface InvoicePage {
  month: CalendarMonth;
  title: string;
  currency: string;
  /** The batch exactly as `hub-sales invoice` computes it (cents, as in the batch). */
  batch: InvoiceBatch;
  communities: {
    leadId: string;
    name: string;
    href: string;
    tier: string | null;
    lineItems: { item: string; amount: string; note: string | null }[];
    total: string;
    ready: boolean;
    missing: string[];
    anomalies: string[];
  }[];
  /** Anomalies that name no community (costs of unknown hubs and the like). */
  otherAnomalies: string[];
  total: string;
  readyCount: number;
  sent: { status: "sending" | "sent"; at: string; to: string[]; resends: number } | null;
  downloads: { csv: string; eml: string };
  previousMonth: CalendarMonth;
  nextMonth: CalendarMonth;
  chart: { width: number; height: number; bars: ChartBar[]; max: string };
}

const CHART = { width: 640, height: 180, top: 16, bottom: 28, gap: 8 };

/** The month `delta` months from `month`. */
export function shiftMonth(month: CalendarMonth, delta: number): CalendarMonth {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const index = y * 12 + (m - 1) + delta;
  return `${String(Math.floor(index / 12)).padStart(4, "0")}-${String((index % 12) + 1).padStart(2, "0")}`;
}

/** The twelve months ending with `month`, oldest first. */
export function chartMonths(month: CalendarMonth): CalendarMonth[] {
  return Array.from({ length: 12 }, (_, i) => shiftMonth(month, i - 11));
}

/** Bars of the monthly totals, in SVG user units; the tallest bar fills the plot. */
export function layoutTotalsChart(totals: readonly { month: CalendarMonth; total: MinorUnits }[], current: CalendarMonth, currency: string) {
  const max = Math.max(0, ...totals.map((t) => t.total));
  const plot = CHART.height - CHART.top - CHART.bottom;
  const slot = CHART.width / Math.max(1, totals.length);
  const bars = totals.map((t, i): ChartBar => {
    const height = max === 0 ? 0 : Math.round((Math.max(0, t.total) / max) * plot);
    return {
      month: t.month,
      total: t.total,
      label: formatMoneyForPeople(t.total, currency),
      x: Math.round(i * slot + CHART.gap / 2),
      y: CHART.top + plot - height,
      width: Math.round(slot - CHART.gap),
      height,
      current: t.month === current,
      href: invoicePagePath(t.month),
    };
  });
  return { width: CHART.width, height: CHART.height, bars, max: formatMoneyForPeople(max, currency) };
}

/** The month-end page's data: pure, from the batch `hub-sales invoice` computes and the month's send record. */
export function buildInvoicePage(input: {
  batch: InvoiceBatch;
  history: readonly { month: CalendarMonth; total: MinorUnits }[];
  sent: InvoiceSendRecord | null;
}): InvoicePage {
  const { batch, sent } = input;
  const money = (cents: MinorUnits) => formatMoneyForPeople(cents, batch.currency);
  const communities = batch.communities.map((c) => ({
    leadId: c.leadId,
    name: c.name,
    href: leadPagePath(c.leadId),
    tier: c.tier,
    lineItems: c.lineItems.map((l) => ({ item: l.item, amount: formatMoney(l.amount), note: l.note })),
    total: money(c.total),
    ready: c.ready,
    missing: c.missing,
    anomalies: batch.anomalies.filter((a) => a.leadId === c.leadId).map((a) => a.message),
  }));
  const shown = new Set(batch.communities.map((c) => c.leadId));
  return {
    month: batch.month,
    title: `Invoices ${formatMonth(batch.month)}`,
    currency: batch.currency,
    batch,
    communities,
    otherAnomalies: batch.anomalies.filter((a) => a.leadId === null || !shown.has(a.leadId)).map((a) => a.message),
    total: money(batch.total),
    readyCount: batch.communities.filter((c) => c.ready).length,
    sent: sent ? { status: sent.status, at: sent.sentAt ?? sent.startedAt, to: sent.to, resends: sent.resends } : null,
    downloads: { csv: invoicePagePath(batch.month, "csv"), eml: invoicePagePath(batch.month, "eml") },
    previousMonth: shiftMonth(batch.month, -1),
    nextMonth: shiftMonth(batch.month, 1),
    chart: layoutTotalsChart(input.history, batch.month, batch.currency),
  };
}
