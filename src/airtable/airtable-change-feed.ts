import { z } from "zod";
import { AirtableRecordStore } from "../store/airtable/airtable-record-store.js";
import { AirtableApiError } from "../store/airtable/airtable-request-policy.js";
import {
  AirtableWebhooksClient,
  changedRecordIds,
  verifyAirtableMac,
  type AirtableWebhook,
} from "../store/airtable/airtable-webhooks-client.js";
import type { ComposedLeadStore, LeadStore } from "../store/lead-store.js";
import type { Logger } from "../controller/reconcile-deps.js";

/**
 * Change detection for the AirTable store (SPEC §9, issue 5): one webhook on the base,
 * watching the Leads table, whose id, MAC secret and expiry live in the store's
 * bookkeeping; notifications are verified, then the payloads are read from the stored
 * cursor and every lead a person changed is queued for reconcile. Like every trigger it
 * carries only keys: the reconcile reads the record itself.
 */

/** The route AirTable posts notifications to, under `HUB_SALES_PUBLIC_URL` (SPEC §7). */
export const AIRTABLE_WEBHOOK_PATH = "/hub-sales/airtable/webhook";
/** Bookkeeping key of the webhook's registration. */
export const AIRTABLE_WEBHOOK_STATE_KEY = "airtable-webhook";
/** AirTable webhooks die 7 days after creation or the last refresh; refresh with 3 days to spare. */
export const AIRTABLE_WEBHOOK_REFRESH_MARGIN_MS = 3 * 24 * 3600 * 1000;

/** The cursor is kept per webhook id, so a recreated webhook starts at 1 and a late write for the old one harms nothing. */
export function airtableWebhookCursorKey(webhookId: string): string {
  return `airtable-webhook-cursor:${webhookId}`;
}

/** `<public url>/hub-sales/airtable/webhook`; throws a clear error for a public URL that is not http(s). */
export function airtableNotificationUrl(publicUrl: string): string {
  const parsed = z.url({ protocol: /^https?$/ }).safeParse(publicUrl.trim());
  if (!parsed.success) {
    throw new Error(`HUB_SALES_PUBLIC_URL must be an http(s) URL such as https://bot.example.org (got "${publicUrl}")`);
  }
  return `${parsed.data.replace(/\/+$/, "")}${AIRTABLE_WEBHOOK_PATH}`;
}

const registrationSchema = z.object({
  baseId: z.string(),
  tableId: z.string(),
  webhookId: z.string(),
  macSecretBase64: z.string(),
  notificationUrl: z.string(),
  /** ISO time; null when AirTable says the webhook does not expire. */
  expirationTime: z.string().nullable(),
  createdAt: z.string(),
});

/** What the bookkeeping holds under `airtable-webhook`. */
export type AirtableWebhookRegistration = z.infer<typeof registrationSchema>;

const cursorSchema = z.number().int().min(1);

/** What the change feed needs: the AirTable record store's base, and the app state's keyed values. */
export type AirtableFeedStore = Pick<AirtableRecordStore, "schema" | "restClient" | "isOwnChange"> &
  Pick<LeadStore, "getState" | "setState" | "deleteState">;

/** The AirTable half behind a `LeadStore` with the state beside it, or null when the records are not in AirTable (no change feed there). */
export function asAirtableFeedStore(store: LeadStore): AirtableFeedStore | null {
  const records = (store as Partial<ComposedLeadStore>).records;
  if (!(records instanceof AirtableRecordStore)) return null;
  // One feed object per store: a store's reads of the feed are serialised on it.
  const known = feedStores.get(store);
  if (known) return known;
  const feed: AirtableFeedStore = {
    schema: records.schema,
    restClient: records.restClient,
    isOwnChange: (actionMetadata) => records.isOwnChange(actionMetadata),
    getState: <T>(key: string) => store.getState<T>(key),
    setState: (key, value) => store.setState(key, value),
    deleteState: (key) => store.deleteState(key),
  };
  feedStores.set(store, feed);
  return feed;
}
const feedStores = new WeakMap<LeadStore, AirtableFeedStore>();

