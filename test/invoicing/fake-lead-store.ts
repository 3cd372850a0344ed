import type { CloudCost, Hub, Lead } from "../../src/domain/records.js";
import type { DeliveryConfirmation, LeadStore } from "../../src/store/lead-store.js";

/**
 * An in-memory `LeadStore` with what invoicing reads and the keyed state it writes.
 * `claimState` is atomic the way the real stores are: the check and the write happen in
 * one synchronous step, after an await so racing callers truly interleave.
 */
export class FakeLeadStore implements Partial<LeadStore> {
  readonly kind = "sqlite" as const;
  readonly state = new Map<string, unknown>();
  readonly stateWrites: string[] = [];

  constructor(
    readonly data: {
      leads?: Lead[];
      hubs?: Hub[];
      costs?: CloudCost[];
      confirmations?: DeliveryConfirmation[];
    } = {},
  ) {}

  async listLeads(): Promise<Lead[]> {
    return structuredClone(this.data.leads ?? []);
  }
  async listHubs(): Promise<Hub[]> {
    return structuredClone(this.data.hubs ?? []);
  }
  async listCloudCosts(filter?: { month?: string }): Promise<CloudCost[]> {
    return structuredClone((this.data.costs ?? []).filter((c) => !filter?.month || c.month === filter.month));
  }
  async listDeliveryConfirmations(month: string): Promise<DeliveryConfirmation[]> {
    return structuredClone((this.data.confirmations ?? []).filter((c) => c.month === month));
  }
  async getState<T = unknown>(key: string): Promise<T | null> {
    await Promise.resolve();
    return this.state.has(key) ? (structuredClone(this.state.get(key)) as T) : null;
  }
  async setState(key: string, value: unknown): Promise<void> {
    await Promise.resolve();
    this.stateWrites.push(`set ${key}`);
    this.state.set(key, structuredClone(value));
  }
  async claimState(key: string, value: unknown): Promise<boolean> {
    await Promise.resolve();
    if (this.state.has(key)) return false;
    this.stateWrites.push(`claim ${key}`);
    this.state.set(key, structuredClone(value));
    return true;
  }
  async deleteState(key: string): Promise<void> {
    await Promise.resolve();
    this.stateWrites.push(`delete ${key}`);
    this.state.delete(key);
  }

  asLeadStore(): LeadStore {
    return this as unknown as LeadStore;
  }
}
