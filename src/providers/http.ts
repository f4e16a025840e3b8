import { registerErrorStatuses } from '../http/errors.js';

export interface RetryPolicy {
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Attempts in total (first try included). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

// A provider that fails or misbehaves is a bad gateway for our callers; a timeout is a gateway timeout.
registerErrorStatuses({
  UPSTREAM_ERROR: 502,
  UPSTREAM_UNREACHABLE: 504,
  UPSTREAM_RATE_LIMITED: 503,
  UPSTREAM_TOO_LARGE: 502,
  ESIGN_ERROR: 502,
  ESIGN_BAD_SIGNATURE: 502,
  ESIGN_BAD_RESPONSE: 502,
  ESIGN_UPLOAD_FAILED: 502,
  ESIGN_DOWNLOAD_FAILED: 502,
  ESIGN_URL_NOT_ALLOWED: 502,
  XUPER_ERROR: 502,
  XUPER_BAD_RESPONSE: 502,
  XUPER_IMAGE_FAILED: 502,
  XUPER_URL_NOT_ALLOWED: 502,
  ZOHO_ERROR: 502,
  ZOHO_AUTH_FAILED: 502,
  ZOHO_BAD_RESPONSE: 502,
  SPACESIGN_ERROR: 502,
  SPACESIGN_AUTH_FAILED: 502,
  SPACESIGN_BAD_RESPONSE: 502,
});

export const DEFAULT_RETRY: RetryPolicy = { timeoutMs: 15_000, attempts: 4, baseDelayMs: 250, maxDelayMs: 8_000 };

export class UpstreamError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter: a random wait in [0, min(max, base·2^attempt)]. */
export function backoffDelay(attempt: number, policy: RetryPolicy): number {
  return Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
}

/** Seconds or an HTTP date, as `Retry-After` allows; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * fetch with a timeout per attempt, retried with backoff and jitter on network errors, timeouts and
 * 5xx answers only (4xx are the caller's problem and are returned as they are). A 429 waits for
 * `Retry-After` (capped at maxDelayMs·4) and is retried too. `makeInit` is called per attempt so a
 * body can be re-created.
 */
export async function fetchWithRetry(url: string, makeInit: () => RequestInit, policy: RetryPolicy = DEFAULT_RETRY, label = 'upstream'): Promise<Response> {
  let lastError: unknown;
  for (let attempt = 0; attempt < policy.attempts; attempt++) {
    // After a 429 the Retry-After wait already happened.
    if (attempt > 0 && !(lastError instanceof UpstreamError && lastError.status === 429)) await sleep(backoffDelay(attempt, policy));
    let response: Response;
    try {
      response = await fetch(url, { ...makeInit(), redirect: 'error', signal: AbortSignal.timeout(policy.timeoutMs) });
    } catch (error) {
      lastError = error;
      continue;
    }
    if (response.status === 429 && attempt < policy.attempts - 1) {
      const wait = retryAfterMs(response.headers.get('retry-after')) ?? backoffDelay(attempt + 1, policy);
      await response.arrayBuffer().catch(() => undefined);
      await sleep(Math.min(wait, policy.maxDelayMs * 4));
      lastError = new UpstreamError('UPSTREAM_RATE_LIMITED', `${label} answered 429 Too Many Requests.`, 429);
      continue;
    }
    if (response.status >= 500 && attempt < policy.attempts - 1) {
      await response.arrayBuffer().catch(() => undefined);
      lastError = new UpstreamError('UPSTREAM_ERROR', `${label} answered HTTP ${response.status}.`, response.status);
      continue;
    }
    return response;
  }
  if (lastError instanceof UpstreamError) throw lastError;
  throw new UpstreamError('UPSTREAM_UNREACHABLE', `${label} could not be reached: ${(lastError as Error)?.message ?? 'unknown error'}.`);
}

/** Reads a body up to `limit` bytes (a provider's download must not exhaust memory). */
export async function readLimited(response: Response, limit: number, label = 'upstream'): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > limit) throw new UpstreamError('UPSTREAM_TOO_LARGE', `${label} sent more than ${limit} bytes.`);
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new UpstreamError('UPSTREAM_TOO_LARGE', `${label} sent more than ${limit} bytes.`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
