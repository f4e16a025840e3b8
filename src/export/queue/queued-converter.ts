import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { OfficeError, queueFull } from '../office/errors.js';
import type { Converter, ConvertOptions } from '../office/index.js';
import {
  bullPrefix,
  CONVERT_QUEUE,
  type ConvertJobData,
  type ConvertJobProgress,
  type ConvertJobResult,
  decodeFailure,
  LOCK_DURATION_MS,
  STALLED_INTERVAL_MS,
  WORKER_SEEN_WITHIN_MS,
  workersKey,
} from './protocol.js';

export interface QueuedConverterSettings {
  redisUrl: string;
  prefix: string;
  /** The shared command connection, for the queue-depth and worker checks. */
  redis: Redis;
  queueLimit: number;
  conversionTimeoutMs: number;
  attempts: number;
  log: Logger;
}

/**
 * Conversions as durable jobs (BullMQ on Redis) for converter processes elsewhere (`npm run worker`,
 * each holding a warm LibreOffice pool). A job survives the death of the worker running it: its lock
 * expires and another worker takes it, up to `attempts` tries; after that the request gets
 * CONVERT_FAILED. The waiting request is bounded too: it never waits longer than every attempt could take.
 */
export class QueuedConverter implements Converter {
  private readonly queue: Queue<ConvertJobData, ConvertJobResult>;
  private readonly events: QueueEvents;
  private readonly started = new Map<string, () => void>();
  private converted = 0;
  private closed = false;

  constructor(private readonly settings: QueuedConverterSettings) {
    const connection = {
      url: settings.redisUrl,
      maxRetriesPerRequest: null,
      retryStrategy: (times: number) => Math.min(100 * times, 2000),
    };
    this.queue = new Queue(CONVERT_QUEUE, { connection, prefix: bullPrefix(settings.prefix) });
    this.events = new QueueEvents(CONVERT_QUEUE, { connection, prefix: bullPrefix(settings.prefix) });
    this.queue.on('error', (error) => settings.log.warn({ err: { message: error.message } }, 'conversion queue error'));
    this.events.on('error', (error) => settings.log.warn({ err: { message: error.message } }, 'conversion queue events error'));
    this.events.on('progress', ({ jobId, data }) => {
      if ((data as ConvertJobProgress | undefined)?.stage === 'converting') this.started.get(jobId)?.();
    });
  }

  async start(): Promise<void> {
    await Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]);
  }

  /** Jobs waiting for a converter (the queue limit applies to these, as for the in-process pool). */
  async waiting(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'prioritized', 'delayed');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  async convert(docx: Buffer, options: ConvertOptions = {}): Promise<Buffer> {
    if (this.closed) throw new OfficeError('POOL_CLOSED', 'The PDF converter is shutting down; please try again shortly.');
    const { queueLimit, conversionTimeoutMs, attempts, log } = this.settings;
    // Redis unreachable: answer 503 (retry later) at once rather than wait out the reconnect.
    const waiting = await Promise.race([
      this.waiting(),
      new Promise<never>((_, reject) => setTimeout(() => reject(queueFull('the conversion queue (Redis) does not answer')), 2000).unref()),
    ]);
    if (waiting >= queueLimit) throw queueFull(`${queueLimit} conversions already wait for a converter`);
    const timeoutMs = options.timeoutMs ?? conversionTimeoutMs;
    const job = await this.queue.add(
      'docx',
      { docx: docx.toString('base64'), timeoutMs },
      {
        attempts,
        backoff: { type: 'fixed', delay: 250 },
        removeOnComplete: { age: 300, count: 1000 },
        removeOnFail: { age: 3600, count: 1000 },
      },
    );
    const jobId = job.id!;
    if (options.onStarted) this.started.set(jobId, options.onStarted);
    // Queue wait counts once (as long as one conversion), then every attempt and the time to notice a dead worker.
    const deadline = conversionTimeoutMs + attempts * (timeoutMs + LOCK_DURATION_MS + STALLED_INTERVAL_MS + 1000);
    try {
      const base64: ConvertJobResult = await job.waitUntilFinished(this.events, deadline);
      this.converted++;
      return Buffer.from(base64, 'base64');
    } catch (error) {
      const message = (error as Error).message ?? '';
      if (/timed out before finishing/i.test(message)) {
        // Nobody converted it in time (no worker, or every worker stuck): take it back so it is not done for nobody.
        await job.remove().catch(() => undefined);
        log.warn({ jobId }, 'conversion job not finished before its deadline');
        throw new OfficeError(
          'CONVERT_TIMEOUT',
          `The document could not be converted to PDF within ${Math.round(deadline / 1000)} s; please try again.`,
        );
      }
      throw decodeFailure(message);
    } finally {
      this.started.delete(jobId);
    }
  }

  /** Converter workers that sent a heartbeat recently. */
  async workersSeen(): Promise<string[]> {
    return this.settings.redis.zrangebyscore(workersKey(this.settings.prefix), Date.now() - WORKER_SEEN_WITHIN_MS, '+inf');
  }

  async healthCheck(): Promise<boolean> {
    return (await this.workersSeen()).length > 0;
  }

  stats(): ReturnType<Converter['stats']> {
    return { workers: 0, busy: 0, queued: this.started.size, converted: this.converted, restarts: 0, mode: 'queue' };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.events.close().catch(() => undefined), this.queue.close().catch(() => undefined)]);
  }
}
