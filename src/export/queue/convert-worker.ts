import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Converter } from '../office/index.js';
import {
  bullPrefix,
  CONVERT_QUEUE,
  type ConvertJobData,
  type ConvertJobProgress,
  type ConvertJobResult,
  encodeFailure,
  LOCK_DURATION_MS,
  STALLED_INTERVAL_MS,
  WORKER_HEARTBEAT_MS,
  WORKER_SEEN_WITHIN_MS,
  workersKey,
} from './protocol.js';

export interface ConvertWorkerSettings {
  redisUrl: string;
  prefix: string;
  /** For the heartbeat that /readyz counts. */
  redis: Redis;
  workerId: string;
  /** Jobs at once: the pool's worker count. */
  concurrency: number;
  /** How often a job may be found abandoned by a dead worker before it fails. */
  attempts: number;
  converter: Converter;
  log: Logger;
}

export interface RunningConvertWorker {
  close(): Promise<void>;
}

/**
 * The converter side of the queue: takes conversion jobs and runs them on this process's warm
 * LibreOffice pool, reporting when it starts. A document LibreOffice cannot convert fails at once
 * (retrying would not help); a crash or timeout is retried, possibly on another worker.
 */
export async function startConvertWorker(settings: ConvertWorkerSettings): Promise<RunningConvertWorker> {
  const { converter, log, workerId } = settings;
  const connection = { url: settings.redisUrl, maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(100 * times, 2000) };
  const worker = new Worker<ConvertJobData, ConvertJobResult>(
    CONVERT_QUEUE,
    async (job) => {
      await job.updateProgress({ stage: 'converting', worker: workerId } satisfies ConvertJobProgress);
      const started = performance.now();
      try {
        const pdf = await converter.convert(Buffer.from(job.data.docx, 'base64'), { timeoutMs: job.data.timeoutMs });
        log.info({ jobId: job.id, attempt: job.attemptsMade + 1, ms: Math.round(performance.now() - started) }, 'converted');
        return pdf.toString('base64');
      } catch (error) {
        const encoded = encodeFailure(error);
        log.warn(
          {
            jobId: job.id,
            attempt: job.attemptsMade + 1,
            err: { message: (error as Error).message, code: (error as { code?: string }).code },
          },
          'conversion failed',
        );
        if (/does not look like a valid Word document/.test((error as Error).message)) throw new UnrecoverableError(encoded);
        throw new Error(encoded, { cause: error });
      }
    },
    {
      connection,
      prefix: bullPrefix(settings.prefix),
      concurrency: settings.concurrency,
      lockDuration: LOCK_DURATION_MS,
      stalledInterval: STALLED_INTERVAL_MS,
      // A job found abandoned goes back to the queue; the tries in all stay within `attempts`.
      maxStalledCount: Math.max(0, settings.attempts - 1),
    },
  );
  worker.on('error', (error) => log.warn({ err: { message: error.message } }, 'conversion worker error'));
  await worker.waitUntilReady();

  const beat = async () => {
    const now = Date.now();
    await settings.redis.zadd(workersKey(settings.prefix), now, workerId);
    await settings.redis.zremrangebyscore(workersKey(settings.prefix), '-inf', now - 10 * WORKER_SEEN_WITHIN_MS);
  };
  await beat().catch(() => undefined);
  const heartbeat = setInterval(() => void beat().catch(() => undefined), WORKER_HEARTBEAT_MS);
  heartbeat.unref();

  return {
    async close() {
      clearInterval(heartbeat);
      // Lets running jobs finish (the pool is closed afterwards by the caller).
      await worker.close();
      await settings.redis.zrem(workersKey(settings.prefix), workerId).catch(() => undefined);
    },
  };
}
