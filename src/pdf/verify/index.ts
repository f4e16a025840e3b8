// PDF signature verification, isomorphic: Uint8Array + WebCrypto + PKI.js + @cantoo/pdf-lib only,
// so the same code runs in Node (the service) and in browsers (the web component).
export { verifyPdf } from './verify.js';
export { PdfParseError } from './errors.js';
export { DOCUMENT_STATES, SIGNATURE_STATES } from './types.js';
export type {
  DocumentState,
  RevisionReport,
  SignatureReport,
  SignatureState,
  TimestampReport,
  VerifyOptions,
  VerifyReport,
} from './types.js';
