// A verification worker thread: runs the isomorphic verifier on one PDF at a time, off the main
// thread, so that no PDF can stall the service's event loop. The pool (pool.ts) bounds its memory
// with resourceLimits and its time with a deadline after which it terminates the thread.
import { parentPort } from 'node:worker_threads';
import { PdfLimitError, PdfParseError, verifyPdf, type VerifyLimits } from '../pdf/verify/index.js';
import { registerNodeDigests } from '../pdf/verify/node.js';

export interface VerifyJob {
  id: number;
  pdf: Uint8Array;
  trustAnchorsPem: string[];
  expectedCms?: (Uint8Array | null)[];
  limits?: Partial<VerifyLimits>;
  now?: number;
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
    });
    result = { id: job.id, ok: true, report };
  } catch (error) {
    if (error instanceof PdfLimitError) result = { id: job.id, ok: false, error: { code: error.code, message: error.message, limit: error.limit, max: error.max } };
    else if (error instanceof PdfParseError) result = { id: job.id, ok: false, error: { code: error.code, message: error.message } };
    else result = { id: job.id, ok: false, error: { code: 'VERIFY_FAILED', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) } };
  }
  port.postMessage(result);
});

port.postMessage({ ready: true });
