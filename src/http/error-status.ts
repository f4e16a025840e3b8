import { DomainError, RelayedError } from '../errors.js';

/** How one error code is answered: its HTTP status and, where the protocol wants them, headers. */
interface ErrorAnswer {
  status: number;
  headers?: Record<string, string> | ((details: unknown[]) => Record<string, string>);
}

const RETRY_SOON = { 'Retry-After': '2' };
/** The budget's own wait, from the error's `{retryAfter}` detail. */
const retryAfterOfDetails = (details: unknown[]): Record<string, string> => {
  const seconds = (details[0] as { retryAfter?: unknown } | undefined)?.retryAfter;
  return typeof seconds === 'number' ? { 'Retry-After': String(seconds) } : {};
};
const INVALID_TOKEN = { 'WWW-Authenticate': 'Bearer error="invalid_token"' };

const status = (code: number): ErrorAnswer => ({ status: code });

/**
 * The one table: every code the service answers, with its status. Domain code throws DomainError
 * with a code; only this table knows what HTTP makes of it (test/core/error-codes.test.ts checks
 * that every code thrown anywhere is here, and that nothing here is dead).
 */
export const ERROR_TABLE = {
  // Requests the service cannot read or that fail validation
  INVALID_REQUEST: status(400),
  MALFORMED_JSON: status(400),
  MALFORMED_MULTIPART: status(400),
  INVALID_ID: status(400),
  ID_MISMATCH: status(400),
  MIXED_SEAL_UPDATE: status(400),
  PRIVATE_KEY_REFUSED: status(400),
  FILE_MISSING: status(400),
  FILE_EMPTY: status(400),
  UPLOAD_ABORTED: status(400),
  INVALID_SEAL_INDEX: status(400),
  INVALID_CURSOR: status(400),
  INVALID_FILE_URL: status(400),
  INVALID_TEMPLATE: status(400),
  INVALID_TEMPLATE_NAME: status(400),
  UNSUPPORTED_FORMAT: status(400),
  OCSP_REQUEST_INVALID: status(400),
  ACCOUNT_REQUIRED: status(400),
  INVALID_ACCOUNT: status(400),
  TICKET_IN_URL: status(400),

  // Credentials
  UNAUTHORIZED: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } },
  TICKET_INVALID: status(401),
  TICKET_EXPIRED: status(401),
  TICKET_REVOKED: status(401),
  NONCE_REPLAYED: status(401),
  ACCESS_TOKEN_INVALID: { status: 401, headers: INVALID_TOKEN },
  ACCESS_TOKEN_REVOKED: { status: 401, headers: INVALID_TOKEN },
  ACCESS_TOKEN_EXPIRED: { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="expired"' } },
  CALLBACK_SIGNATURE_INVALID: status(401),
  MFA_REQUIRED: status(401),
  MFA_INVALID: status(401),

  // Permission
  ENGINE_ONLY: status(403),
  TICKET_SCOPE: status(403),
  INSUFFICIENT_SCOPE: status(403),
  ACCOUNT_MISMATCH: status(403),
  MFA_NOT_ENROLLED: status(403),
  SIGNER_NOT_ALLOWED: status(403),
  SIGNER_MISMATCH: status(403),
  SEAL_DISABLED: status(403),
  SEAL_ID_NOT_ALLOWED: status(403),
  SEAL_TYPE_NOT_ALLOWED: status(403),
  NOT_SEAL_HOLDER: status(403),
  NOT_SEAL_APPLIER: status(403),
  PRIVATE_KEY_FILE: status(403),
  FILE_ORIGIN_NOT_ALLOWED: status(403),
  TEMPLATE_ORIGIN_NOT_ALLOWED: status(403),
  TEMPLATE_DATA_ENGINE_ONLY: status(403),
  IMAGE_NOT_FOR_SIGNATURE: status(403),
  DEMO_SIGNATURE_ONLY: status(403),

  // Unknown things
  NOT_FOUND: status(404),
  SIGNATURE_NOT_FOUND: status(404),
  FILE_NOT_FOUND: status(404),
  SEAL_NOT_FOUND: status(404),
  FLOW_NOT_FOUND: status(404),
  REVISION_NOT_FOUND: status(404),
  TEMPLATE_NOT_FOUND: status(404),
  WEBHOOK_NOT_FOUND: status(404),
  DELIVERY_NOT_FOUND: status(404),
  CODE_NOT_FOUND: status(404),
  DEMO_USER_NOT_FOUND: status(404),
  PROVIDER_NOT_FOUND: status(404),
  PROVIDER_ACCOUNT_NOT_FOUND: status(404),

  // State
  VERSION_CONFLICT: status(409),
  DOCUMENT_CHANGED: status(409),
  DOCUMENT_NOT_READY: status(409),
  DOCUMENT_LOCKED: status(409),
  NO_TEMPLATE: status(409),
  FILE_IN_USE: status(409),
  MUTATION_ID_REUSED: status(409),
  SEAL_ALREADY_SIGNED: status(409),
  SEAL_NOT_SIGNED: status(409),
  NOT_MOST_RECENT_SEAL: status(409),
  SEAL_HAS_NO_KEY: status(409),
  FLOW_IN_PROGRESS: status(409),
  NO_OPEN_FLOW: status(409),
  ALREADY_REVOKED: status(409),

  // Too large
  BODY_TOO_LARGE: status(413),
  FILE_TOO_LARGE: status(413),
  IMAGE_TOO_LARGE: status(413),
  TEMPLATE_TOO_LARGE: status(413),
  ZIP_TOO_LARGE: status(413),

  // Wrong kind of content
  UNSUPPORTED_MEDIA_TYPE: status(415),
  UNSUPPORTED_FILE_TYPE: status(415),
  NOT_A_PDF: status(415),
  NOT_AN_IMAGE: status(415),
  NOT_PKCS12: status(415),
  NOT_DOCX: status(415),

  // Understood, but the document, key, template or provider cannot do it
  PDF_UNREADABLE: status(422),
  PDF_ENCRYPTED: status(422),
  PDF_LIMIT_EXCEEDED: status(422),
  PAGE_OUT_OF_RANGE: status(422),
  PLACEHOLDER_NOT_FOUND: status(422),
  VERIFY_TIMEOUT: status(422),
  P12_BAD_PASSPHRASE: status(422),
  P12_NO_KEY: status(422),
  P12_NO_CERTIFICATE: status(422),
  P12_UNREADABLE: status(422),
  CERT_NOT_ISSUED_HERE: status(422),
  SEAL_HAS_NO_CERTIFICATE: status(422),
  TEMPLATE_ERROR: status(422),
  TEMPLATE_DATA_INVALID: status(422),
  TEMPLATE_RAW_XML_REFUSED: status(422),
  INVALID_SCHEMA: status(422),
  IMAGE_NOT_FOUND: status(422),
  WEBHOOK_URL_NOT_ALLOWED: status(422),
  PROVIDER_CANNOT_REMIND: status(422),
  PROVIDER_CANNOT_PLACE: status(422),
  PROVIDER_CANNOT_ENFORCE: status(422),
  PROVIDER_CANNOT_COMMENT: status(422),
  PROVIDER_ACCOUNT_MISSING: status(422),
  PROVIDER_ACCOUNT_NOT_AGENT: status(422),

  // Budgets
  RATE_LIMITED: { status: 429, headers: retryAfterOfDetails },
  CONVERSIONS_PER_TICKET: { status: 429, headers: retryAfterOfDetails },
  MFA_RATE_LIMITED: status(429),

  // Our side
  INTERNAL_ERROR: status(500),
  KEY_DECRYPT_FAILED: status(500),
  SIGNATURE_TOO_LARGE: status(500),
  SEAL_IMAGE_MISSING: status(500),
  TEMPLATE_BROKEN: status(500),
  CONVERT_FAILED: status(500),
  VERIFY_FAILED: status(500),
  PROVIDER_MODE_MISMATCH: status(500),
  PROVIDER_CANNOT_DOWNLOAD: status(500),
  EXPORT_UNAVAILABLE: status(501),
  REVOCATION_UNAVAILABLE: status(501),
  PROVIDER_SIGNING_UNSUPPORTED: status(501),

  // Upstreams: the engine, a TSA, a template or file origin, the seal providers
  ENGINE_ERROR: status(502),
  ENGINE_BAD_RESPONSE: status(502),
  URI_NOT_ALLOWED: status(502),
  TSA_FAILED: status(502),
  FILE_DOWNLOAD_FAILED: status(502),
  FILE_REDIRECT_REFUSED: status(502),
  TEMPLATE_FETCH_FAILED: status(502),
  UPSTREAM_ERROR: status(502),
  UPSTREAM_TOO_LARGE: status(502),
  UPSTREAM_UNREACHABLE: status(504),
  UPSTREAM_RATE_LIMITED: { status: 503, headers: RETRY_SOON },
  ESIGN_ERROR: status(502),
  ESIGN_BAD_SIGNATURE: status(502),
  ESIGN_BAD_RESPONSE: status(502),
  ESIGN_UPLOAD_FAILED: status(502),
  ESIGN_DOWNLOAD_FAILED: status(502),
  ESIGN_URL_NOT_ALLOWED: status(502),
  XUPER_ERROR: status(502),
  XUPER_BAD_RESPONSE: status(502),
  XUPER_IMAGE_FAILED: status(502),
  XUPER_URL_NOT_ALLOWED: status(502),
  ZOHO_ERROR: status(502),
  ZOHO_AUTH_FAILED: status(502),
  ZOHO_BAD_RESPONSE: status(502),
  SPACESIGN_ERROR: status(502),
  SPACESIGN_AUTH_FAILED: status(502),
  SPACESIGN_BAD_RESPONSE: status(502),

  // Busy, shutting down or not set up
  PROVIDER_UNAVAILABLE: status(503),
  UI_NOT_BUILT: status(503),
  PREVIEW_BUSY: { status: 503, headers: RETRY_SOON },
  CONVERT_QUEUE_FULL: { status: 503, headers: RETRY_SOON },
  POOL_CLOSED: { status: 503, headers: RETRY_SOON },
  VERIFY_QUEUE_FULL: { status: 503, headers: RETRY_SOON },
  VERIFY_POOL_CLOSED: { status: 503, headers: RETRY_SOON },
  CONVERT_TIMEOUT: status(504),
} satisfies Record<string, ErrorAnswer>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.hasOwn(ERROR_TABLE, code);

