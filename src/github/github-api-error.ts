import { z } from "zod";

/**
 * A failed GitHub API call, in terms the controller's work queue can act on: `retryable`
 * says whether trying again later (with backoff) can help. Octokit's own error types stay
 * inside the adapter.
 */
export class GitHubApiError extends Error {
  override readonly name = "GitHubApiError";
  /** HTTP status, or null when no response arrived (network error) or for GraphQL errors. */
  readonly status: number | null;
  readonly method: string;
  readonly url: string;
  readonly retryable: boolean;
  /** Seconds GitHub asked us to wait (`retry-after`), when it said so. */
  readonly retryAfterSeconds: number | null;

  constructor(input: {
    message: string;
    status: number | null;
    method: string;
    url: string;
    retryable: boolean;
    retryAfterSeconds?: number | null;
    cause?: unknown;
  }) {
    super(input.message, input.cause === undefined ? undefined : { cause: input.cause });
    this.status = input.status;
    this.method = input.method;
    this.url = input.url;
    this.retryable = input.retryable;
    this.retryAfterSeconds = input.retryAfterSeconds ?? null;
  }
}

/** The parts of Octokit's `RequestError` we read; duck-typed so no Octokit type leaks in. */
const requestErrorShape = z.looseObject({
  status: z.number(),
  message: z.string(),
  request: z.looseObject({ method: z.string(), url: z.string() }),
  response: z
    .looseObject({
      headers: z.record(z.string(), z.unknown()).optional(),
      data: z.unknown().optional(),
    })
    .optional(),
});

export type RequestErrorLike = z.infer<typeof requestErrorShape>;

export function readRequestError(error: unknown): RequestErrorLike | null {
  const parsed = requestErrorShape.safeParse(error);
  return parsed.success ? parsed.data : null;
}

export function statusOf(error: unknown): number | null {
  return readRequestError(error)?.status ?? null;
}

function headerValue(headers: Record<string, unknown> | undefined, name: string): string | null {
  const value = headers?.[name];
  return typeof value === "string" || typeof value === "number" ? String(value) : null;
}

/**
 * Secondary rate limits come as 403 or 429 with a message naming them and usually a
 * `retry-after`; primary limits as 403/429 with `x-ratelimit-remaining: 0`.
 */
export function isRateLimited(error: RequestErrorLike): boolean {
  if (error.status !== 403 && error.status !== 429) return false;
  const headers = error.response?.headers;
  return (
    error.status === 429 ||
    /\bsecondary rate\b|\brate limit\b/i.test(error.message) ||
    headerValue(headers, "retry-after") !== null ||
    headerValue(headers, "x-ratelimit-remaining") === "0"
  );
}

/**
 * Wraps whatever a call threw. `RequestError`s keep their status; anything else that is not
 * already ours (fetch failures, timeouts) counts as a network error and is retryable.
 */
export function toGitHubApiError(error: unknown, fallback: { method: string; url: string }): GitHubApiError {
  if (error instanceof GitHubApiError) return error;
  const requestError = readRequestError(error);
  if (requestError) {
    const headers = requestError.response?.headers;
    const retryAfter = Number(headerValue(headers, "retry-after"));
    const rateLimited = isRateLimited(requestError);
    // @octokit/request reports a fetch that never got a response as status 500 with no response.
    const noResponse = requestError.response === undefined;
    const retryable = requestError.status >= 500 || rateLimited || noResponse;
    const method = requestError.request.method;
    const url = requestError.request.url;
    const detail = rateLimited ? " (rate limited; retry later)" : "";
    return new GitHubApiError({
      message: `GitHub ${method} ${url} failed with ${noResponse ? "no response" : requestError.status}: ${requestError.message}${detail}`,
      status: noResponse ? null : requestError.status,
      method,
      url,
      retryable,
      retryAfterSeconds: Number.isFinite(retryAfter) && headerValue(headers, "retry-after") !== null ? retryAfter : null,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new GitHubApiError({
    message: `GitHub ${fallback.method} ${fallback.url} failed without a response: ${message}`,
    status: null,
    method: fallback.method,
    url: fallback.url,
    retryable: true,
    cause: error,
  });
}
