/**
 * Group commit for a flush to disk: every caller is answered by a flush that *started after* it asked,
 * and callers arriving while one flush runs share the next one, so N concurrent commits cost about two
 * flushes instead of N.
 */
export class GroupSync {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly flush: () => Promise<void>) {}

  sync(): Promise<void> {
    if (!this.running) return this.start();
    // The running flush may have begun before this caller's write reached the file: wait for the next.
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.start();
      });
    return this.queued;
  }

  private start(): Promise<void> {
    const flushing: Promise<void> = this.flush().finally(() => {
      if (this.running === flushing) this.running = undefined;
    });
    this.running = flushing;
    return flushing;
  }
}
