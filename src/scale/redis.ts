import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Redis connections of one instance: a shared command connection (publishing, and whatever else
 * needs Redis, e.g. a shared rate-limit store: `connections.shared()`), and dedicated ones where Redis
 * requires them (a subscriber, BullMQ's blocking worker). Every connection reconnects on its own.
 */
export class RedisConnections {
  private sharedClient: Redis | null = null;
  private readonly opened: Redis[] = [];

  constructor(
    private readonly url: string,
    readonly prefix: string,
    private readonly instanceId: string,
    private readonly log: Logger,
  ) {}

  /** A new connection named `<instance>:<role>` in CLIENT LIST. */
  open(role: string, options: { forBullmq?: boolean } = {}): Redis {
    const client = new Redis(this.url, {
      connectionName: `${this.instanceId}:${role}`.replace(/[^A-Za-z0-9:._-]/g, '_'),
      // Commands wait through a reconnect instead of failing after 20 tries (BullMQ requires null).
      maxRetriesPerRequest: options.forBullmq ? null : 3,
      retryStrategy: (times) => Math.min(100 * times, 2000),
      lazyConnect: false,
    });
    let wasReady = false;
    client.on('ready', () => {
      if (wasReady) this.log.info({ role }, 'Redis connection restored');
      wasReady = true;
    });
    client.on('error', (error) => this.log.warn({ role, err: { message: error.message } }, 'Redis connection error'));
    this.opened.push(client);
    return client;
  }

  /** The instance's shared command connection. */
  shared(): Redis {
    return (this.sharedClient ??= this.open('shared'));
  }

  async ping(): Promise<void> {
    const answer = await Promise.race([
      this.shared().ping(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('Redis did not answer within 1 s')), 1000).unref()),
    ]);
    if (answer !== 'PONG') throw new Error(`Redis answered ${answer}`);
  }

  async close(): Promise<void> {
    await Promise.all(this.opened.splice(0).map((client) => client.quit().catch(() => client.disconnect())));
    this.sharedClient = null;
  }
}
