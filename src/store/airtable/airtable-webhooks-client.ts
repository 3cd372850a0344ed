import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { AirtableRestClient } from "./airtable-rest-client.js";

/**
 * AirTable's webhooks API (SPEC §9): create (the MAC secret is shown once), list,
 * refresh before the 7-day expiry, delete, and read payloads from a cursor, at most 50
 * per call. Responses are validated; payload contents stay loosely typed beyond the parts
 * the app reads (which records of which table changed, and who changed them).
 */

const cellValues = z.record(z.string(), z.unknown());

export const webhookPayloadSchema = z
  .object({
    timestamp: z.string(),
    baseTransactionNumber: z.number(),
    actionMetadata: z
      .object({
        source: z.string(),
        sourceMetadata: z.object({ user: z.object({ id: z.string() }).loose().optional() }).loose().optional(),
      })
      .loose()
      .optional(),
    changedTablesById: z
      .record(
        z.string(),
        z
          .object({
            createdRecordsById: z.record(z.string(), z.object({ cellValuesByFieldId: cellValues.optional() }).loose()).optional(),
            changedRecordsById: z
              .record(
                z.string(),
                z
                  .object({
                    current: z.object({ cellValuesByFieldId: cellValues.optional() }).loose().optional(),
                    previous: z.object({ cellValuesByFieldId: cellValues.optional() }).loose().optional(),
                  })
                  .loose(),
              )
              .optional(),
            destroyedRecordIds: z.array(z.string()).optional(),
          })
          .loose(),
      )
      .optional(),
  })
  .loose();

export type AirtableWebhookPayload = z.infer<typeof webhookPayloadSchema>;

const createdSchema = z.object({ id: z.string(), macSecretBase64: z.string(), expirationTime: z.string().nullable() });
const webhookSchema = z
  .object({
    id: z.string(),
    notificationUrl: z.string().nullable().optional(),
    expirationTime: z.string().nullable().optional(),
    cursorForNextPayload: z.number().optional(),
    isHookEnabled: z.boolean().optional(),
  })
  .loose();
const listSchema = z.object({ webhooks: z.array(webhookSchema) });
const refreshSchema = z.object({ expirationTime: z.string().nullable() });
const payloadsSchema = z.object({
  payloads: z.array(webhookPayloadSchema),
  cursor: z.number(),
  mightHaveMore: z.boolean(),
});

export type AirtableWebhook = z.infer<typeof webhookSchema>;

export class AirtableWebhooksClient {
  constructor(private readonly rest: AirtableRestClient) {}

  private get path(): string {
    return `/v0/bases/${this.rest.baseId}/webhooks`;
  }

  /** Watches record changes of one table (or the whole base without `tableId`). Keep the secret: it is shown once. */
  async create(input: { notificationUrl: string | null; tableId?: string }): Promise<z.infer<typeof createdSchema>> {
    const filters: Record<string, unknown> = { dataTypes: ["tableData"] };
    if (input.tableId) filters.recordChangeScope = input.tableId;
    const body = { notificationUrl: input.notificationUrl, specification: { options: { filters } } };
    return createdSchema.parse(await this.rest.request({ method: "POST", path: this.path, body, label: "create the webhook" }));
  }

  async list(): Promise<AirtableWebhook[]> {
    return listSchema.parse(await this.rest.request({ method: "GET", path: this.path, label: "list webhooks" })).webhooks;
  }

  /** Extends the webhook's life to 7 days from now; returns the new expiry. */
  async refresh(webhookId: string): Promise<string | null> {
    const res = await this.rest.request({ method: "POST", path: `${this.path}/${webhookId}/refresh`, label: "refresh the webhook" });
    return refreshSchema.parse(res).expirationTime;
  }

  async delete(webhookId: string): Promise<void> {
    await this.rest.request({ method: "DELETE", path: `${this.path}/${webhookId}`, label: "delete the webhook" });
  }

  /** One call: payloads from `cursor` (first is 1), the cursor to keep, and whether to call again. */
  async listPayloads(input: {
    webhookId: string;
    cursor: number;
    limit?: number;
  }): Promise<{ payloads: AirtableWebhookPayload[]; cursor: number; mightHaveMore: boolean }> {
    const query: Record<string, number> = { cursor: input.cursor };
    if (input.limit !== undefined) query.limit = input.limit;
    const res = await this.rest.request({
      method: "GET",
      path: `${this.path}/${input.webhookId}/payloads`,
      query,
      label: "read webhook payloads",
    });
    return payloadsSchema.parse(res);
  }
}

/**
 * Checks `X-Airtable-Content-MAC: hmac-sha256=<hex>` against the raw body, keyed with
 * the base64-decoded secret; constant-time.
 */
export function verifyAirtableMac(input: { rawBody: string | Buffer; header: string | undefined; macSecretBase64: string }): boolean {
  const m = /^hmac-sha256=([0-9a-f]{64})$/i.exec(input.header?.trim() ?? "");
  if (!m) return false;
  const expected = createHmac("sha256", Buffer.from(input.macSecretBase64, "base64")).update(input.rawBody).digest();
  const given = Buffer.from(m[1]!, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Ids of the records of `tableId` a payload creates or changes (destroyed ones are not reconcilable). */
export function changedRecordIds(payload: AirtableWebhookPayload, tableId: string): string[] {
  const table = payload.changedTablesById?.[tableId];
  if (!table) return [];
  return [...new Set([...Object.keys(table.createdRecordsById ?? {}), ...Object.keys(table.changedRecordsById ?? {})])];
}
