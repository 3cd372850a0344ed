import { AirtableApiError } from "./airtable-request-policy.js";

/** One record's cells to write, and the record AirTable answers with. */
export interface RecordPatch {
  id: string;
  fields: Record<string, unknown>;
}

export interface WrittenRecord {
  id: string;
  fields: Record<string, unknown>;
}

export interface AirtableWriteCoalescerOptions {
  /** At most this many records per request (AirTable: 10). */
  maxRecords: number;
  /**
   * Runs one limited, retried request: `attempt` is called each time the base's limiter
   * grants a slot (the first time and on every retry). The store's `runAirtableRequest`.
   */
  call: <T>(label: string, attempt: () => Promise<T>) => Promise<T>;
  /** The PATCH itself, without limiter or retries. */
  patch: (rows: RecordPatch[]) => Promise<WrittenRecord[]>;
  /** What the failed request names as missing (AirTable 404/422 for an unknown id). */
  isMissingRecord: (error: unknown) => boolean;
  /** For error labels: the table's name. */
  table: string;
  /**
   * While writes keep coming (the last one less than this ago), a request with room left
   * waits until this long has passed without a new write before asking for its slot
   * (default 0: never waits). Reconciles of many leads run at GitHub's pace, so their link
   * writes trickle in; waiting fills requests of 10 instead of sending one per lead. A lone
   * write (none just before it) goes at once.
   */
  lingerMs?: number;
  /** The longest a write waits for company; default 5 × `lingerMs`. */
  maxLingerMs?: number;
  /** Milliseconds, monotonic; injectable for tests. */
  clock?: () => number;
}

interface Waiter {
  id: string;
  fields: Record<string, unknown>;
  resolve: (record: WrittenRecord) => void;
  reject: (error: unknown) => void;
}

/** The callers whose writes to one record travel together (merged, later fields win). */
interface RecordGroup {
  id: string;
  waiters: Waiter[];
}

/**
 * Shares PATCH requests of one table between concurrent single-record writes. Reconciling
 * many leads in parallel writes one link per lead; at AirTable's 5 requests/s a request per
 * write is the bottleneck, while a request carries 10 records.
 *
 * At most one request per table waits for a limiter slot at a time; writes that arrive while
 * it waits join it. Its batch is taken when the slot is granted and stays the same across that
 * request's retries. A record already in a request in flight waits for that request to end,
 * so two writes of one record reach AirTable in the order they were made.
 */
export class AirtableWriteCoalescer {
  readonly #options: AirtableWriteCoalescerOptions;
  readonly #pending: Waiter[] = [];
  /** Records in requests taken but not yet answered. */
  readonly #inFlight = new Set<string>();
  #waiting = false;
  #linger: NodeJS.Timeout | null = null;
  /** When the current wait began, and when the last write arrived. */
  #lingerSince = 0;
  #lastWriteAt = Number.NEGATIVE_INFINITY;

  constructor(options: AirtableWriteCoalescerOptions) {
    this.#options = options;
  }

