/**
 * Errors answered the way GitHub answers them: a status, a JSON body with `message` and
 * `documentation_url` (and `errors` for 422), and sometimes headers such as
 * `retry-after`. Octokit turns these into `RequestError`s whose `.status` and
 * `.response.data` callers inspect, so the shapes matter.
 */
const DOCS = "https://docs.github.com/rest";

export interface ValidationErrorItem {
  resource: string;
  field?: string;
  code: "missing" | "missing_field" | "invalid" | "already_exists" | "unprocessable" | "custom";
  message?: string;
  value?: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.message === "string" ? body.message : `HTTP ${status}`);
    this.name = "ApiError";
  }
}

export function notFound(message = "Not Found"): ApiError {
  return new ApiError(404, { message, documentation_url: DOCS, status: "404" });
}

export function validationFailed(errors: ValidationErrorItem[], message = "Validation Failed"): ApiError {
  return new ApiError(422, { message, errors, documentation_url: DOCS, status: "422" });
}

export function forbidden(message = "Resource not accessible by integration"): ApiError {
  return new ApiError(403, { message, documentation_url: DOCS, status: "403" });
}

export function unauthorized(message = "Bad credentials"): ApiError {
  return new ApiError(401, { message, documentation_url: DOCS, status: "401" });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, { message, documentation_url: DOCS, status: "400" });
}

/** Default bodies and headers for injected failures, matching what GitHub sends. */
export function injectedFailure(status: 502 | 403 | 429 | 404 | 422, message?: string, headers: Record<string, string> = {}): ApiError {
  const secondary = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";
  switch (status) {
    case 502:
      return new ApiError(502, { message: message ?? "Server Error", documentation_url: DOCS }, headers);
    case 403:
    case 429:
      // Injected 403/429 default to a secondary rate limit: the case callers must retry.
      return new ApiError(status, { message: message ?? secondary, documentation_url: DOCS, status: String(status) }, {
        "retry-after": "1",
        ...headers,
      });
    case 404:
      return new ApiError(404, { message: message ?? "Not Found", documentation_url: DOCS, status: "404" }, headers);
    case 422:
      return new ApiError(422, { message: message ?? "Validation Failed", errors: [], documentation_url: DOCS, status: "422" }, headers);
  }
}
