import { escapeMarkdown } from "../github/markdown-text.js";
import { SERVICE_SETUP_STATUSES } from "../pipeline/lead-status.js";
import { keyValueArguments, leadArgument } from "./command-arguments.js";
import { TEAM_ONLY, type CommandDefinition, type PlanInput, type PlanResult } from "./command-definition.js";

export interface RequestDeploymentArgs {
  lead?: string | undefined;
}

const requestDeploymentArguments = keyValueArguments("request-deployment", { lead: leadArgument });

function planRequestDeployment({ lead, hubs }: PlanInput<RequestDeploymentArgs>): PlanResult {
  if (!SERVICE_SETUP_STATUSES.includes(lead.status)) {
    return {
      ok: false,
      error: `**${escapeMarkdown(lead.name)}** is ${lead.status}: a deployment is requested once the service is confirmed (\`/confirm-service\`, status Needs Admin)`,
    };
  }
  return { ok: true, lead, hubs };
}

export const requestDeploymentCommand: CommandDefinition<RequestDeploymentArgs> = {
  name: "request-deployment",
  usage: "/request-deployment",
  description: "Opens the deployment request in the hub repo (or points to the one already open) and adds it to the engineering backlog.",
  examples: ["/request-deployment", '/request-deployment lead="Example University"'],
  whoMayRun: TEAM_ONLY,
  where: "any-repo",
  target: "lead",
  arguments: () => requestDeploymentArguments,
  plan: planRequestDeployment,
  async handler({ args, lead, deps }) {
    if (lead === null) return { ok: false, error: "`/request-deployment` needs a lead" };
    const planned = planRequestDeployment({ args, lead, hubs: [], config: deps.config, today: deps.today });
    if (!planned.ok) return planned;
    // The controller adopts an existing deployment issue, so asking twice opens nothing twice.
    const { url } = await deps.openDeploymentRequest(lead);
    await deps.requestReconcile(lead.id, `/request-deployment by @${deps.commenter.login}`);
    return { ok: true, summary: `Deployment request for ${escapeMarkdown(lead.name)}: ${url}`, changedLeadIds: [lead.id] };
  },
};
