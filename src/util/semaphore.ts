import type { DomainError } from '../errors.js';

/**
 * At most `limit` holders at once; up to `queueLimit` more wait in order, beyond that `run` refuses
 * at once with the `busy` error — so a burst queues briefly instead of interleaving hundreds of CPU-bound jobs.
 */
export class Semaphore {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly limit: number,
    private readonly queueLimit: number,
    /** The error a refused caller gets (a DomainError with its own code). */
    private readonly busy: () => DomainError,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      if (this.waiting.length >= this.queueLimit) throw this.busy();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next)
        next(); // the slot passes on
      else this.running--;
    }
  }
}
