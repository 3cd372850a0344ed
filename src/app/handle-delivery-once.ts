import type { LeadStore } from "../store/lead-store.js";

/**
 * Runs a webhook's work once per delivery id. The id is claimed before the work, so a
 * redelivery arriving meanwhile does nothing; it is released when the work fails, so the
 * operator's "Redeliver" runs it again (GitHub itself never retries a failed delivery).
 */
export async function handleDeliveryOnce(input: {
  store: LeadStore;
  deliveryId: string;
  event: string;
  work: () => Promise<void>;
}): Promise<void> {
  const { store, deliveryId, event, work } = input;
  if (!(await store.recordDelivery(deliveryId, event))) return;
  try {
    await work();
  } catch (error) {
    await store.forgetDelivery(deliveryId).catch(() => undefined);
    throw error;
  }
}