/** The stored registration, or null when there is none (or it is unreadable: then it is replaced). */
export async function readAirtableWebhookRegistration(store: Pick<LeadStore, "getState">): Promise<AirtableWebhookRegistration | null> {
  const parsed = registrationSchema.safeParse(await store.getState(AIRTABLE_WEBHOOK_STATE_KEY));
  return parsed.success ? parsed.data : null;
}

export interface EnsuredAirtableWebhook {
  /** `created`: none was registered; `recreated`: the registered one was gone, expired, or for another URL/table. */
  action: "created" | "refreshed" | "recreated";
  webhookId: string;
  notificationUrl: string;
  expirationTime: string | null;
  /** Webhooks deleted on the way: the replaced one, and strays pointing at this URL whose secret is unknown. */
  deleted: string[];
}

/**
 * Creates the base's webhook on the Leads table, or refreshes the registered one when it
 * still exists, is alive and points at `notificationUrl`. Otherwise it is deleted and a
 * new one created: the MAC secret is shown only at creation, so a webhook the bookkeeping
 * does not know (a lost database, a concurrent run) can never be verified and is deleted
 * too rather than left to pile up (AirTable allows 10 per base).
 */
export async function ensureAirtableWebhook(input: {
  store: AirtableFeedStore;
  notificationUrl: string;
  now?: () => Date;
}): Promise<EnsuredAirtableWebhook> {
  const { store, notificationUrl } = input;
  const now = input.now ?? (() => new Date());
  const client = new AirtableWebhooksClient(store.restClient);
  const baseId = store.restClient.baseId;
  const tableId = store.schema.leadsTableId;
  const stored = await readAirtableWebhookRegistration(store);
  const hooks = await client.list();
  const deleted: string[] = [];
  const deleteHook = async (id: string) => {
    try {
      await client.delete(id);
    } catch (error) {
      if (!(error instanceof AirtableApiError && error.status === 404)) throw error;
    }
    deleted.push(id);
  };
  const strays = (keep: string | null): AirtableWebhook[] =>
    hooks.filter((h) => h.id !== keep && h.notificationUrl === notificationUrl);

  const registered = stored && stored.baseId === baseId ? hooks.find((h) => h.id === stored.webhookId) : undefined;
  if (stored && registered && stored.tableId === tableId && stored.notificationUrl === notificationUrl && isAlive(registered, now())) {
    let expirationTime: string | null | undefined;
    try {
      expirationTime = await client.refresh(registered.id);
    } catch (error) {
      // Expired between the list and the refresh: recreate below.
      if (!(error instanceof AirtableApiError && error.status === 404)) throw error;
    }
    if (expirationTime !== undefined) {
      await store.setState(AIRTABLE_WEBHOOK_STATE_KEY, { ...stored, expirationTime } satisfies AirtableWebhookRegistration);
      for (const stray of strays(registered.id)) await deleteHook(stray.id);
      return { action: "refreshed", webhookId: registered.id, notificationUrl, expirationTime, deleted };
    }
  }

  if (registered) await deleteHook(registered.id);
  for (const stray of strays(null)) if (!deleted.includes(stray.id)) await deleteHook(stray.id);
  const created = await client.create({ notificationUrl, tableId });
  const registration: AirtableWebhookRegistration = {
    baseId,
    tableId,
    webhookId: created.id,
    macSecretBase64: created.macSecretBase64,
    notificationUrl,
    expirationTime: created.expirationTime,
    createdAt: now().toISOString(),
  };
  await store.setState(AIRTABLE_WEBHOOK_STATE_KEY, registration);
  await store.setState(airtableWebhookCursorKey(created.id), 1);
  if (stored) await store.deleteState(airtableWebhookCursorKey(stored.webhookId));
  return { action: stored ? "recreated" : "created", webhookId: created.id, notificationUrl, expirationTime: created.expirationTime, deleted };
}

