import { z } from "zod";

/**
 * The fields of the `issues` and `issue_comment` payloads the app reads, validated at the
 * edge: a signed delivery of another shape is answered 400 with one line saying what is
 * wrong, instead of failing deep inside with a `TypeError`. Strict about those fields and
 * blind to the rest: the output holds only them (a real payload's ~150 other fields are not
 * copied, which made validation cost ten times as much).
 */
const user = z.object({ login: z.string().min(1), type: z.string().optional() });
const repository = z.object({ name: z.string().min(1), owner: z.object({ login: z.string().min(1) }) });
const installation = z.object({ id: z.number().int().positive() }).optional();
const issue = z.object({
  number: z.number().int().positive(),
  body: z.string().nullable(),
  user: user.nullable(),
  html_url: z.string().min(1),
});

export const issuesPayloadSchema = z.object({
  action: z.string().min(1),
  repository,
  issue,
  label: z.object({ name: z.string() }).optional(),
  sender: user,
  installation,
});

export const issueCommentPayloadSchema = z.object({
  action: z.literal("created"),
  repository,
  issue,
  comment: z.object({ id: z.number().int().positive(), body: z.string() }),
  sender: user,
  installation,
});

/** An error the webhook middleware answers with its `status`. */
export class WebhookPayloadError extends Error {
  override readonly name = "WebhookPayloadError";
  readonly status = 400;
}

export function parseWebhookPayload<T>(event: string, schema: z.ZodType<T>, payload: unknown): T {
  const parsed = schema.safeParse(payload);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "payload"}: ${i.message}`);
  throw new WebhookPayloadError(`${event} payload is not of the shape GitHub sends: ${problems.slice(0, 3).join("; ")}`);
}
