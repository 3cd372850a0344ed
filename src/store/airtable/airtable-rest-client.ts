import {
  AirtableApiError,
  airtableLimiterFor,
  runAirtableRequest,
  type AirtableRequestPolicy,
  type BaseLimiter,
  type SharedRequestWindow,
} from "./airtable-request-policy.js";

/**
 * Plain REST calls for the endpoints the `airtable` SDK does not cover (metadata, whoami,
 * webhooks), under the same limiter and retry policy as the SDK calls.
 */
export class AirtableRestClient {
  readonly limiter: BaseLimiter;

  constructor(
    private readonly options: {
      endpointUrl: string;
      token: string;
      baseId: string;
      policy: AirtableRequestPolicy;
      requestTimeoutMs?: number;
      sharedWindow?: SharedRequestWindow;
      /** Default: the process-wide limiter of the base. */
      limiter?: BaseLimiter;
    },
  ) {
    this.limiter = options.limiter ?? airtableLimiterFor({
      endpointUrl: options.endpointUrl,
      baseId: options.baseId,
      requestsPerSecond: options.policy.requestsPerSecond,
      ...(options.sharedWindow ? { shared: options.sharedWindow } : {}),
    });
  }

  get baseId(): string {
    return this.options.baseId;
  }

  /** `path` starts with `/v0/`; the response body is returned unvalidated for the caller's zod schema. */
  async request(input: {
    method: "GET" | "POST" | "PATCH" | "DELETE";
    path: string;
    query?: Record<string, string | number>;
    body?: unknown;
    label: string;
  }): Promise<unknown> {
    const url = new URL(this.options.endpointUrl.replace(/\/+$/, "") + input.path);
    for (const [k, v] of Object.entries(input.query ?? {})) url.searchParams.set(k, String(v));
    return runAirtableRequest({
      limiter: this.limiter,
      policy: this.options.policy,
      label: input.label,
      attempt: async () => {
        const res = await fetch(url, {
          method: input.method,
          headers: {
            authorization: `Bearer ${this.options.token}`,
            ...(input.body === undefined ? {} : { "content-type": "application/json" }),
          },
          ...(input.body === undefined ? {} : { body: JSON.stringify(input.body) }),
          signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 60_000),
        });
        const text = await res.text();
        let json: unknown = null;
        try {
          json = text === "" ? {} : JSON.parse(text);
        } catch {
          json = null;
        }
        if (!res.ok) {
          const err = (json as { error?: { type?: string; message?: string } | string } | null)?.error;
          const type = typeof err === "string" ? err : (err?.type ?? `HTTP_${res.status}`);
          const message = typeof err === "object" && err?.message ? err.message : text.slice(0, 200);
          throw Object.assign(new Error(message), { statusCode: res.status, error: type });
        }
        if (json === null) throw new AirtableApiError(res.status, "INVALID_JSON", `${input.label}: AirTable answered with invalid JSON`);
        return json;
      },
    });
  }
}
