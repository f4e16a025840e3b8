// The verifier worker: the PDF verifier (with PKI.js) built as one self-contained classic script,
// `infoplus-signature-verifier.js`, that the element starts on the first verify(). Off the page's
// thread, a hostile PDF can only cost this worker, which the element terminates at its deadline.
import type { SealSlot } from './api.js';
import { reportInBrowser, verifyInBrowser } from './verify-core.js';

export interface VerifyJob {
  id: number;
  pdf: Uint8Array;
  seals: SealSlot[];
  trusted: Array<[number, boolean]>;
}

/** The public verification page (/verify, /v/<code>): the whole report of any PDF. */
export interface ReportJob {
  id: number;
  mode: 'report';
  pdf: Uint8Array;
  trustAnchorsPem: string[];
}

export type VerifyAnswer =
  | { id: number; verdict: import('./verdict.js').BrowserVerdict }
  | { id: number; report: Awaited<ReturnType<typeof reportInBrowser>> }
  | { id: number; error: { code: string; message: string } };

const scope = self as unknown as {
  addEventListener(type: 'message', listener: (event: MessageEvent<VerifyJob | ReportJob>) => void): void;
  postMessage(message: VerifyAnswer): void;
};

scope.addEventListener('message', async (event) => {
  const job = event.data;
  const { id } = job;
  try {
    if ('mode' in job) scope.postMessage({ id, report: await reportInBrowser(job.pdf, job.trustAnchorsPem) });
    else scope.postMessage({ id, verdict: await verifyInBrowser(job.pdf, job.seals, new Map(job.trusted)) });
  } catch (error) {
    // PdfParseError (and the verifier's limit errors) carry a code; anything else is a failure to verify.
    const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'VERIFY_FAILED';
    scope.postMessage({ id, error: { code, message: error instanceof Error ? error.message : String(error) } });
  }
});
