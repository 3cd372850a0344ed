import type { Database } from "better-sqlite3";

interface PendingWrite {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Group commit: writes asked for at about the same time (a burst of webhooks, runs finishing
 * together) share one IMMEDIATE transaction, so one WAL commit serves them
 * all; a commit, not the SQL, is most of a small write's cost. Each write runs in its own
 * savepoint, so one that throws is undone and rejected alone, and every promise settles only
 * once the shared transaction has committed: a caller that sees it resolve knows its write
 * is stored, exactly as with a transaction of its own.
 */
export class SqliteGroupCommit {
  #pending: PendingWrite[] = [];
  /** Nested in the group's transaction, this is a savepoint. */
  readonly #savepoint: (write: () => unknown) => unknown;
  readonly #group: (batch: PendingWrite[]) => Outcome[];

  constructor(db: Database) {
    this.#savepoint = db.transaction((write: () => unknown) => write());
    const commitTogether = db.transaction((batch: PendingWrite[]): Outcome[] =>
      batch.map(({ write }) => {
        try {
          return { ok: true, value: this.#savepoint(write) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
    this.#group = (batch) => commitTogether.immediate(batch);
  }

  /**
   * Runs `write` (synchronous, against the database) in the next group commit. The commit waits
   * two turns of the event loop, not one, so the requests read in the next turn join too: under
   * a burst, half as many commits for the same writes.
   */
  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (this.#pending.length === 1) setImmediate(() => setImmediate(() => this.flush()));
    });
  }

  /** Commits what is pending now (also before the database closes). */
  flush(): void {
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = this.#group(batch);
    } catch (error) {
      // The commit itself failed (the lock not had in time, a full disk): nothing was stored.
      for (const { reject } of batch) reject(error);
      return;
    }
    batch.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) resolve(outcome.value);
      else reject(outcome.error);
    });
  }
}
