import { DomainError } from '../errors.js';

export interface RetryPolicy {
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Attempts in total (first try included). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { timeoutMs: 15_000, attempts: 4, baseDelayMs: 250, maxDelayMs: 8_000 };

/** A provider failed, misbehaved or could not be reached. */
export class UpstreamError extends DomainError {
  constructor(
    code: string,
    message: string,
    readonly status?: number,
  ) {
    super(code, message);
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

export interface UpstreamCall {
  /** Names the call in errors, e.g. `e签宝 /sign/start`. */
  label: string;
  policy?: RetryPolicy;
  /**
   * Whether sending the request twice does no more than sending it once. Default: by method (GET,
   * HEAD, PUT, DELETE, OPTIONS are). A POST is only when it merely reads or carries an idempotency key
   * the provider honours; say so here.
   */
  idempotent?: boolean;
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
/** Connection failures after which the request was certainly not received. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

const notSent = (error: unknown) => NOT_SENT.has(String((error as { cause?: { code?: unknown } })?.cause?.code ?? ''));

/**
 * fetch with a timeout per attempt, retried with backoff and jitter. A 429 waits for `Retry-After`
 * (capped at maxDelayMs·4) and is retried, as is a connection that was refused: the provider did
 * nothing. Timeouts, other network errors and 5xx answers are retried only for an idempotent call —
 * the provider may have acted before failing, and a create sent again could make two flows. 4xx
 * answers (and the last 5xx) are returned as they are. `makeInit` is called per attempt so a body
 * can be re-created.
 */
export async function fetchWithRetry(url: string, makeInit: () => RequestInit, call: UpstreamCall): Promise<Response> {
  const { label } = call;
  const policy = call.policy ?? DEFAULT_RETRY;
  let lastError: unknown;
  for (let attempt = 0; attempt < policy.attempts; attempt++) {
    // After a 429 the Retry-After wait already happened.
    if (attempt > 0 && !(lastError instanceof UpstreamError && lastError.status === 429)) await sleep(backoffDelay(attempt, policy));
    const init = makeInit();
    const idempotent = call.idempotent ?? IDEMPOTENT_METHODS.has((init.method ?? 'GET').toUpperCase());
    const last = attempt === policy.attempts - 1;
    let response: Response;
    try {
      response = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(policy.timeoutMs) });
    } catch (error) {
      lastError = error;
      if (!idempotent && !notSent(error)) break;
      continue;
    }
    if (response.status === 429 && !last) {
      const wait = retryAfterMs(response.headers.get('retry-after')) ?? backoffDelay(attempt + 1, policy);
      await response.arrayBuffer().catch(() => undefined);
      await sleep(Math.min(wait, policy.maxDelayMs * 4));
      lastError = new UpstreamError('UPSTREAM_RATE_LIMITED', `${label} answered 429 Too Many Requests.`, 429);
      continue;
    }
    if (response.status >= 500 && idempotent && !last) {
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
