import type { CalendarMonth } from "../domain/calendar-date.js";

/** Every dashboard page lives under this path (SPEC §8). */
export const DASHBOARD_PATH = "/hub-sales/dashboard";
export const WORK_PATH = `${DASHBOARD_PATH}/work`;
export const INVOICES_PATH = `${DASHBOARD_PATH}/invoices`;
export const SIGN_IN_PATH = `${DASHBOARD_PATH}/sign-in`;
export const SIGN_OUT_PATH = `${DASHBOARD_PATH}/sign-out`;
export const OAUTH_CALLBACK_PATH = `${DASHBOARD_PATH}/auth/callback`;
export const STYLESHEET_PATH = `${DASHBOARD_PATH}/assets/dashboard.css`;

export function leadPagePath(leadId: string): string {
  return `${DASHBOARD_PATH}/leads/${encodeURIComponent(leadId)}`;
}

export function invoicePagePath(month: CalendarMonth, download?: "csv" | "eml"): string {
  return `${INVOICES_PATH}/${month}${download ? `.${download}` : ""}`;
}
