/**
 * Store writes a queued reconcile hands on instead of waiting for: the lead's issue links.
 * The run goes on with its next lead while the links share full AirTable requests with
 * other leads'; its work item completes only once they have landed (`landed`), so a process
 * that dies first leaves the item queued and the next run adopts the issues by marker.
 */
export class WritesBehind {
  readonly #writes: Promise<void>[] = [];
  #failure: { error: unknown } | null = null;

  add(write: Promise<unknown>): void {
    // Caught at once: a write failing while the run is still busy must not go unhandled.
    this.#writes.push(
      write.then(
        () => undefined,
        (error: unknown) => {
          this.#failure ??= { error };
        },
      ),
    );
  }

  get size(): number {
    return this.#writes.length;
  }

  /** Resolves once every write has landed; rejects with the first failure once all have settled. */
  async landed(): Promise<void> {
    await Promise.all(this.#writes);
    if (this.#failure) throw this.#failure.error;
  }
}
