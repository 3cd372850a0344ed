import { describeFailure, type BaseLimiter } from "./airtable-request-policy.js";

export type AirtableRequestOutcome = { ok: true } | { ok: false; status: number | null };

/** The same limiter, telling `record` how each request it runs ended (the metrics count them). */
export function observedLimiter(limiter: BaseLimiter, record: (outcome: AirtableRequestOutcome) => void): BaseLimiter {
  return {
    get started() {
      return limiter.started;
    },
    pauseFor: (ms) => limiter.pauseFor(ms),
    schedule: (fn) =>
      limiter.schedule(async () => {
        try {
          const value = await fn();
          record({ ok: true });
          return value;
        } catch (error) {
          record({ ok: false, status: describeFailure(error).status });
          throw error;
        }
      }),
    ...(limiter.close ? { close: () => limiter.close!() } : {}),
  };
}
