// A verification worker thread: runs the isomorphic verifier on one PDF at a time, off the main
// thread, so that no PDF can stall the service's event loop. The pool (pool.ts) bounds its memory
// with resourceLimits and its time with a deadline after which it terminates the thread.
import { parentPort } from 'node:worker_threads';
import { PdfLimitError, PdfParseError, verifyPdf, type VerifyLimits } from '@infoplus/pdf-verify';
import { registerNodeDigests } from '@infoplus/pdf-verify/node';

/** How a job checks revocation; the fetcher is built here (functions do not cross threads). */
export interface RevocationSettings {
  mode: 'off' | 'embedded' | 'online';
  /** Origins OCSP and CRL requests may go to; any other URL is refused before a request is made. */
  allowedOrigins: string[];
  timeoutMs: number;
}

export interface VerifyJob {
  id: number;
  pdf: Uint8Array;
  trustAnchorsPem: string[];
  expectedCms?: (Uint8Array | null)[];
  limits?: Partial<VerifyLimits>;
  now?: number;
  revocation?: RevocationSettings;
}

const MAX_REVOCATION_BYTES = 4 * 1024 * 1024;
const CACHE_MS = 5 * 60_000;
const responseCache = new Map<string, { bytes: Uint8Array; until: number }>();

/** GET/POST to an allow-listed origin, no redirects, bounded time and size; GET answers cached briefly. */
function revocationFetcher(settings: RevocationSettings) {
  const allowed = new Set(settings.allowedOrigins);
  return async (url: string, request?: { body: Uint8Array; contentType: string }): Promise<Uint8Array> => {
    const target = new URL(url);
    if (!allowed.has(target.origin)) throw new Error(`${target.origin} is not an allowed revocation origin`);
    const cached = request ? undefined : responseCache.get(url);
    if (cached && cached.until > Date.now()) return cached.bytes;
    const response = await fetch(target, {
      method: request ? 'POST' : 'GET',
      body: request ? Buffer.from(request.body) : undefined,
      headers: request ? { 'content-type': request.contentType } : {},
      redirect: 'error',
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > MAX_REVOCATION_BYTES) throw new Error('the answer is too large');
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.length > MAX_REVOCATION_BYTES) throw new Error('the answer is too large');
    if (!request) responseCache.set(url, { bytes, until: Date.now() + CACHE_MS });
    return bytes;
  };
}

export type VerifyJobResult =
  | { id: number; ok: true; report: Awaited<ReturnType<typeof verifyPdf>> }
  | { id: number; ok: false; error: { code: string; message: string; limit?: string; max?: number } };

registerNodeDigests();

const port = parentPort;
if (!port) throw new Error('verify-worker.ts runs as a worker thread');

port.on('message', async (job: VerifyJob) => {
  let result: VerifyJobResult;
  try {
    const report = await verifyPdf(job.pdf, {
      trustAnchorsPem: job.trustAnchorsPem,
      expectedCms: job.expectedCms,
      limits: job.limits,
      now: job.now === undefined ? undefined : new Date(job.now),
      revocation: job.revocation ? { mode: job.revocation.mode, fetch: revocationFetcher(job.revocation) } : undefined,
    });
    result = { id: job.id, ok: true, report };
  } catch (error) {
    if (error instanceof PdfLimitError)
      result = { id: job.id, ok: false, error: { code: error.code, message: error.message, limit: error.limit, max: error.max } };
    else if (error instanceof PdfParseError) result = { id: job.id, ok: false, error: { code: error.code, message: error.message } };
    else
      result = {
        id: job.id,
        ok: false,
        error: { code: 'VERIFY_FAILED', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) },
      };
  }
  port.postMessage(result);
});

port.postMessage({ ready: true });
