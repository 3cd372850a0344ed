import type { Hub, Lead } from "../domain/records.js";
import { repoFullName, type RepoRef } from "../github/github-gateway.js";
import type { CommandDefinition, CommandResult } from "./command-definition.js";
import type { CommandAuthGateway, CommandDeps, Commenter } from "./command-deps.js";
import { describeArgumentIssues } from "./command-arguments.js";
import { COMMAND_REGISTRY, closestCommandName } from "./command-registry.js";
import { parseCommands, type ParsedCommand } from "./parse-commands.js";
import { fitGitHubBody } from "../github/markdown-text.js";

/**
 * More commands than one reply can answer within GitHub's 65,536 characters (`/help` alone
 * is a few thousand): such a comment is refused whole, before anything acts.
 */
export const MAX_COMMANDS_PER_COMMENT = 20;
/** After one refusal, an unauthorised person's further commands on that issue get no reply for this long. */
export const REFUSAL_QUIET_MS = 60 * 60_000;
import { checkCommandTeam } from "./command-team.js";

export interface CommentCommandsOutcome {
  /** Reaction to put on the comment; null for none. */
  reaction: "+1" | "confused" | null;
  /** The one reply to post, collecting every command's result; null for none. */
  reply: string | null;
}

/** Marker kinds whose `lead` is a lead id (an invoice issue's is not). */
const LEAD_ISSUE_KINDS = new Set(["lead", "request-information", "deployment"]);

interface ValidCommand {
  parsed: ParsedCommand;
  definition: CommandDefinition;
  args: unknown;
  leadId: string | null;
}

export function isBot(commenter: Commenter): boolean {
  return commenter.type === "Bot" || commenter.login.toLowerCase().endsWith("[bot]");
}

/**
 * Runs the commands of a newly created comment (SPEC §5). Returns null when the comment
 * holds no command: an ordinary comment costs no API call and no store read.
 *
 * Every command is validated (name, arguments, target lead, transitions, chained through
 * the comment's earlier commands) before the first write: a comment with an error changes
 * nothing. Failures of GitHub or the store while validating are thrown, so the caller may
 * retry; nothing has been written then.
 */
export async function runCommentCommands(input: {
  body: string;
  deps: CommandDeps;
  gateway: CommandAuthGateway;
  registry?: ReadonlyMap<string, CommandDefinition>;
}): Promise<CommentCommandsOutcome | null> {
  const { body, deps, gateway } = input;
  const registry = input.registry ?? COMMAND_REGISTRY;
  const parsed = parseCommands(body);
  if (parsed.length === 0) return null;
  // Bots, the app itself included, are never obeyed and never answered (no reply loops).
  if (isBot(deps.commenter)) return { reaction: null, reply: null };

  const denied = await checkAuthorization({ deps, gateway });
  if (denied !== null) {
    // A burst of commands from an outsider gets one refusal, not one per comment.
    return (await claimRefusal(deps)) ? { reaction: "confused", reply: denied } : { reaction: null, reply: null };
  }

  if (parsed.length > MAX_COMMANDS_PER_COMMENT) {
    return {
      reaction: "confused",
      reply: `Nothing was changed: this comment holds ${parsed.length} commands, and one comment may hold at most ${MAX_COMMANDS_PER_COMMENT} (their answers must fit in one reply). Split them over several comments.`,
    };
  }

  const validation = await validateCommands({ parsed, deps, registry });
  if (!validation.ok) {
    return {
      reaction: "confused",
      reply: [
        `Nothing was changed: ${validation.problems.length === 1 ? "a command has a problem" : "some commands have problems"}. Fix and comment again (\`/help\` lists the commands).`,
        "",
        ...validation.problems.map(({ parsed: p, problems }) => `- line ${p.line} \`${inlineCode(p.raw)}\`: ${problems.join("; ")}`),
      ].join("\n"),
    };
  }

  const commands = [...registry.values()];
  const onPublicRepo = !sameRepo(deps.issue.repo, deps.salesRepo);
  const results: { parsed: ParsedCommand; result: CommandResult | null }[] = [];
  let failed = false;
  for (const command of validation.commands) {
    if (failed) {
      results.push({ parsed: command.parsed, result: null });
      continue;
    }
    let result: CommandResult;
    try {
      const lead = command.leadId === null ? null : await deps.store.getLead(command.leadId);
      result =
        command.leadId !== null && lead === null
          ? { ok: false, error: "the lead is no longer in the store" }
          : await command.definition.handler({ args: command.args, lead, deps, commands });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      // The hub repo is public: an API error names URLs, ids and response bodies of the
      // sales side. The reply says what failed in words; the details go to the lead issue.
      result = onPublicRepo
        ? { ok: false, error: await reportPrivately({ deps, leadId: command.leadId, command: command.parsed, detail }) }
        : { ok: false, error: detail };
    }
    if (!result.ok) failed = true;
    results.push({ parsed: command.parsed, result });
  }
  return { reaction: failed ? "confused" : "+1", reply: fitGitHubBody(renderResults(results)) };
}

