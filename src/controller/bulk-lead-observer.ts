import type { Hub, Lead } from "../domain/records.js";
import { isOpenStatus } from "../pipeline/lead-status.js";
import type { LeadStore, WorkItem } from "../store/lead-store.js";
import { leadFingerprint, loadLeadFingerprint, saveLeadFingerprint } from "./lead-fingerprint.js";
import type { Logger } from "./reconcile-deps.js";

/** A lead and its Active Hubs rows as one listing of the tables read them. */
export interface ListedLead {
  lead: Lead;
  hubs: Hub[];
}

/** What to do with one queued key. */
export type BulkDecision =
  | { kind: "skip"; why: string }
  /**
   * `prefetched`: the lead as listed (observe uses it instead of reading); null: observe reads
   * afresh. `freshTrigger`: the run answers triggers about this lead; pass it to `readDone`.
   */
  | { kind: "reconcile"; prefetched: ListedLead | null; freshTrigger?: number };

export interface BulkLeadObserverOptions {
  store: LeadStore;
  log: Logger;
  /** Keys due at once from which one listing is read instead of a read per lead, until the table sizes are known. */
  minKeys?: number;
  /** How long a listing waits for keys still arriving together (one notification, one import); default 50 ms. */
  gatherMs?: number;
}

const KEY_PREFIX = "lead:";
/** Records per listing page (AirTable's most; the SQLite store has no pages, the rule is harmless there). */
const PAGE = 100;

interface Entry {
  /** The work item's generation the listing answers: a later enqueue means a later change, so a fresh read. */
  generation: number;
  listed: ListedLead | null;
}

/**
 * Observes in bulk whenever the queue holds many keys (after an import, a full pass, a table
 * notification naming many records): one paged listing of the leads and the hubs serves
 * every key that was due when it was read, instead of a read of the lead and of the hubs per
 * key. From the listing alone, with no request at all, it settles the keys that need nothing:
 * a lead gone inactive that never had an issue (SPEC 4.1: it gets none), and, for work that
 * came from the table, a lead whose fingerprint is the one its last successful reconcile left.
 *
 * A trigger about one lead (`readAfresh`) makes its next run read the lead itself and never
 * skip. A pass marks its keys (`queuePass`): those always look at their issues on GitHub
 * (conditional reads), since the fingerprint knows nothing of GitHub.
 */
export class BulkLeadObserver {
  readonly #options: Required<BulkLeadObserverOptions>;
  readonly #entries = new Map<string, Entry>();
  /**
   * Leads with a trigger of their own: the latest one's number, and the work generation it
   * queued when known (a webhook's; 0 for a command's or a table change's).
   */
  readonly #fresh = new Map<string, { trigger: number; generation: number }>();
  #triggers = 0;
  readonly #passKeys = new Set<string>();
  #listing: Promise<void> | null = null;
  /** Passes whose listing is still being read (settled either way). */
  readonly #passListings = new Set<Promise<void>>();
  /** Pages of the last listing, to weigh one listing against a read per key. */
  #pages: { leads: number; hubs: number } | null = null;

  constructor(options: BulkLeadObserverOptions) {
    this.#options = { minKeys: 10, gatherMs: 50, ...options };
  }

  /**
   * A trigger about this lead alone (a webhook, a command, one table change): its next run
   * reads it afresh. `generation`: the work generation the trigger queued, when known.
   */
  readAfresh(leadId: string, generation = 0): void {
    this.#entries.delete(leadId);
    this.#fresh.set(leadId, { trigger: ++this.#triggers, generation });
  }

  /** The lead changed in the table: what was listed before is stale, but the change may be settled in bulk. */
  changed(leadId: string): void {
    this.#entries.delete(leadId);
  }