  /** Writes `fields` to record `id` (in a shared request) and resolves with the record as written. */
  write(id: string, fields: Record<string, unknown>): Promise<WrittenRecord> {
    return new Promise<WrittenRecord>((resolve, reject) => {
      const previousWriteAt = this.#lastWriteAt;
      this.#lastWriteAt = this.#now();
      this.#pending.push({ id, fields, resolve, reject });
      if (this.#linger) {
        if (this.#ready() >= this.#options.maxRecords) this.#stopLingering();
        else this.#lingerMore();
      }
      this.#ensureWaiting(previousWriteAt);
    });
  }

  /** Starts a request for the pending writes unless one already waits, or all of them wait for requests in flight. */
  #ensureWaiting(previousWriteAt = this.#lastWriteAt): void {
    if (this.#waiting) return;
    if (!this.#pending.some((w) => !this.#inFlight.has(w.id))) return;
    this.#waiting = true;
    const lingerMs = this.#options.lingerMs ?? 0;
    const busy = this.#now() - previousWriteAt < lingerMs;
    if (lingerMs > 0 && busy && this.#ready() < this.#options.maxRecords) {
      this.#lingerSince = this.#now();
      this.#lingerMore();
      return;
    }
    void this.#sendNext();
  }

  #now(): number {
    return (this.#options.clock ?? (() => performance.now()))();
  }

  /** (Re)arms the wait: `lingerMs` after the latest write, never past `maxLingerMs` since it began. */
  #lingerMore(): void {
    const lingerMs = this.#options.lingerMs ?? 0;
    const maxMs = this.#options.maxLingerMs ?? 5 * lingerMs;
    if (this.#linger) clearTimeout(this.#linger);
    const wait = Math.max(0, Math.min(lingerMs, this.#lingerSince + maxMs - this.#now()));
    this.#linger = setTimeout(() => this.#stopLingering(), wait);
  }

  #stopLingering(): void {
    if (this.#linger) clearTimeout(this.#linger);
    this.#linger = null;
    void this.#sendNext();
  }

  /** Records a request taken now would carry. */
  #ready(): number {
    return new Set(this.#pending.filter((w) => !this.#inFlight.has(w.id)).map((w) => w.id)).size;
  }

  /** Up to `maxRecords` records from the front of the line, every pending write of each merged in. */
  #take(): RecordGroup[] {
    const groups = new Map<string, RecordGroup>();
    const rest: Waiter[] = [];
    for (const waiter of this.#pending) {
      const group = groups.get(waiter.id);
      if (group) group.waiters.push(waiter);
      else if (groups.size < this.#options.maxRecords && !this.#inFlight.has(waiter.id)) {
        groups.set(waiter.id, { id: waiter.id, waiters: [waiter] });
      } else rest.push(waiter);
    }
    this.#pending.splice(0, this.#pending.length, ...rest);
    for (const id of groups.keys()) this.#inFlight.add(id);
    return [...groups.values()];
  }

  async #sendNext(): Promise<void> {
    const taken: { batch: RecordGroup[] | null } = { batch: null };
    const takeOnce = (): RecordGroup[] => {
      if (taken.batch === null) {
        taken.batch = this.#take();
        this.#waiting = false;
        // Writes left over (more than a request holds) get the next slot.
        this.#ensureWaiting();
      }
      return taken.batch;
    };
    try {
      await this.#send(() => takeOnce());
    } catch (error) {
      // Only reached if the request failed before any slot was granted: nothing was sent.
      for (const group of takeOnce()) for (const w of group.waiters) w.reject(error);
    } finally {
      for (const group of taken.batch ?? []) this.#inFlight.delete(group.id);
      this.#ensureWaiting();
    }
  }

  /** One request for the groups `groups()` names when its slot is granted; every caller settled, never thrown. */
  async #send(groups: () => RecordGroup[]): Promise<void> {
    let sent: RecordGroup[] = [];
    let records: WrittenRecord[];
    try {
      records = await this.#options.call(`update ${this.#options.table} record(s)`, async () => {
        sent = groups();
        return this.#options.patch(sent.map((g) => ({ id: g.id, fields: mergeFields(g) })));
      });
    } catch (error) {
      if (sent.length === 0) throw error;
      await this.#recover(sent, error);
      return;
    }
    const byId = new Map(records.map((r) => [r.id, r]));
    for (const group of sent) {
      const record = byId.get(group.id);
      for (const w of group.waiters) {
        if (record) w.resolve(record);
        else w.reject(new Error(`update ${this.#options.table}: AirTable's answer lacks record ${group.id}`));
      }
    }
  }

  /**
   * A refused request fails only the callers it is about: a record AirTable names as missing
   * fails alone and the rest go again together; any other refusal of a shared request is
   * retried record by record, so each caller gets its own answer.
   */
  async #recover(groups: RecordGroup[], error: unknown): Promise<void> {
    if (groups.length === 1 || !(error instanceof AirtableApiError)) {
      for (const group of groups) for (const w of group.waiters) w.reject(error);
      return;
    }
    const named = this.#options.isMissingRecord(error) ? groups.find((g) => error.message.includes(g.id)) : undefined;
    if (named) {
      for (const w of named.waiters) w.reject(error);
      const others = groups.filter((g) => g !== named);
      await this.#send(() => others);
      return;
    }
    await Promise.all(groups.map((g) => this.#send(() => [g])));
  }
}

function mergeFields(group: RecordGroup): Record<string, unknown> {
  return Object.assign({}, ...group.waiters.map((w) => w.fields)) as Record<string, unknown>;
}