/** True the first time in `REFUSAL_QUIET_MS` that this person is refused on this issue. */
async function claimRefusal(deps: CommandDeps): Promise<boolean> {
  const key = `command-refusal:${repoFullName(deps.issue.repo).toLowerCase()}#${deps.issue.number}:${deps.commenter.login.toLowerCase()}`;
  const now = (deps.now ?? (() => new Date()))();
  if (await deps.store.claimState(key, { at: now.toISOString() })) return true;
  const previous = await deps.store.getState<{ at?: string }>(key);
  const at = Date.parse(previous?.at ?? "");
  if (Number.isFinite(at) && now.getTime() - at < REFUSAL_QUIET_MS) return false;
  // The quiet period is over: the first comment to re-claim the key answers.
  await deps.store.deleteState(key);
  return deps.store.claimState(key, { at: now.toISOString() });
}

/** Puts a failure's details on the lead issue (sales repo) and returns what the public reply may say. */
async function reportPrivately(input: { deps: CommandDeps; leadId: string | null; command: ParsedCommand; detail: string }): Promise<string> {
  const { deps, leadId, command, detail } = input;
  const generic = `\`/${command.name}\` could not be completed because of an error in the app or in GitHub; nothing more was done.`;
  const reported =
    leadId !== null && deps.reportFailure !== undefined
      ? await deps
          .reportFailure(leadId, `\`/${command.name}\` by @${deps.commenter.login} on ${repoFullName(deps.issue.repo)}#${deps.issue.number} failed: ${detail}`)
          .catch(() => false)
      : false;
  return reported ? `${generic} The team can read the details on this lead's issue in the sales repo.` : `${generic} The team can find the details in the app's log.`;
}

async function checkAuthorization(input: { deps: CommandDeps; gateway: CommandAuthGateway }): Promise<string | null> {
  const { deps, gateway } = input;
  const { login } = deps.commenter;
  const { allowed, who } = await checkCommandTeam({ gateway, team: deps.config.commands.team, repo: deps.issue.repo, login });
  return allowed ? null : `@${login}, only ${who} may run hub-sales commands; nothing was changed.`;
}

type Validation =
  | { ok: true; commands: ValidCommand[] }
  | { ok: false; problems: { parsed: ParsedCommand; problems: string[] }[] };