/** What the HTTP layer answers for a failure: the envelope's parts, the status and headers. */
export interface HttpFailure {
  status: number;
  ecode: string;
  message: string;
  entities: unknown[];
  headers: Record<string, string>;
}

/** The answer for a code of the table (e.g. one the HTTP layer itself refuses with). */
export function failureOf(code: ErrorCode, message: string, details: unknown[] = []): HttpFailure {
  const answer: ErrorAnswer = ERROR_TABLE[code];
  const headers = typeof answer.headers === 'function' ? answer.headers(details) : (answer.headers ?? {});
  return { status: answer.status, ecode: code, message, entities: details, headers };
}

interface CodedError {
  code?: unknown;
  message?: unknown;
  details?: unknown;
  errors?: unknown;
}

/**
 * The answer for a thrown error: a DomainError, or any error with a `code` of the table (the
 * verifier's PdfParseError, a provider's UpstreamError); a failure relayed from the engine is a bad
 * gateway with the engine's code. Undefined for anything else: an internal error.
 */
export function httpFailureOf(error: unknown): HttpFailure | undefined {
  if (error instanceof RelayedError) {
    return { status: error.upstream.status >= 400 ? 502 : 500, ecode: error.code, message: error.message, entities: error.details, headers: {} };
  }
  if (typeof error !== 'object' || error === null) return undefined;
  const coded = error as CodedError;
  if (!isErrorCode(coded.code)) return undefined;
  const details = error instanceof DomainError ? error.details : Array.isArray(coded.details) ? coded.details : Array.isArray(coded.errors) ? coded.errors : [];
  return failureOf(coded.code, typeof coded.message === 'string' ? coded.message : coded.code, details);
}
