import type { Database } from "better-sqlite3";
import type { SharedRequestWindow } from "./airtable/airtable-request-policy.js";

/** A request in flight longer than this belonged to a process that died: its slot is freed. */
const STALE_IN_FLIGHT_MS = 120_000;

/**
 * The AirTable rate window kept in the embedded store's file, so the server, a CLI pass and
 * a CLI import on one machine share one 5 requests/s per base (SPEC §9). Each acquire is one
 * IMMEDIATE transaction: SQLite serialises the processes.
 *
 * The clock is the wall clock of epoch milliseconds on purpose: it must run (a pinned
 * business date must not stop rate limiting) and be the same in every process.
 */
export class SqliteRequestWindow implements SharedRequestWindow {
  constructor(
    private readonly db: Database,
    readonly nowMs: () => number = Date.now,
  ) {}

  tryAcquire(bucket: string, limit: number, windowMs: number): { slot: number } | { waitMs: number } {
    const acquire = this.db.transaction(() => {
      const now = this.nowMs();
      this.db
        .prepare("DELETE FROM request_slots WHERE bucket = ? AND (finished_ms <= ? OR (finished_ms IS NULL AND started_ms <= ?))")
        .run(bucket, now - windowMs, now - STALE_IN_FLIGHT_MS);
      const held = this.db
        .prepare<[string], { n: number; oldest: number | null }>(
          "SELECT count(*) AS n, min(finished_ms) AS oldest FROM request_slots WHERE bucket = ?",
        )
        .get(bucket)!;
      if (held.n < limit) {
        const info = this.db.prepare("INSERT INTO request_slots (bucket, started_ms) VALUES (?, ?)").run(bucket, now);
        return { slot: Number(info.lastInsertRowid) };
      }
      // All in flight: poll soon; else when the oldest answered one leaves the window.
      return { waitMs: held.oldest === null ? 10 : Math.max(1, held.oldest + windowMs - now + 1) };
    });
    return acquire.immediate();
  }

  release(slot: number): void {
    this.db.prepare("UPDATE request_slots SET finished_ms = ? WHERE id = ?").run(this.nowMs(), slot);
  }

  pauseUntil(bucket: string, untilMs: number): void {
    this.db
      .prepare(
        `INSERT INTO request_pauses (bucket, until_ms) VALUES (?, ?)
         ON CONFLICT (bucket) DO UPDATE SET until_ms = max(until_ms, excluded.until_ms)`,
      )
      .run(bucket, untilMs);
  }

  pausedUntil(bucket: string): number {
    return this.db.prepare<[string], { until_ms: number }>("SELECT until_ms FROM request_pauses WHERE bucket = ?").get(bucket)?.until_ms ?? 0;
  }
}
