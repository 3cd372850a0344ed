import type { Lead } from "../domain/records.js";
import type { FailedEffect, WorkItem } from "../store/lead-store.js";
import { leadPagePath } from "./dashboard-paths.js";

export interface WorkRow {
  key: string;
  /** The lead the work is about, when it names one the store knows. */
  lead: { id: string; name: string; href: string } | null;
  reason: string;
  attempts: number;
  /** ISO time of the next try; `due` when it is now or past. */
  notBefore: string;
  due: boolean;
  lastError: string | null;
}

export interface WorkPage {
  failing: WorkRow[];
  queued: WorkRow[];
  /** Effects GitHub refused for good, newest first: skipped until a person fixes the cause. */
  refused: { leadId: string; lead: { name: string; href: string } | null; effect: string; what: string; why: string; fix: string; since: string; last: string }[];
}

/** The work page's data: pure. Failing items first (most attempts first), then the rest as the queue runs them. */
export function buildWorkPage(input: { work: readonly WorkItem[]; leads: readonly Lead[]; failedEffects: readonly FailedEffect[]; now: Date }): WorkPage {
  const byId = new Map(input.leads.map((l) => [l.id, l]));
  const rows = input.work.map((w): WorkRow => {
    const lead = w.key.startsWith("lead:") ? byId.get(w.key.slice("lead:".length)) : undefined;
    return {
      key: w.key,
      lead: lead ? { id: lead.id, name: lead.name, href: leadPagePath(lead.id) } : null,
      reason: w.reason,
      attempts: w.attempts,
      notBefore: w.notBefore,
      due: Date.parse(w.notBefore) <= input.now.getTime(),
      lastError: w.lastError,
    };
  });
  return {
    failing: rows.filter((r) => r.lastError !== null).sort((a, b) => b.attempts - a.attempts || a.notBefore.localeCompare(b.notBefore)),
    queued: rows.filter((r) => r.lastError === null),
    refused: [...input.failedEffects]
      .sort((a, b) => b.lastFailedAt.localeCompare(a.lastFailedAt))
      .map((f) => {
        const lead = byId.get(f.leadId);
        return {
          leadId: f.leadId,
          lead: lead ? { name: lead.name, href: leadPagePath(lead.id) } : null,
          effect: f.effect,
          what: f.what,
          why: f.why,
          fix: f.fix,
          since: f.firstFailedAt,
          last: f.lastFailedAt,
        };
      }),
  };
}
