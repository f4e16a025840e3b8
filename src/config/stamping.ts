import { ConfigError, integer, oneOf } from './parse.js';

type Env = Record<string, string | undefined>;

/** How stamps reach the engine and how many run at once; batch stamping's limits (issue 18). */
export interface StampingConfig {
  /** `in-process`: S1/S2 and files through the engine side of this process; `http`: through SIGNATURE_API_URL (or our own address). */
  engineTransport: 'in-process' | 'http';
  /** Stamps applied at once; more wait in a queue of `stampQueueLimit`, beyond it `503 STAMP_BUSY`. */
  stampConcurrency: number;
  stampQueueLimit: number;
  /** Warm the seal images, fonts, pdfjs and the signer before listening, so the first stamp is not slow. */
  warmUp: boolean;
  /** The most items one batch may hold (more: `BATCH_TOO_LARGE`). */
  batchMaxItems: number;
  /** Items of one batch stamped at once. */
  batchConcurrency: number;
  /** How long a running batch stays with its instance without a heartbeat before another resumes it. */
  batchLeaseMs: number;
}

export function loadStampingConfig(env: Env, remoteEngine: boolean): StampingConfig {
  const engineTransport = oneOf(env, 'ENGINE_TRANSPORT', ['in-process', 'http'] as const, remoteEngine ? 'http' : 'in-process');
  if (engineTransport === 'in-process' && remoteEngine)
    throw new ConfigError('ENGINE_TRANSPORT', 'cannot be in-process while SIGNATURE_API_URL names a remote engine');
  return {
    engineTransport,
    stampConcurrency: integer(env, 'STAMP_CONCURRENCY', 4, 1, 64),
    stampQueueLimit: integer(env, 'STAMP_QUEUE_LIMIT', 256, 0, 100_000),
    warmUp: oneOf(env, 'STAMP_WARM_UP', ['true', 'false'] as const, 'true') === 'true',
    batchMaxItems: integer(env, 'BATCH_MAX_ITEMS', 500, 1, 10_000),
    batchConcurrency: integer(env, 'BATCH_CONCURRENCY', 4, 1, 32),
    batchLeaseMs: integer(env, 'BATCH_LEASE_MS', 15_000, 1_000, 600_000),
  };
}
