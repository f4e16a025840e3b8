// PDF signature verification, isomorphic: Uint8Array + WebCrypto + PKI.js + @cantoo/pdf-lib only,
// so the same code runs in Node (the service) and in browsers (the web component).
export { verifyPdf } from './verify.js';
export { PdfLimitError, PdfParseError } from './errors.js';
export { DEFAULT_LIMITS } from './limits.js';
export { registerDigest } from './algorithms.js';
/** The URLs named by a certificate's AIA (OCSP) or CRL distribution points extension. */
export { urlsOf } from './revocation.js';
export { DOCUMENT_STATES, MODIFICATION_LEVELS, SIGNATURE_STATES } from './types.js';
export type {
  DocumentState,
  FieldLock,
  RevocationOptions,
  RevocationReport,
  ModificationLevel,
  VerifyLimits,
  RevisionReport,
  SignatureReport,
  SignatureState,
  TimestampReport,
  VerifyOptions,
  VerifyReport,
} from './types.js';
