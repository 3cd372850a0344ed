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
 * all; a commit, not the SQL, is most of a small write's cost. A write that throws is undone
 * and rejected alone, and every promise settles only once the shared transaction has
 * committed: a caller that sees it resolve knows its write is stored, exactly as with a
 * transaction of its own.
 *
 * Writes rarely throw, so the group first runs them without a savepoint each (two statements
 * a write saved). When one throws, that transaction is rolled back whole and the group runs
 * again with each write in its own savepoint. A write may therefore run twice: it must act
 * only on the database.
 */
export class SqliteGroupCommit {
  #pending: PendingWrite[] = [];
  /** Nested in the group's transaction, this is a savepoint. */
  readonly #savepoint: (write: () => unknown) => unknown;
  readonly #group: (batch: PendingWrite[]) => Outcome[];
  readonly #groupGuarded: (batch: PendingWrite[]) => Outcome[];

  constructor(db: Database) {
    this.#savepoint = db.transaction((write: () => unknown) => write());
    const commitTogether = db.transaction((batch: PendingWrite[]): Outcome[] =>
      batch.map(({ write }) => {
        try {
          return { ok: true, value: write() };
        } catch (error) {
          throw new WriteFailed(error);
        }
      }),
    );
    const commitGuarded = db.transaction((batch: PendingWrite[]): Outcome[] =>
      batch.map(({ write }) => {
        try {
          return { ok: true, value: this.#savepoint(write) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
    this.#group = (batch) => commitTogether.immediate(batch);
    this.#groupGuarded = (batch) => commitGuarded.immediate(batch);
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
      outcomes = this.#commit(batch);
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

  /** Throws only when the transaction itself failed: then no write of the batch is stored. */
  #commit(batch: PendingWrite[]): Outcome[] {
    try {
      return this.#group(batch);
    } catch (error) {
      if (!(error instanceof WriteFailed)) throw error;
      // Rolled back whole: alone, the write is simply refused; among others, each gets a savepoint.
      if (batch.length === 1) return [{ ok: false, error: error.cause }];
      return this.#groupGuarded(batch);
    }
  }
}

/** A write of the batch threw (as opposed to BEGIN or COMMIT failing). */
class WriteFailed extends Error {
  constructor(override readonly cause: unknown) {
    super("a write of the group failed");
  }
}
