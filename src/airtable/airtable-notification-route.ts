import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../controller/reconcile-deps.js";
import type { LeadStore } from "../store/lead-store.js";
import { asAirtableFeedStore, processAirtableNotification, type EnqueueLead } from "./airtable-change-feed.js";

/** AirTable's notification is a small ping; anything larger is not one. */
const MAX_BODY_BYTES = 64 * 1024;
/** Reading payloads is usually quick; past this the answer goes out and the reading goes on. */
const ANSWER_WITHIN_MS = 5_000;

function sendJson(res: ServerResponse, status: number, body: unknown): true {
  if (!res.headersSent) {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
    res.end(`${JSON.stringify(body)}\n`);
  }
  return true;
}

class BodyTooLargeError extends Error {}

/** The raw bytes: the MAC is computed over them, so the body must not be parsed and re-serialised first. */
function readRawBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/**
 * `POST /hub-sales/airtable/webhook`: 404 when the store is not AirTable, 401 for a wrong
 * or missing `X-Airtable-Content-MAC` (nothing queued), 200 with what was read, 202 when
 * reading takes longer than 5 s (it goes on), 500 when AirTable could not be read (the
 * cursor stays put, so the next notification or the periodic pass reads it again).
 */
export async function handleAirtableNotificationRequest(input: {
  req: IncomingMessage;
  res: ServerResponse;
  store: LeadStore;
  enqueue: EnqueueLead;
  log: Logger;
}): Promise<true> {
  const { req, res, log } = input;
  const store = asAirtableFeedStore(input.store);
  if (!store) {
    req.resume();
    return sendJson(res, 404, { error: `AirTable notifications are off: the app uses the ${input.store.kind} store (set AIRTABLE_TOKEN to use AirTable)` });
  }
  let rawBody: Buffer;
  try {
    rawBody = await readRawBody(req);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return sendJson(res, 413, { error: `a notification is at most ${MAX_BODY_BYTES} bytes` });
    throw error;
  }
  const header = req.headers["x-airtable-content-mac"];
  const work = processAirtableNotification({
    store,
    rawBody,
    macHeader: Array.isArray(header) ? header[0] : header,
    enqueue: input.enqueue,
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), ANSWER_WITHIN_MS);
  });
  try {
    const outcome = await Promise.race([work, late]);
    if (outcome === "late") {
      void work.then(
        (r) => r.ok && log.info(`AirTable notification: ${r.read.payloads} payload(s), queued ${r.read.leadIds.length} lead(s)`),
        (error: unknown) => log.error(`AirTable notification: ${error instanceof Error ? error.message : String(error)}`),
      );
      return sendJson(res, 202, { ok: true, pending: true });
    }
    if (!outcome.ok) {
      log.warn(`AirTable notification refused: ${outcome.message}`);
      return sendJson(res, 401, { error: outcome.message });
    }
    const { read } = outcome;
    if (read.leadIds.length > 0) log.info(`AirTable notification: queued ${read.leadIds.length} lead(s) from ${read.payloads} payload(s)`);
    return sendJson(res, 200, { ok: true, payloads: read.payloads, ownSkipped: read.ownSkipped, leads: read.leadIds, cursor: read.cursor });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.error(`AirTable notification: could not read the changes: ${message}`);
    return sendJson(res, 500, { error: `could not read the changes from AirTable: ${message}` });
  } finally {
    clearTimeout(timer);
  }
}
