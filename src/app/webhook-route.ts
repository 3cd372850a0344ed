import { createNodeMiddleware, Webhooks } from "@octokit/webhooks";
import type { IncomingMessage, ServerResponse } from "node:http";

/** GitHub's default webhook path, which Probot uses too. */
export const DEFAULT_WEBHOOK_PATH = "/api/github/webhooks";

/** One verified delivery: GitHub's delivery id and the parsed payload, not yet validated. */
export interface VerifiedDelivery {
  id: string;
  payload: unknown;
}

/** What the app does with a verified delivery of each event it subscribes to. */
export interface WebhookReceivers {
  events: readonly string[];
  receive(name: string, delivery: VerifiedDelivery): Promise<void>;
}

export type WebhookRoute = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * The app's own receiver on the webhook path, ahead of Probot's (handlers a Probot app adds come
 * first in `createNodeMiddleware`, which the app's server uses).
 *
 * Why: Probot turns every delivery into a `Context` with an Octokit of its own (about 100 µs of
 * CPU) before a handler runs. The app's handlers use none of it: they validate the payload,
 * record the delivery and queue the lead's work, which runs later on the installation clients
 * `GitHubAccess` keeps. This hands them the verified payload alone.
 *
 * It is the library Probot receives with (@octokit/webhooks), so the checks and answers are the
 * same: the signature (`x-hub-signature-256`), the content type, the required headers, the JSON,
 * a 2xx only once the handler is done, an error's `status` as the answer's status.
 */
export function createWebhookRoute(input: {
  secret: string;
  path: string;
  receivers: WebhookReceivers;
  log: { debug(m: string): void; info(m: string): void; warn(m: string): void; error(m: unknown): void };
}): WebhookRoute {
  const webhooks = new Webhooks({ secret: input.secret });
  for (const name of input.receivers.events) {
    webhooks.on(name as never, (event: { id: string; name: string; payload: unknown }) =>
      input.receivers.receive(name, { id: event.id, payload: event.payload }),
    );
  }
  const middleware = createNodeMiddleware(webhooks, {
    path: input.path,
    log: {
      debug: (m: string) => input.log.debug(m),
      info: (m: string) => input.log.info(m),
      warn: (m: string) => input.log.warn(m),
      error: (e: unknown) => input.log.error(describeReceiveError(e)),
    },
  });
  return (req, res) => middleware(req, res);
}

/** One line for the log: the receiver hands over an AggregateError of the handlers' errors. */
function describeReceiveError(error: unknown): string {
  const inner = error instanceof AggregateError && error.errors.length > 0 ? error.errors : [error];
  return `webhook: ${inner.map((e) => (e instanceof Error ? e.message : String(e))).join("; ")}`;
}