function isAlive(hook: AirtableWebhook, now: Date): boolean {
  if (hook.isHookEnabled === false) return false;
  return !hook.expirationTime || Date.parse(hook.expirationTime) > now.getTime();
}

/**
 * The server's upkeep: ensures the webhook when none is registered, when it points
 * elsewhere, or when it expires within `marginMs` (default 3 days); null when nothing was due.
 * Costs no request when nothing is due.
 */
export async function refreshAirtableWebhookIfDue(input: {
  store: AirtableFeedStore;
  notificationUrl: string;
  now?: () => Date;
  marginMs?: number;
}): Promise<EnsuredAirtableWebhook | null> {
  const now = input.now ?? (() => new Date());
  const stored = await readAirtableWebhookRegistration(input.store);
  const due =
    !stored ||
    stored.baseId !== input.store.restClient.baseId ||
    stored.tableId !== input.store.schema.leadsTableId ||
    stored.notificationUrl !== input.notificationUrl ||
    (stored.expirationTime !== null &&
      Date.parse(stored.expirationTime) - now().getTime() < (input.marginMs ?? AIRTABLE_WEBHOOK_REFRESH_MARGIN_MS));
  return due ? ensureAirtableWebhook({ store: input.store, notificationUrl: input.notificationUrl, now }) : null;
}

/** Queues one lead for reconcile, durably (the runtime's `enqueue`). */
export type EnqueueLead = (leadId: string, reason: string) => Promise<void>;

export interface AirtableChangesRead {
  webhookId: string;
  /** Payloads read in this run. */
  payloads: number;
  /** Of those, payloads of the app's own writes, skipped. */
  ownSkipped: number;
  /** Leads queued, in order, each once per run. */
  leadIds: string[];
  /** The stored cursor after the run (the next payload to read). */
  cursor: number;
}

export type AirtableNotificationResult =
  | { ok: true; read: AirtableChangesRead }
  | { ok: false; reason: "no-webhook" | "bad-mac"; message: string };

/**
 * A notification: verifies `X-Airtable-Content-MAC` against the raw body (constant time;
 * nothing is read or queued when it is wrong or missing), then reads the changes.
 */
export async function processAirtableNotification(input: {
  store: AirtableFeedStore;
  rawBody: string | Buffer;
  macHeader: string | undefined;
  enqueue: EnqueueLead;
  pageSize?: number;
}): Promise<AirtableNotificationResult> {
  const registration = await readAirtableWebhookRegistration(input.store);
  if (!registration) {
    return { ok: false, reason: "no-webhook", message: "no AirTable webhook is registered: run `hub-sales airtable webhook ensure`" };
  }
  if (!verifyAirtableMac({ rawBody: input.rawBody, header: input.macHeader, macSecretBase64: registration.macSecretBase64 })) {
    return {
      ok: false,
      reason: "bad-mac",
      message: "X-Airtable-Content-MAC is missing or does not match the body (expected hmac-sha256=<hex> keyed with the webhook's secret)",
    };
  }
  return { ok: true, read: await readAirtableChanges(input) };
}

interface FeedSlot {
  running: Promise<AirtableChangesRead> | null;
  queued: Promise<AirtableChangesRead> | null;
}

const slots = new WeakMap<object, FeedSlot>();

/**
 * Reads every payload after the stored cursor and queues the changed leads. Runs for one
 * store never overlap (two would read the same page and queue its leads twice); callers
 * arriving during a run share one follow-up run, which sees whatever arrived meanwhile.
 */
export function readAirtableChanges(input: { store: AirtableFeedStore; enqueue: EnqueueLead; pageSize?: number }): Promise<AirtableChangesRead> {
  let slot = slots.get(input.store);
  if (!slot) {
    slot = { running: null, queued: null };
    slots.set(input.store, slot);
  }
  const s = slot;
  const start = (): Promise<AirtableChangesRead> => {
    const run = readPages(input).finally(() => {
      if (s.running === run) s.running = null;
    });
    s.running = run;
    return run;
  };
  if (s.queued) return s.queued;
  if (s.running) {
    const queued = s.running
      .catch(() => undefined)
      .then(() => {
        s.queued = null;
        return start();
      });
    s.queued = queued;
    return queued;
  }
  return start();
}

