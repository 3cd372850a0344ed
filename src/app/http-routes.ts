import type { IncomingMessage, ServerResponse } from "node:http";
import type { HubSalesRuntime } from "./hub-sales-runtime.js";
import { AIRTABLE_WEBHOOK_PATH } from "../airtable/airtable-change-feed.js";
import { handleAirtableNotificationRequest } from "../airtable/airtable-notification-route.js";
import { createDashboardRoutes } from "../dashboard/dashboard-routes.js";
import { bearerTokenMatches } from "../dashboard/dashboard-session.js";
import { checkHealth } from "./check-health.js";

export const HEALTH_PATH = "/hub-sales/health";
export const METRICS_PATH = "/metrics";
/** The health check, the dashboard and AirTable's notifications all live under it. */
const APP_PATH_PREFIX = "/hub-sales";
export { DASHBOARD_PATH } from "../dashboard/dashboard-paths.js";

function sendJson(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(`${JSON.stringify(body, null, 2)}\n`);
  return true;
}

/**
 * Extra routes on Probot's server (added with `addHandler`; Probot 14 has no router):
 * a health check, the dashboard (src/dashboard: sign-in with GitHub or `DASHBOARD_TOKEN`),
 * Prometheus metrics (behind `HUB_SALES_METRICS_TOKEN` when set) and AirTable's change
 * notifications (SPEC §7, §8, §9).
 * Returns false for every other path so Probot's own handlers answer it.
 */
export function createHttpRoutes(runtime: HubSalesRuntime) {
  const dashboard = createDashboardRoutes(runtime);
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (path === HEALTH_PATH && req.method === "GET") {
      const report = await checkHealth({ store: runtime.store, activity: runtime.queueActivity, now: runtime.now });
      return sendJson(res, report.status, report.body);
    }
    if (path === METRICS_PATH && req.method === "GET") {
      const token = runtime.environment.metricsToken;
      if (token && !bearerTokenMatches(req.headers.authorization, token)) return sendJson(res, 401, { error: "send Authorization: Bearer <HUB_SALES_METRICS_TOKEN>" });
      const { contentType, text } = await runtime.metrics.render();
      res.writeHead(200, { "content-type": contentType });
      res.end(text);
      return true;
    }
    if (path === AIRTABLE_WEBHOOK_PATH && req.method === "POST") {
      return handleAirtableNotificationRequest({
        req,
        res,
        store: runtime.store,
        enqueue: (leadId, reason) => runtime.enqueueTableChange(leadId, reason),
        log: runtime.log,
      });
    }
    // Every webhook passes through here: only the app's own prefix is worth parsing as a URL.
    if (!path.startsWith(`${APP_PATH_PREFIX}/`)) return false;
    return dashboard(req, res);
  };
}
