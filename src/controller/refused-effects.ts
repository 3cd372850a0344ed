import { GitHubApiError } from "../github/github-api-error.js";
import { renderCommentMarker } from "../github/issue-marker.js";
import type { FailedEffect } from "../store/lead-store.js";
import { describeAction, type LeadAction } from "./lead-action.js";
import type { LeadObservation } from "./lead-observation.js";
import type { ReconcileDeps } from "./reconcile-deps.js";

/**
 * Effects GitHub refuses for good (a 4xx that is no rate limit: 422 "Sub issue may only
 * have one parent", 404 project not found, 403 missing permission) must not wedge a lead:
 * retrying the whole reconcile forever would stop every later step (the deployment request,
 * the board, Active Hubs, the status change). Such an effect is recorded, told once on the
 * lead issue and in the dashboard, and skipped; the rest of the plan goes on. It is tried
 * again on the first reconcile of a later day, and forgotten once it succeeds.
 */

/** One name per effect of a lead, stable across runs (the plan's action, without its payload). */
export function effectKey(action: LeadAction): string {
  switch (action.type) {
    case "create-issue":
    case "update-issue":
    case "add-labels":
    case "remove-label":
      return `${action.type}:${action.role}`;
    case "link-sub-issue":
      return `${action.type}:${action.child}`;
    case "post-comment-once":
      return `${action.type}:${action.on}:${action.key}`;
    case "update-hub":
      return `${action.type}:${action.id}`;
    default:
      return action.type;
  }
}

/** Retryable errors (5xx, 429, secondary limits, timeouts) stay with the queue's backoff. */
export function isRefusedForGood(error: unknown): error is GitHubApiError {
  return error instanceof GitHubApiError && !error.retryable;
}

/** How to fix a refusal, from what GitHub answered. */
export function fixFor(action: LeadAction, error: GitHubApiError): string {
  if (action.type === "link-sub-issue") {
    return "remove the issue's other parent (or link it by hand), or check that both issues belong to the same owner; the link is optional, everything else went on";
  }
  if (action.type === "add-to-backlog" || action.type === "set-backlog-status") {
    return 'check backlog.org, backlog.project and backlog.status_field in .github/hub-sales.yml, and that the app has "organization_projects: write" and is installed on the organization';
  }
  if (error.status === 403) return "grant the app the missing permission in its settings and accept it on the installation";
  if (error.status === 404 || error.status === 410) return "check that the repository or issue exists and that the app is installed on it";
  return "see GitHub's answer above; the app tries again on its first reconcile of a later day";
}

function refusalComment(leadId: string, effect: FailedEffect): string {
  return [
    renderCommentMarker({ lead: leadId, comment: `refused:${effect.effect}` }),
    `⚠️ hub-sales-bot could not **${effect.what}**: GitHub refused it, and retrying will not help. Everything else for this lead went on.`,
    "",
    `> ${effect.why.replace(/\n/g, " ")}`,
    "",
    `**How to fix:** ${effect.fix}.`,
  ].join("\n");
}

export class RefusedEffects {
  readonly #skip = new Set<string>();
  readonly #known: Map<string, FailedEffect>;

  private constructor(
    private readonly deps: ReconcileDeps,
    private readonly leadId: string,
    known: FailedEffect[],
  ) {
    this.#known = new Map(known.map((f) => [f.effect, f]));
    const today = deps.today();
    // Refused today already: not asked again before a later day.
    for (const f of known) if (f.lastFailedAt.slice(0, 10) === today) this.#skip.add(f.effect);
  }

  static async load(deps: ReconcileDeps, leadId: string): Promise<RefusedEffects> {
    return new RefusedEffects(deps, leadId, await deps.store.listFailedEffects(leadId));
  }

  skips(action: LeadAction): boolean {
    return this.#skip.has(effectKey(action));
  }

  async refused(action: LeadAction, error: GitHubApiError): Promise<void> {
    const effect = effectKey(action);
    this.#skip.add(effect);
    const record = {
      leadId: this.leadId,
      effect,
      what: describeAction(action),
      why: error.message,
      fix: fixFor(action, error),
      status: error.status,
    };
    await this.deps.store.recordFailedEffect({ ...record, at: this.deps.now() });
    const previous = this.#known.get(effect);
    const at = this.deps.now().toISOString();
    this.#known.set(effect, { ...record, firstFailedAt: previous?.firstFailedAt ?? at, lastFailedAt: at, reported: previous?.reported ?? false });
    this.deps.log.warn(`lead ${this.leadId}: GitHub refused "${record.what}" for good (${error.message}); going on without it`);
  }

  async succeeded(action: LeadAction): Promise<void> {
    const effect = effectKey(action);
    if (!this.#known.has(effect)) return;
    this.#known.delete(effect);
    await this.deps.store.clearFailedEffect(this.leadId, effect);
  }

  /** Tells each refusal not yet told on the lead issue, once: found by its marker before one is written. */
  async reportPending(observed: LeadObservation): Promise<void> {
    const issue = observed.leadIssue;
    if (!issue) return;
    const pending = [...this.#known.values()].filter((f) => !f.reported);
    if (pending.length === 0) return;
    const { gateway, appLogin } = this.deps;
    const comments = await gateway.listComments(issue.repo, issue.number);
    for (const effect of pending) {
      const key = `refused:${effect.effect}`;
      const told = comments.some((c) => c.author.toLowerCase() === appLogin.toLowerCase() && c.marker?.lead === this.leadId && c.marker.comment === key);
      if (!told) await gateway.createComment(issue.repo, issue.number, refusalComment(this.leadId, effect), { retry: false });
      await this.deps.store.markFailedEffectReported(this.leadId, effect.effect);
      effect.reported = true;
    }
  }
}