  /**
   * A full pass: one listing chooses the leads, queues them, and serves every key due now
   * (the pass's and those already queued, say by an import) so none of them is read again.
   * The hubs are read first, then the leads page by page: each page's leads are queued as it
   * arrives (`onQueued` is told), so their GitHub work overlaps the rest of the listing
   * instead of waiting for it (5,000 leads on AirTable: 50 pages, 10 s at its limit).
   */
  async queuePass(input: { reason: string; choose: (lead: Lead) => boolean; onQueued?: () => void }): Promise<number> {
    const { store } = this.#options;
    // Queued keys first: the listing then is at least as new as whatever queued them.
    const before = generations(await store.listWork());
    const listing = (async () => {
      const hubs = await store.listHubs();
      const hubsByLead = groupHubs(hubs);
      let chosen = 0;
      const leads = await store.listLeads({
        onPage: async (page) => {
          let queued = 0;
          for (const lead of page) {
            const listed = { lead, hubs: hubsByLead.get(lead.id) ?? [] };
            const queuedBefore = before.get(lead.id);
            if (!input.choose(lead)) {
              if (queuedBefore !== undefined && !this.#fresh.has(lead.id)) this.#entries.set(lead.id, { generation: queuedBefore, listed });
              continue;
            }
            // Set before the enqueue, since a worker may claim the key at once. It serves only
            // the generation this enqueue makes when no other came in since the snapshot.
            if (!this.#fresh.has(lead.id)) this.#entries.set(lead.id, { generation: (queuedBefore ?? 0) + 1, listed });
            this.#passKeys.add(lead.id);
            await store.enqueueWork(`${KEY_PREFIX}${lead.id}`, input.reason);
            queued += 1;
          }
          chosen += queued;
          if (queued > 0) input.onQueued?.();
        },
      });
      this.#pages = pageCounts(leads.length, hubs.length);
      return chosen;
    })();
    const settled = listing.then(
      () => undefined,
      () => undefined,
    );
    this.#passListings.add(settled);
    try {
      return await listing;
    } finally {
      this.#passListings.delete(settled);
    }
  }

  /** Decides how the run of `item` observes its lead, and whether it runs at all. */
  async decide(item: WorkItem, context: string): Promise<BulkDecision> {
    const leadId = item.key.slice(KEY_PREFIX.length);
    const pass = this.#passKeys.delete(leadId);
    const fresh = this.#fresh.get(leadId);
    if (fresh !== undefined) {
      this.#entries.delete(leadId);
      return { kind: "reconcile", prefetched: null, freshTrigger: fresh.trigger };
    }
    // A pass still listing may yet reach this key (one an import queued): wait for it rather than list again.
    if (this.#entries.get(leadId)?.generation !== item.generation && this.#passListings.size > 0) await Promise.all(this.#passListings);
    if (this.#entries.get(leadId)?.generation !== item.generation && (await this.#worthListing())) await this.#listDue();
    const entry = this.#entries.get(leadId);
    this.#entries.delete(leadId);
    // Not listed, or a record the listing could not read: the lead's own read says why.
    if (!entry || entry.generation !== item.generation || !entry.listed) return { kind: "reconcile", prefetched: null };
    const { lead, hubs } = entry.listed;
    if (!isOpenStatus(lead.status) && lead.leadIssue === null) return { kind: "skip", why: "inactive and never had an issue" };
    if (!pass && (await loadLeadFingerprint(this.#options.store, leadId)) === leadFingerprint({ lead, hubs, context })) {
      return { kind: "skip", why: "unchanged since its last reconcile" };
    }
    return { kind: "reconcile", prefetched: entry.listed };
  }

  /**
   * After a successful run of work `generation` that read the lead afresh: the lead's latest
   * trigger is answered if it queued that generation or an earlier one, or, its generation not
   * known, if it is the one the run started with. A later trigger's run, queued behind this
   * one, must read afresh too.
   */
  readDone(leadId: string, freshTrigger: number, generation: number): void {
    const latest = this.#fresh.get(leadId);
    if (!latest) return;
    if (latest.generation > 0 ? latest.generation <= generation : latest.trigger === freshTrigger) this.#fresh.delete(leadId);
  }

  /** After a successful reconcile: the records as it left them, for later runs to compare with. */
  async settled(listed: ListedLead, context: string): Promise<void> {
    await saveLeadFingerprint(this.#options.store, listed.lead.id, leadFingerprint({ ...listed, context }));
  }

  /**
   * Whether the queued keys without a listing cost more read one by one (lead + hubs each)
   * than one listing. All queued keys count: those leased right now (this run's among them)
   * as much as those waiting.
   */
  async #worthListing(): Promise<boolean> {
    const queued = await this.#options.store.listWork();
    const unlisted = queued.filter((item) => {
      if (!item.key.startsWith(KEY_PREFIX)) return false;
      const leadId = item.key.slice(KEY_PREFIX.length);
      return !this.#fresh.has(leadId) && this.#entries.get(leadId)?.generation !== item.generation;
    }).length;
    if (!this.#pages) return unlisted >= this.#options.minKeys;
    return unlisted * (1 + this.#pages.hubs) > this.#pages.leads + this.#pages.hubs;
  }

  /** One listing for every key queued now; concurrent runs share it. */
  #listDue(): Promise<void> {
    this.#listing ??= (async () => {
      await new Promise((resolve) => setTimeout(resolve, this.#options.gatherMs));
      // Queued keys first: the listing then is at least as new as whatever queued them.
      const due = await this.#options.store.listWork();
      const listed = await this.#list();
      for (const item of due) {
        if (!item.key.startsWith(KEY_PREFIX)) continue;
        const leadId = item.key.slice(KEY_PREFIX.length);
        if (!this.#fresh.has(leadId)) this.#entries.set(leadId, { generation: item.generation, listed: listed.get(leadId) ?? null });
      }
      this.#options.log.debug(`bulk observe: listed ${listed.size} leads for ${due.length} due keys`);
    })().finally(() => {
      this.#listing = null;
    });
    return this.#listing;
  }

  async #list(): Promise<Map<string, ListedLead>> {
    const [leads, hubs] = await Promise.all([this.#options.store.listLeads(), this.#options.store.listHubs()]);
    this.#pages = pageCounts(leads.length, hubs.length);
    const hubsByLead = groupHubs(hubs);
    return new Map<string, ListedLead>(leads.map((lead) => [lead.id, { lead, hubs: hubsByLead.get(lead.id) ?? [] }]));
  }
}

function generations(items: readonly WorkItem[]): Map<string, number> {
  return new Map(items.filter((i) => i.key.startsWith(KEY_PREFIX)).map((i) => [i.key.slice(KEY_PREFIX.length), i.generation]));
}

function groupHubs(hubs: readonly Hub[]): Map<string, Hub[]> {
  const byLead = new Map<string, Hub[]>();
  for (const hub of hubs) {
    if (hub.communityLeadId === null) continue;
    const list = byLead.get(hub.communityLeadId);
    if (list) list.push(hub);
    else byLead.set(hub.communityLeadId, [hub]);
  }
  return byLead;
}

function pageCounts(leads: number, hubs: number): { leads: number; hubs: number } {
  return { leads: Math.max(1, Math.ceil(leads / PAGE)), hubs: Math.max(1, Math.ceil(hubs / PAGE)) };
}
