import { createHmac, randomUUID } from "node:crypto";

/**
 * Delivers webhooks the way GitHub does: a JSON POST with `X-GitHub-Event`,
 * `X-GitHub-Delivery` (a uuid) and `X-Hub-Signature-256` (HMAC-SHA256 of the raw body
 * keyed with the secret). Every delivery is recorded with its answer; a redelivery
 * sends the same bytes with the same delivery id, as GitHub's "Redeliver" button does.
 * GitHub gives up after 10 s and never retries on its own; so does this.
 */
export interface WebhookTarget {
  url: string;
  secret: string;
}

export interface WebhookDelivery {
  /** The `X-GitHub-Delivery` id; shared by a delivery and its redeliveries. */
  id: string;
  event: string;
  action: string | undefined;
  payload: Record<string, unknown>;
  /** The exact bytes sent (and re-sent on redelivery). */
  body: string;
  redelivery: boolean;
  /** HTTP status of the receiver's answer; null when it could not be reached or timed out. */
  status: number | null;
  error: string | null;
  deliveredAt: string | null;
  durationMs: number | null;
}

export interface WebhookSenderOptions {
  target: () => WebhookTarget | null;
  appId: number;
  timeoutMs: number;
  /** How many deliveries may be in flight at once (GitHub: many; default here: 1, for a readable order). */
  concurrency: number;
}

export class WebhookSender {
  readonly deliveries: WebhookDelivery[] = [];
  private readonly queue: WebhookDelivery[] = [];
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: WebhookSenderOptions) {}

  /** Queues a delivery; returns null (and records nothing) when no target is configured. */
  send(event: string, payload: Record<string, unknown>): WebhookDelivery | null {
    if (!this.options.target()) return null;
    const delivery: WebhookDelivery = {
      id: randomUUID(),
      event,
      action: typeof payload.action === "string" ? payload.action : undefined,
      payload,
      body: JSON.stringify(payload),
      redelivery: false,
      status: null,
      error: null,
      deliveredAt: null,
      durationMs: null,
    };
    this.enqueue(delivery);
    return delivery;
  }

  redeliver(deliveryId: string): WebhookDelivery {
    const original = this.deliveries.find((d) => d.id === deliveryId && !d.redelivery);
    if (!original) throw new Error(`stand-in: no webhook delivery with id ${deliveryId}`);
    const again: WebhookDelivery = {
      ...original,
      redelivery: true,
      status: null,
      error: null,
      deliveredAt: null,
      durationMs: null,
    };
    this.enqueue(again);
    return again;
  }

  /** Resolves once every queued delivery (including ones queued meanwhile) has been answered. */
  async settle(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  private enqueue(delivery: WebhookDelivery): void {
    this.deliveries.push(delivery);
    this.queue.push(delivery);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.options.concurrency && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.inFlight++;
      void this.deliver(next).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.queue.length === 0 && this.inFlight === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const wake of waiters) wake();
        }
      });
    }
  }

  private async deliver(delivery: WebhookDelivery): Promise<void> {
    const target = this.options.target();
    if (!target) {
      delivery.error = "no webhook target configured";
      return;
    }
    const started = Date.now();
    try {
      const response = await fetch(target.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "GitHub-Hookshot/stand-in",
          "x-github-event": delivery.event,
          "x-github-delivery": delivery.id,
          "x-github-hook-id": "1",
          "x-github-hook-installation-target-type": "integration",
          "x-github-hook-installation-target-id": String(this.options.appId),
          "x-hub-signature": `sha1=${createHmac("sha1", target.secret).update(delivery.body).digest("hex")}`,
          "x-hub-signature-256": signWebhookBody(target.secret, delivery.body),
        },
        body: delivery.body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      // Drain the body so the socket is released.
      await response.arrayBuffer().catch(() => undefined);
      delivery.status = response.status;
    } catch (error) {
      delivery.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    } finally {
      delivery.deliveredAt = new Date().toISOString();
      delivery.durationMs = Date.now() - started;
    }
  }
}

/** `sha256=<hex HMAC-SHA256 of body keyed with secret>`, GitHub's `X-Hub-Signature-256`. */
export function signWebhookBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}