async function validateCommands(input: {
  parsed: readonly ParsedCommand[];
  deps: CommandDeps;
  registry: ReadonlyMap<string, CommandDefinition>;
}): Promise<Validation> {
  const { parsed, deps, registry } = input;
  const onSalesRepo = sameRepo(deps.issue.repo, deps.salesRepo);
  // The state each command will meet: the store as read, changed by the plans of the commands before it.
  const plannedLeads = new Map<string, Lead>();
  let plannedHubs: readonly Hub[] | null = null;
  const valid: ValidCommand[] = [];
  const invalid: { parsed: ParsedCommand; problems: string[] }[] = [];

  for (const command of parsed) {
    const problems: string[] = [];
    const definition = registry.get(command.name);
    if (definition === undefined) {
      const valid = [...registry.keys()].map((n) => `\`/${n}\``).join(", ");
      invalid.push({
        parsed: command,
        problems: [`unknown command \`/${command.name}\`; did you mean \`/${closestCommandName(command.name)}\`? Valid commands: ${valid}`],
      });
      continue;
    }
    if (command.error !== undefined) problems.push(command.error);
    if (definition.where === "sales-repo" && !onSalesRepo) {
      problems.push(
        `\`/${definition.name}\` works only on issues of the sales repo (${repoFullName(deps.salesRepo)}), which is private: its answer holds sensitive details`,
      );
    }
    const schema = definition.arguments({ config: deps.config, today: deps.today });
    const checked = command.error === undefined ? schema.safeParse({ args: command.args, positionals: command.positionals }) : null;
    if (checked && !checked.success) problems.push(...describeArgumentIssues(checked.error));

    let lead: Lead | null = null;
    if (definition.target === "lead") {
      const resolved = await resolveLead({ command, deps, onSalesRepo, plannedLeads });
      if (typeof resolved === "string") problems.push(resolved);
      else lead = resolved;
    }
    if (problems.length > 0 || !checked?.success) {
      invalid.push({ parsed: command, problems });
      continue;
    }
    if (lead !== null && definition.plan !== undefined) {
      plannedHubs ??= await deps.store.listHubs();
      const plan = definition.plan({ args: checked.data, lead, hubs: plannedHubs, config: deps.config, today: deps.today });
      if (!plan.ok) {
        invalid.push({ parsed: command, problems: [plan.error] });
        continue;
      }
      plannedLeads.set(plan.lead.id, plan.lead);
      plannedHubs = plan.hubs;
    }
    valid.push({ parsed: command, definition, args: checked.data, leadId: lead?.id ?? null });
  }
  return invalid.length > 0 ? { ok: false, problems: invalid } : { ok: true, commands: valid };
}

/** The command's lead: named by `lead=` (sales repo only), else the issue's marker. */
async function resolveLead(input: {
  command: ParsedCommand;
  deps: CommandDeps;
  onSalesRepo: boolean;
  plannedLeads: Map<string, Lead>;
}): Promise<Lead | string> {
  const { command, deps, onSalesRepo, plannedLeads } = input;
  const named = command.args.lead?.trim();
  let lead: Lead | null;
  if (named !== undefined && named !== "") {
    if (!onSalesRepo) return `\`lead=\` may only be used in the sales repo (${repoFullName(deps.salesRepo)})`;
    lead = (await deps.store.getLead(named)) ?? (await deps.store.findLeadByName(named));
    if (lead === null) return `no lead is named "${named}" or has that id`;
  } else {
    const marker = deps.issue.marker;
    if (marker === null || !LEAD_ISSUE_KINDS.has(marker.kind)) {
      return 'this issue is not one of the app\'s lead issues: name the lead with `lead="<Name or id>"`';
    }
    lead = await deps.store.getLead(marker.lead);
    if (lead === null) return "the lead of this issue is no longer in the store";
  }
  return plannedLeads.get(lead.id) ?? lead;
}

function sameRepo(a: RepoRef, b: RepoRef): boolean {
  return a.owner.toLowerCase() === b.owner.toLowerCase() && a.repo.toLowerCase() === b.repo.toLowerCase();
}

function renderResults(results: readonly { parsed: ParsedCommand; result: CommandResult | null }[]): string {
  if (results.length === 1) {
    const { result } = results[0]!;
    return result!.ok ? result!.summary : `Failed: ${result!.error}`;
  }
  return results
    .map(({ parsed, result }) => {
      const heading = `**\`${inlineCode(parsed.raw)}\`**`;
      if (result === null) return `${heading}\nNot run: an earlier command failed.`;
      return `${heading}\n${result.ok ? result.summary : `Failed: ${result.error}`}`;
    })
    .join("\n\n");
}

/** Text safe inside a single-backtick code span. */
function inlineCode(text: string): string {
  return text.replace(/`/g, "'");
}
