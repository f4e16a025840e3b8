// Verification from the element's side. The verifier (1.3 MB with PKI.js) is not part of the
// element's module: it is a worker script of its own, fetched on the first verify(), and every
// verification runs in that worker under a deadline — a PDF that makes the parser spin costs the
// worker, which is terminated, never the form page.
import { LocalFailure, type SealSlot } from './api.js';
import type { BrowserVerdict } from './verdict.js';
import type { VerifyAnswer, VerifyJob } from './verifier-worker.js';
import verifierUrl from './verifier-worker.ts?worker&url';

export const DEFAULT_VERIFY_TIMEOUT_MS = 10_000;
/** A PDF larger than this is not downloaded for verification (VERIFY_TOO_LARGE). */
export const DEFAULT_MAX_PDF_BYTES = 50 * 1024 * 1024;

/** The worker script's address, for `new Worker`; a Blob URL when the script lives on another origin. */
let crossOriginScript: Promise<string> | null = null;
/** One finished worker kept for the next verification (starting one parses the whole verifier). */
let idleWorker: Worker | null = null;
let lastJob = 0;

function workerScript(): Promise<string> {
  const url = new URL(verifierUrl, import.meta.url);
  // Same origin (the demo, a page on the service): the plain URL, which a CSP of 'self' allows.
  if (url.origin === location.origin) return Promise.resolve(url.href);
  // `new Worker(url)` refuses another origin's script: fetch it over CORS (the element's own module
  // came the same way) and start it from a Blob URL; the worker only computes, it fetches nothing.
  crossOriginScript ??= (async () => {
    let response: Response;
    try {
      response = await fetch(url, { credentials: 'omit' });
    } catch {
      throw new LocalFailure('VERIFY_UNAVAILABLE', `The verifier could not be loaded from ${url.href}.`);
    }
    if (!response.ok)
      throw new LocalFailure('VERIFY_UNAVAILABLE', `The verifier could not be loaded from ${url.href} (HTTP ${response.status}).`);
    // Keep the source map reachable for the developer tools (a relative URL would resolve against blob:).
    const code = (await response.text()).replace(
      /\/\/# sourceMappingURL=(\S+)\s*$/,
      (_, map: string) => `//# sourceMappingURL=${new URL(map, url).href}`,
    );
    return URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
  })();
  crossOriginScript.catch(() => (crossOriginScript = null));
  return crossOriginScript;
}

async function takeWorker(): Promise<Worker> {
  const idle = idleWorker;
  idleWorker = null;
  if (idle) return idle;
  const script = await workerScript();
  try {
    return new Worker(script);
  } catch (error) {
    // A Content-Security-Policy without blob: (or the page's origin) in worker-src lands here.
    throw new LocalFailure(
      'VERIFY_UNAVAILABLE',
      `The verifier worker could not be started: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * Verifies `pdf` against the seals in the verifier worker. Rejects with a LocalFailure
 * `VERIFY_TIMEOUT` after `timeoutMs` (the worker is terminated), `PDF_UNREADABLE` or another code of
 * the verifier when it refuses the document, `VERIFY_UNAVAILABLE` when the worker cannot start.
 * The PDF's buffer is transferred to the worker.
 */
export async function verifyInWorker(
  pdf: Uint8Array,
  seals: SealSlot[],
  trusted: Map<number, boolean>,
  timeoutMs = DEFAULT_VERIFY_TIMEOUT_MS,
): Promise<BrowserVerdict> {
  const worker = await takeWorker();
  const id = ++lastJob;
  return new Promise<BrowserVerdict>((resolve, reject) => {
    const finish = (reusable: boolean) => {
      clearTimeout(timer);
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
      if (reusable && !idleWorker) idleWorker = worker;
      else worker.terminate();
    };
    const timer = setTimeout(() => {
      finish(false);
      reject(new LocalFailure('VERIFY_TIMEOUT', `Verification took longer than ${timeoutMs} ms and was stopped.`));
    }, timeoutMs);
    const onMessage = (event: MessageEvent<VerifyAnswer>) => {
      if (event.data?.id !== id) return;
      finish(true);
      if ('verdict' in event.data) resolve(event.data.verdict);
      else if ('error' in event.data) reject(new LocalFailure(event.data.error.code, event.data.error.message));
    };
    const onError = (event: Event) => {
      event.preventDefault();
      finish(false);
      // A script that failed to load gives a bare Event; an error thrown inside it an ErrorEvent.
      const message = event instanceof ErrorEvent && event.message ? event.message : '';
      reject(new LocalFailure(message ? 'VERIFY_FAILED' : 'VERIFY_UNAVAILABLE', message || 'The verifier worker could not be loaded.'));
    };
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    const job: VerifyJob = { id, pdf, seals, trusted: [...trusted] };
    worker.postMessage(job, [pdf.buffer as ArrayBuffer]);
  });
}
