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
  /**
   * The longest a write waits for company; default 5 × `lingerMs`. A patient write (see
   * `write`) waits this long for a full request, whatever the pace of the writes after it.
   */
  maxLingerMs?: number;
  /** Milliseconds, monotonic; injectable for tests. */
  clock?: () => number;
}

/**
 * `urgent`: its caller waits; it goes at once, or after the linger while writes keep coming.
 * `patient`: nobody waits on it soon; it goes with a full request, an urgent write, `sendHeld()`,
 * or once it has waited `maxLingerMs`. `now`: a patient write whose wait is over.
 */
type Urgency = "urgent" | "patient" | "now";

interface Waiter {
  id: string;
  fields: Record<string, unknown>;
  urgency: Urgency;
  /** When it was written (the clock's milliseconds): a patient write's wait runs from here. */
  at: number;
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
 *
 * A patient write (a link a reconcile hands on without waiting for it) starts no request of
 * its own until ten records are ready or it has waited its most: however slowly GitHub lets
 * the reconciles make issues, their links then share full requests.
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
  /** Wakes when the oldest patient write has waited its most. */
  #patience: NodeJS.Timeout | null = null;

  constructor(options: AirtableWriteCoalescerOptions) {
    this.#options = options;
  }

  /**
   * Writes `fields` to record `id` (in a shared request) and resolves with the record as
   * written. A `patient` write may wait up to `maxLingerMs` for a full request.
   */
  write(id: string, fields: Record<string, unknown>, options: { patient?: boolean } = {}): Promise<WrittenRecord> {
    return new Promise<WrittenRecord>((resolve, reject) => {
      const previousWriteAt = this.#lastWriteAt;
      this.#lastWriteAt = this.#now();
      this.#pending.push({ id, fields, urgency: options.patient ? "patient" : "urgent", at: this.#lastWriteAt, resolve, reject });
      if (this.#linger) {
        if (this.#ready() >= this.#options.maxRecords) this.#stopLingering();
        else this.#lingerMore();
      }
      this.#ensureWaiting(previousWriteAt);
    });
  }

  /** Patient writes go now, in as few requests as they fill: nothing else is coming to share them. */
  sendHeld(): void {
    let held = false;
    for (const waiter of this.#pending) {
      if (waiter.urgency !== "patient") continue;
      waiter.urgency = "now";
      held = true;
    }
    if (!held) return;
    if (this.#linger) this.#stopLingering();
    else this.#ensureWaiting();
  }

  /** Starts a request for the pending writes unless one already waits, or all of them wait for requests in flight or for company. */
  #ensureWaiting(previousWriteAt = this.#lastWriteAt): void {
    if (this.#waiting) return;
    const ready = this.#pending.filter((w) => !this.#inFlight.has(w.id));
    if (ready.length === 0) return;
    const full = this.#ready() >= this.#options.maxRecords;
    if (!full && ready.every((w) => w.urgency === "patient")) {
      this.#awaitPatience();
      return;
    }
    this.#waiting = true;
    const lingerMs = this.#options.lingerMs ?? 0;
    const busy = this.#now() - previousWriteAt < lingerMs;
    if (lingerMs > 0 && busy && !full && !ready.some((w) => w.urgency === "now")) {
      this.#lingerSince = this.#now();
      this.#lingerMore();
      return;
    }
    void this.#sendNext();
  }

  #maxLingerMs(): number {
    return this.#options.maxLingerMs ?? 5 * (this.#options.lingerMs ?? 0);
  }

  /** Arms the wake-up for the oldest patient write's end of waiting (once; it re-arms itself). */
  #awaitPatience(): void {
    if (this.#patience) return;
    const oldest = Math.min(...this.#pending.filter((w) => w.urgency === "patient").map((w) => w.at));
    if (!Number.isFinite(oldest)) return;
    this.#patience = setTimeout(() => {
      this.#patience = null;
      const due = this.#now() - this.#maxLingerMs();
      for (const waiter of this.#pending) if (waiter.urgency === "patient" && waiter.at <= due) waiter.urgency = "now";
      this.#ensureWaiting();
      // Patient writes still waiting (younger, or behind a request in flight) get their own wake-up.
      if (!this.#waiting && this.#pending.some((w) => w.urgency === "patient")) this.#awaitPatience();
    }, Math.max(0, oldest + this.#maxLingerMs() - this.#now()));
  }

  #now(): number {
    return (this.#options.clock ?? (() => performance.now()))();
  }

  /** (Re)arms the wait: `lingerMs` after the latest write, never past `maxLingerMs` since it began. */
  #lingerMore(): void {
    const lingerMs = this.#options.lingerMs ?? 0;
    const maxMs = this.#maxLingerMs();
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
