import { afterEach, beforeEach } from "vitest";

export type MakeStore<S> = () => Promise<{ store: S; cleanup?: () => Promise<void> }>;

/** A fresh store for each test of the enclosing `describe`, handed to `use`; closed (and cleaned up) after it. */
export function useFreshStore<S extends { close(): Promise<void> }>(makeStore: MakeStore<S>, use: (store: S) => void): void {
  let made: Awaited<ReturnType<MakeStore<S>>> | undefined;
  beforeEach(async () => {
    made = await makeStore();
    use(made.store);
  });
  afterEach(async () => {
    await made?.store.close();
    await made?.cleanup?.();
  });
}
