import { AirtableRecordStore } from "../store/airtable/airtable-record-store.js";
import type { ComposedLeadStore, LeadStore } from "../store/lead-store.js";
import type { CliIo } from "./cli-command.js";

export interface ProgressLineOptions {
  io: Pick<CliIo, "stdout" | "stderr">;
  /** e.g. `leads import`. */
  label: string;
  /** What is counted, plural: `records`, `leads`. */
  unit: string;
  total: number;
  /** Requests sent so far to the rate-limited API (AirTable), or null when the store sends none. */
  requests?: () => number;
  /** The API's limit, requests per second: the remaining time is estimated at it. */
  requestsPerSecond?: number;
  /** Milliseconds, monotonic; injected so tests decide when a redraw is due. */
  clock?: () => number;
  /** Least time between two redraws. */
  intervalMs?: number;
}

/**
 * One line on the terminal, redrawn in place as a long job advances: what is done, the
 * requests sent, and the time left if the rest costs what the done part did, at the rate
 * limit. Nothing at all when stdout or stderr is not a terminal (pipes, CI, cron), so logs
 * and `--json` output stay clean.
 */
export class ProgressLine {
  readonly #options: Required<Omit<ProgressLineOptions, "requests" | "requestsPerSecond">> &
    Pick<ProgressLineOptions, "requests" | "requestsPerSecond">;
  readonly #enabled: boolean;
  readonly #startRequests: number;
  #lastDraw = Number.NEGATIVE_INFINITY;
  /** The line as last drawn; null before the first. */
  #drawn: string | null = null;

  constructor(options: ProgressLineOptions) {
    this.#options = { clock: () => performance.now(), intervalMs: 200, ...options };
    this.#enabled = options.io.stdout.isTTY === true && options.io.stderr.isTTY === true;
    this.#startRequests = options.requests?.() ?? 0;
  }

  /** Whether anything is drawn (both stdout and stderr are terminals). */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** `done` of `total` are finished; redrawn at most every `intervalMs`. */
  update(done: number): void {
    if (!this.#enabled) return;
    const now = this.#options.clock();
    if (now - this.#lastDraw < this.#options.intervalMs && done < this.#options.total) return;
    this.#lastDraw = now;
    const text = this.describe(done);
    if (text === this.#drawn) return;
    this.#options.io.stderr.write(`\r\x1b[K${text}`);
    this.#drawn = text;
  }

  /** Ends the line (the next output starts on a line of its own). */
  finish(done: number): void {
    if (!this.#enabled) return;
    this.#lastDraw = Number.NEGATIVE_INFINITY;
    this.update(done);
    if (this.#drawn !== null) this.#options.io.stderr.write("\n");
  }

  describe(done: number): string {
    const { label, unit, total, requests, requestsPerSecond } = this.#options;
    const parts = [`${label}: ${done}/${total} ${unit}`];
    if (requests) {
      const sent = requests() - this.#startRequests;
      parts.push(`${sent} request${sent === 1 ? "" : "s"}`);
      if (requestsPerSecond && done > 0 && done < total) {
        const left = Math.ceil(((total - done) * sent) / done / requestsPerSecond);
        parts.push(`~${formatSeconds(left)} left at ${requestsPerSecond} requests/s`);
      }
    }
    return parts.join(" · ");
  }
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${String(seconds % 60).padStart(2, "0")} s`;
}

/** The AirTable store's request counter and rate, for progress; nothing for a store that sends no requests. */
export function requestMeter(store: LeadStore): Pick<ProgressLineOptions, "requests" | "requestsPerSecond"> {
  const records = (store as Partial<ComposedLeadStore>).records;
  return records instanceof AirtableRecordStore ? records.requestMeter : {};
}
