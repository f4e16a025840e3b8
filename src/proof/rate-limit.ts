/**
 * A fixed-window counter per key (client address): enough to make guessing codes slow. Kept small and
 * local; one shared limiter for the whole service can replace it.
 */
export class WindowLimiter {
  private readonly counts = new Map<string, number>();
  private windowStart = Date.now();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly maxKeys = 100_000,
  ) {}

  /** Counts a hit; the seconds to wait when over the limit, else 0. */
  hit(key: string, now = Date.now()): number {
    if (now - this.windowStart >= this.windowMs) {
      this.counts.clear();
      this.windowStart = now;
    }
    if (!this.counts.has(key) && this.counts.size >= this.maxKeys) return Math.ceil((this.windowStart + this.windowMs - now) / 1000);
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return count > this.limit ? Math.max(1, Math.ceil((this.windowStart + this.windowMs - now) / 1000)) : 0;
  }
}
