import type { DeliveryConfirmation, AppStateStore } from "./app-state-store.js";
import { RecordNotFoundError, type RecordStore } from "./record-store.js";
import { validateDeliveryConfirmation } from "./record-validation.js";

export * from "./app-state-store.js";
export * from "./record-store.js";

type RecordMethods = Omit<RecordStore, "kind" | "close">;
type AppStateMethods = Omit<AppStateStore, "kind" | "close">;

/**
 * What the app works with: the pipeline's records (`RecordStore`) and its own state
 * (`AppStateStore`), each from its own backend. `openStore` composes them as SPEC §7 and
 * the environment say: all in the SQLite file; all in PostgreSQL; or the records in AirTable
 * and the state in SQLite or PostgreSQL.
 */
export interface LeadStore extends RecordMethods, AppStateMethods {
  /** Where the records live. */
  readonly kind: RecordStore["kind"];
  /** Where the app's state lives. */
  readonly stateKind: AppStateStore["kind"];
  close(): Promise<void>;
}

/** Every method of each half, named once: the type check fails when a half gains one not listed here. */
const RECORD_METHODS = [
  "listLeads", "getLead", "findLeadByName", "createLead", "updateLead", "upsertLeadsByName", "sendHeldWrites",
  "listHubs", "findHubByName", "createHub", "updateHub", "upsertHubsByName",
] as const satisfies readonly (keyof RecordMethods)[];
const APP_STATE_METHODS = [
  "listCloudCosts", "upsertCloudCosts",
  "recordDelivery", "recordDeliveryWithWork", "forgetDelivery", "pruneDeliveries", "getState", "setState", "claimState", "deleteState",
  "enqueueWork", "listDueWork", "claimWork", "acquireLease", "renewLease", "releaseLease", "completeWork", "failWork", "listWork",
  "recordFailedEffect", "markFailedEffectReported", "clearFailedEffect", "listFailedEffects",
  "appendLeadLog", "listLeadLog", "listLatestStatusEntries",
  "recordDeliveryConfirmation", "listDeliveryConfirmations",
] as const satisfies readonly (keyof AppStateMethods)[];
type Exhaustive<Listed, All> = [Exclude<All, Listed>] extends [never] ? true : { missing: Exclude<All, Listed> };
const recordMethodsListed: Exhaustive<(typeof RECORD_METHODS)[number], keyof RecordMethods> = true;
const appStateMethodsListed: Exhaustive<(typeof APP_STATE_METHODS)[number], keyof AppStateMethods> = true;
void recordMethodsListed;
void appStateMethodsListed;

/** A `LeadStore` made of its two halves, each still reachable (the AirTable change feed needs the base). */
export interface ComposedLeadStore<R extends RecordStore = RecordStore, S extends AppStateStore = AppStateStore> extends LeadStore {
  readonly records: R;
  readonly appState: S;
}

/**
 * Joins a record store and an app-state store. A delivery confirmation is checked against
 * the records first (the state half cannot know the leads). One object may serve as both
 * halves (the SQLite file, PostgreSQL); it is closed once.
 */
export function composeLeadStore<R extends RecordStore, S extends AppStateStore>(
  records: R,
  appState: S,
  options: { closeAppState?: boolean } = {},
): ComposedLeadStore<R, S> {
  const store = { kind: records.kind, stateKind: appState.kind, records, appState } as Record<string, unknown>;
  for (const name of RECORD_METHODS) store[name] = (records[name] as (...args: unknown[]) => unknown).bind(records);
  for (const name of APP_STATE_METHODS) store[name] = (appState[name] as (...args: unknown[]) => unknown).bind(appState);
  store.recordDeliveryConfirmation = async (confirmation: DeliveryConfirmation): Promise<void> => {
    const valid = validateDeliveryConfirmation(confirmation);
    if (!(await records.getLead(valid.leadId))) throw new RecordNotFoundError("Leads", valid.leadId);
    await appState.recordDeliveryConfirmation(valid);
  };
  store.close = async (): Promise<void> => {
    try {
      await records.close();
    } finally {
      if ((appState as object) !== (records as object) && options.closeAppState !== false) await appState.close();
    }
  };
  return store as unknown as ComposedLeadStore<R, S>;
}
