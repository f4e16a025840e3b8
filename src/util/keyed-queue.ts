/** Runs tasks that share a key one after another (within this process); different keys run freely. */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.tails.set(key, settled);
    try {
      return await next;
    } finally {
      if (this.tails.get(key) === settled) this.tails.delete(key);
    }
  }
}
