import type { IncomingMessage, ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { HubSalesRuntime } from "./hub-sales-runtime.js";
import { AIRTABLE_WEBHOOK_PATH } from "../airtable/airtable-change-feed.js";
import { handleAirtableNotificationRequest } from "../airtable/airtable-notification-route.js";
import { checkHealth } from "./check-health.js";

export const HEALTH_PATH = "/hub-sales/health";
export const DASHBOARD_PATH = "/hub-sales/dashboard";
export const METRICS_PATH = "/metrics";

function sendJson(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(`${JSON.stringify(body, null, 2)}\n`);
  return true;
}

function tokenMatches(req: IncomingMessage, expected: string): boolean {
  const header = req.headers.authorization ?? "";
  const given = Buffer.from(header.replace(/^Bearer\s+/i, ""));
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/**
 * Extra routes on Probot's server (added with `addHandler`; Probot 14 has no router):
 * a health check, a dashboard of queued and failing work behind `DASHBOARD_TOKEN`, Prometheus
 * metrics (behind `HUB_SALES_METRICS_TOKEN` when set) and AirTable's change notifications
 * (SPEC §7, §8, §9).
 * Returns false for every other path so Probot's own handlers answer it.
 */
export function createHttpRoutes(runtime: HubSalesRuntime) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? "").split("?")[0];
    if (path === HEALTH_PATH && req.method === "GET") {
      const report = await checkHealth({ store: runtime.store, activity: runtime.queueActivity, now: runtime.now });
      return sendJson(res, report.status, report.body);
    }
    if (path === METRICS_PATH && req.method === "GET") {
      const token = runtime.environment.metricsToken;
      if (token && !tokenMatches(req, token)) return sendJson(res, 401, { error: "send Authorization: Bearer <HUB_SALES_METRICS_TOKEN>" });
      const { contentType, text } = await runtime.metrics.render();
      res.writeHead(200, { "content-type": contentType });
      res.end(text);
      return true;
    }
    if (path === DASHBOARD_PATH && req.method === "GET") {
      const token = runtime.environment.dashboardToken;
      if (!token) return sendJson(res, 404, { error: "the dashboard is off: set DASHBOARD_TOKEN to turn it on" });
      if (!tokenMatches(req, token)) return sendJson(res, 401, { error: "send Authorization: Bearer <DASHBOARD_TOKEN>" });
      const [work, refused] = await Promise.all([runtime.store.listWork(), runtime.store.listFailedEffects()]);
      return sendJson(res, 200, {
        queued: work.map((w) => ({
          key: w.key,
          reason: w.reason,
          attempts: w.attempts,
          notBefore: w.notBefore,
          lastError: w.lastError,
          leaseOwner: w.leaseOwner,
          leaseExpiresAt: w.leaseExpiresAt,
        })),
        failing: work.filter((w) => w.lastError !== null).length,
        // Effects GitHub refused for good: what was tried, why it was refused, how to fix it.
        failedEffects: refused.map((f) => ({
          leadId: f.leadId,
          effect: f.effect,
          what: f.what,
          why: f.why,
          fix: f.fix,
          status: f.status,
          firstFailedAt: f.firstFailedAt,
          lastFailedAt: f.lastFailedAt,
          reportedOnLeadIssue: f.reported,
        })),
      });
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
    return false;
  };
}
