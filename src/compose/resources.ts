/**
 * What starting opened (the database, Redis, worker threads, the converter), closed in reverse order:
 * at the end of a drain, or at once when the start fails.
 */
export class Resources {
  private readonly closers: Array<() => Promise<unknown>> = [];

  /** Registers `resource` to be closed with `close`; returns it. */
  add<T>(resource: T, close: (resource: T) => Promise<unknown>): T {
    this.closers.push(() => close(resource));
    return resource;
  }

  /** Closes each one, newest first (a failing one does not keep the others open); rejects with the first failure. */
  async closeAll(): Promise<void> {
    const failures: unknown[] = [];
    for (const close of this.closers.splice(0).reverse()) await close().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  }
}