/**
 * Page by page: queue the page's leads, then store the cursor. A crash between the two
 * queues those leads again on the next run, which reconcile makes harmless; storing the
 * cursor first could skip them.
 */
async function readPages(input: { store: AirtableFeedStore; enqueue: EnqueueLead; pageSize?: number }): Promise<AirtableChangesRead> {
  const { store } = input;
  const registration = await readAirtableWebhookRegistration(store);
  if (!registration) throw new Error("no AirTable webhook is registered: run `hub-sales airtable webhook ensure`");
  const client = new AirtableWebhooksClient(store.restClient);
  const cursorKey = airtableWebhookCursorKey(registration.webhookId);
  const storedCursor = cursorSchema.safeParse(await store.getState(cursorKey));
  let cursor = storedCursor.success ? storedCursor.data : 1;
  const tableId = store.schema.leadsTableId;
  const result: AirtableChangesRead = { webhookId: registration.webhookId, payloads: 0, ownSkipped: 0, leadIds: [], cursor };
  for (;;) {
    const page = await client.listPayloads({ webhookId: registration.webhookId, cursor, ...(input.pageSize ? { limit: input.pageSize } : {}) });
    const queuedThisPage = new Set<string>();
    for (const [i, payload] of page.payloads.entries()) {
      result.payloads += 1;
      if (store.isOwnChange(payload.actionMetadata)) {
        result.ownSkipped += 1;
        continue;
      }
      for (const leadId of changedRecordIds(payload, tableId)) {
        if (queuedThisPage.has(leadId)) continue;
        queuedThisPage.add(leadId);
        await input.enqueue(leadId, `AirTable change (payload ${cursor + i}, ${payload.actionMetadata?.source ?? "unknown source"})`);
        if (!result.leadIds.includes(leadId)) result.leadIds.push(leadId);
      }
    }
    const advanced = page.cursor > cursor;
    if (advanced) {
      cursor = page.cursor;
      await store.setState(cursorKey, cursor);
    }
    result.cursor = cursor;
    // A cursor that does not move would loop for ever; the next notification tries again.
    if (!page.mightHaveMore || !advanced) return result;
  }
}

/**
 * The server's timer work (each periodic pass and at start): keep the webhook registered
 * and alive when `HUB_SALES_PUBLIC_URL` is set, and read any payloads a lost notification
 * left behind. Never throws: failures are logged and retried on the next pass.
 */
export async function upkeepAirtableChangeFeed(input: {
  store: LeadStore;
  publicUrl: string | null;
  enqueue: EnqueueLead;
  log: Pick<Logger, "info" | "error">;
  now?: () => Date;
}): Promise<void> {
  const store = asAirtableFeedStore(input.store);
  if (!store) return;
  if (input.publicUrl) {
    try {
      const ensured = await refreshAirtableWebhookIfDue({ store, notificationUrl: airtableNotificationUrl(input.publicUrl), now: input.now });
      if (ensured) {
        input.log.info(`AirTable webhook ${ensured.webhookId} ${ensured.action}; expires ${ensured.expirationTime ?? "never"}`);
      }
    } catch (error) {
      input.log.error(`AirTable webhook upkeep: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  try {
    if (!(await readAirtableWebhookRegistration(store))) return;
    const read = await readAirtableChanges({ store, enqueue: input.enqueue });
    if (read.leadIds.length > 0) input.log.info(`AirTable catch-up: queued ${read.leadIds.length} lead(s) from ${read.payloads} payload(s)`);
  } catch (error) {
    input.log.error(`AirTable catch-up read: ${error instanceof Error ? error.message : String(error)}`);
  }
}
