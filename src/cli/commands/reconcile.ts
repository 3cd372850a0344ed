import { z } from "zod";
import { HubSalesRuntime } from "../../app/hub-sales-runtime.js";
import { parseRepoRef } from "../../github/github-gateway.js";
import { createCliGitHub, missingCredentials, type CliGitHub } from "../cli-github.js";
import { textArg } from "../cli-args.js";
import { CliError, EXIT_FAILURE, EXIT_OK, type CliCommand, type CliContext } from "../cli-command.js";
import { ProgressLine, requestMeter } from "../progress-line.js";
import type { LeadStore } from "../../store/lead-store.js";

const args = z.object({ lead: textArg.optional(), plan: z.boolean().default(false) });

export const reconcileCommand: CliCommand<z.output<typeof args>> = {
  name: "reconcile",
  description: "One full reconcile pass against GitHub (for an external scheduler), or one lead's",
  details: [
    "Uses the app's credentials from the environment, as the server does: APP_ID, PRIVATE_KEY",
    "(or PRIVATE_KEY_PATH), HUB_SALES_REPO, and GHE_HOST/GHE_PROTOCOL for GitHub Enterprise or a",
    "stand-in. Without --lead it queues every lead the daily pass covers (open statuses, and",
    "inactive leads whose issue may still need closing) plus any work already queued, and works",
    "until nothing is due. Work that keeps failing stays queued for the next run. --plan prints",
    "what one lead's reconcile would do and changes nothing. Exit 1 when any lead failed.",
  ].join("\n"),
  positionals: [],
  options: {
    lead: { type: "string", valueName: "lead", description: "only this lead (id or Name)" },
    plan: { type: "boolean", description: "with --lead: print the planned actions, change nothing" },
  },
  examples: ["reconcile", 'reconcile --lead "Example University" --plan'],
  args,
  async run({ lead: leadRef, plan }, ctx) {
    if (plan && !leadRef) throw new CliError("--plan needs --lead <lead>", 2);
    const env = ctx.io.env;
    if (missingCredentials(env)) throw new CliError(`reconcile needs the app's credentials: ${missingCredentials(env)} (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, HUB_SALES_REPO)`);
    let hubRepo: ReturnType<typeof parseRepoRef> | null = null;
    let github: CliGitHub;
    try {
      github = createCliGitHub(env, () => (hubRepo ? [hubRepo] : []));
    } catch (error) {
      throw new CliError(error instanceof Error ? error.message : String(error));
    }
    const { environment, access } = github;
    const store = await ctx.store();
    const runtime = new HubSalesRuntime({
      environment: { ...environment, timers: false },
      store,
      access,
      now: ctx.io.now,
      log: {
        info: () => undefined,
        debug: () => undefined,
        warn: (m) => ctx.err(`warning: ${m}`),
        error: (m) => ctx.err(`error: ${m}`),
      },
      onAction: ({ leadId, description }) => ctx.out(`${leadId}: ${description}`),
    });
    hubRepo = parseRepoRef((await runtime.config()).hub_repo);

    if (leadRef) {
      const lead = (await store.getLead(leadRef)) ?? (await store.findLeadByName(leadRef));
      if (!lead) throw new CliError(`no lead with id or name "${leadRef}"; see \`hub-sales leads list\``);
      const result = await runtime.reconcileNow(lead.id, { dryRun: plan });
      if (plan) {
        ctx.out(result.actions.length === 0 ? `${lead.name}: nothing to do` : `${lead.name} would:`);
        for (const action of result.actions) ctx.out(`  - ${action}`);
      } else if (result.actions.length === 0) {
        ctx.out(`${lead.name}: up to date`);
      }
      return EXIT_OK;
    }

    const queued = await runtime.enqueueAll("daily");
    await drainWithProgress(runtime, store, ctx);
    // The server's daily upkeep, for deployments where the scheduler runs the passes (HUB_SALES_TIMERS=off).
    await runtime.pruneDeliveries();
    const failing = (await store.listWork()).filter((w) => w.lastError !== null);
    ctx.out(`reconciled ${queued} leads; ${failing.length} failing`);
    for (const item of failing) ctx.err(`  ${item.key}: ${item.lastError} (attempt ${item.attempts}; stays queued)`);
    return failing.length > 0 ? EXIT_FAILURE : EXIT_OK;
  },
};

/** Works the queue until nothing is due, with a progress line of the lead keys left (also those queued before, say by an import). */
async function drainWithProgress(runtime: HubSalesRuntime, store: LeadStore, ctx: CliContext): Promise<void> {
  const leadKeysLeft = async () => (await store.listWork()).filter((w) => w.key.startsWith("lead:")).length;
  const total = await leadKeysLeft();
  const progress = new ProgressLine({ io: ctx.io, label: "reconcile", unit: "leads", total, ...requestMeter(store) });
  const timer = progress.enabled ? setInterval(() => void leadKeysLeft().then((left) => progress.update(total - left)), 250) : null;
  try {
    await runtime.queue.drain();
  } finally {
    if (timer) clearInterval(timer);
  }
  progress.finish(total - (await leadKeysLeft()));
}
