// The verifier worker: the PDF verifier (with PKI.js) built as one self-contained classic script,
// `infoplus-signature-verifier.js`, that the element starts on the first verify(). Off the page's
// thread, a hostile PDF can only cost this worker, which the element terminates at its deadline.
import type { SealSlot } from './api.js';
import { verifyInBrowser } from './verify-core.js';

export interface VerifyJob {
  id: number;
  pdf: Uint8Array;
  seals: SealSlot[];
  trusted: Array<[number, boolean]>;
}

export type VerifyAnswer =
  | { id: number; verdict: import('./verdict.js').BrowserVerdict }
  | { id: number; error: { code: string; message: string } };

const scope = self as unknown as {
  addEventListener(type: 'message', listener: (event: MessageEvent<VerifyJob>) => void): void;
  postMessage(message: VerifyAnswer): void;
};

scope.addEventListener('message', async (event) => {
  const { id, pdf, seals, trusted } = event.data;
  try {
    scope.postMessage({ id, verdict: await verifyInBrowser(pdf, seals, new Map(trusted)) });
  } catch (error) {
    // PdfParseError (and the verifier's limit errors) carry a code; anything else is a failure to verify.
    const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'VERIFY_FAILED';
    scope.postMessage({ id, error: { code, message: error instanceof Error ? error.message : String(error) } });
  }
});
