import type { HubSalesRuntime } from "./hub-sales-runtime.js";

/**
 * SIGTERM (a rolling update, a drained node): stop taking webhooks, stop claiming work, let
 * the runs in flight finish within `HUB_SALES_SHUTDOWN_GRACE_SECONDS` or hand their leases
 * back so another replica continues at once, close the store, exit. A webhook arriving
 * meanwhile goes to another replica (the pod has left the Service's endpoints).
 */
export async function shutDownGracefully(input: {
  runtime: HubSalesRuntime | null;
  closeServer: () => Promise<void>;
  exit: (code: number) => void;
  log: (message: string) => void;
}): Promise<void> {
  const { runtime, log } = input;
  // Idle keep-alive connections would hold `close` open: the exit does not wait for it for long.
  const closing = input.closeServer().catch(() => undefined);
  let code = 0;
  try {
    if (runtime) {
      await runtime.shutdown();
      await runtime.store.close();
    }
  } catch (error) {
    log(`shutdown: ${error instanceof Error ? error.message : String(error)}`);
    code = 1;
  }
  await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  input.exit(code);
}
