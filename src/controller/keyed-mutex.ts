/**
 * Runs tasks for the same key one after another, tasks for different keys in parallel.
 * Reconcile runs for one lead must not interleave (two triggers racing would both see
 * "no issue yet" and both open one).
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }

  get busyKeys(): number {
    return this.#tails.size;
  }
}
