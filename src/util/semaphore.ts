import { DomainError } from '../errors.js';

/**
 * At most `limit` holders at once; up to `queueLimit` more wait in order, beyond that `acquire` refuses
 * at once with `busyCode` — so a burst queues briefly instead of interleaving hundreds of CPU-bound jobs.
 */
export class Semaphore {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly limit: number,
    private readonly queueLimit: number,
    private readonly busyCode: string,
    private readonly busyMessage = 'Too many requests are being handled; try again shortly.',
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      if (this.waiting.length >= this.queueLimit) throw new DomainError(this.busyCode, this.busyMessage);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes on
      else this.running--;
    }
  }
}
