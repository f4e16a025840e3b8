import { OfficeError, type OfficeErrorCode } from '../office/errors.js';

/** What travels through the conversion queue (BullMQ on Redis) between API instances and converter workers. */
export const CONVERT_QUEUE = 'convert';

export interface ConvertJobData {
  /** The DOCX, base64. */
  docx: string;
  /** One conversion's limit once a worker has it. */
  timeoutMs: number;
}

/** The PDF, base64. */
export type ConvertJobResult = string;

export interface ConvertJobProgress {
  stage: 'converting';
  worker: string;
}

/** How long a dead worker's job stays locked before another worker may take it. */
export const LOCK_DURATION_MS = 10_000;
export const STALLED_INTERVAL_MS = 5_000;

/** The sorted set (member: worker id, score: last heartbeat in ms) that tells which converter workers are alive. */
export const workersKey = (prefix: string) => `${prefix}converters`;
export const WORKER_HEARTBEAT_MS = 5_000;
export const WORKER_SEEN_WITHIN_MS = 15_000;

/** Queue keys live under `<REDIS_PREFIX>bull:…`. */
export const bullPrefix = (prefix: string) => `${prefix}bull`;

/** A failure as the worker reports it: the OfficeError code survives the trip through Redis. */
export function encodeFailure(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return JSON.stringify({ code: typeof code === 'string' ? code : 'CONVERT_FAILED', message: (error as Error)?.message ?? String(error) });
}

export function decodeFailure(reason: string | undefined): OfficeError {
  try {
    const parsed = JSON.parse(reason ?? '') as { code?: string; message?: string };
    const known: OfficeErrorCode[] = ['CONVERT_FAILED', 'CONVERT_TIMEOUT', 'CONVERT_QUEUE_FULL', 'POOL_CLOSED'];
    const code = known.includes(parsed.code as OfficeErrorCode) ? (parsed.code as OfficeErrorCode) : 'CONVERT_FAILED';
    return new OfficeError(
      code === 'POOL_CLOSED' || code === 'CONVERT_QUEUE_FULL' ? 'CONVERT_FAILED' : code,
      parsed.message ?? 'The document could not be converted to PDF.',
    );
  } catch {
    // Not ours: BullMQ's own reason (e.g. "job stalled more than allowable limit" after workers died).
    return new OfficeError(
      'CONVERT_FAILED',
      'The PDF converters stopped while converting the document, more often than allowed; please try again.',
      reason,
    );
  }
}
