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

/** The same status for several codes: `{A: {status}, B: {status}}`. */
const withStatus = <const Code extends string>(status: number, ...codes: Code[]) =>
  Object.fromEntries(codes.map((code) => [code, { status }])) as Record<Code, ErrorAnswer>;

/**
 * The one table: every code the service answers, with its status. Domain code throws DomainError
 * with a code; only this table knows what HTTP makes of it (test/core/error-codes.test.ts checks
 * that every code thrown anywhere is here, and that nothing here is dead).
 */
export const ERROR_TABLE = {
  // Requests the service cannot read or that fail validation
  ...withStatus(
    400,
    'INVALID_REQUEST',
    'MALFORMED_JSON',
    'MALFORMED_MULTIPART',
    'INVALID_ID',
    'ID_MISMATCH',
    'MIXED_SEAL_UPDATE',
    'PRIVATE_KEY_REFUSED',
    'FILE_MISSING',
    'FILE_EMPTY',
    'UPLOAD_ABORTED',
    'INVALID_SEAL_INDEX',
    'INVALID_CURSOR',
    'INVALID_FILE_URL',
    'INVALID_TEMPLATE',
    'INVALID_TEMPLATE_NAME',
    'UNSUPPORTED_FORMAT',
    'OCSP_REQUEST_INVALID',
    'ACCOUNT_REQUIRED',
    'INVALID_ACCOUNT',
    'TICKET_IN_URL',
  ),
  // Credentials
  ...withStatus(
    401,
    'TICKET_INVALID',
    'TICKET_EXPIRED',
    'TICKET_REVOKED',
    'NONCE_REPLAYED',
    'CALLBACK_SIGNATURE_INVALID',
    'MFA_REQUIRED',
    'MFA_INVALID',
  ),
  UNAUTHORIZED: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } },
  ACCESS_TOKEN_INVALID: { status: 401, headers: INVALID_TOKEN },
  ACCESS_TOKEN_REVOKED: { status: 401, headers: INVALID_TOKEN },
  ACCESS_TOKEN_EXPIRED: { status: 401, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="expired"' } },
  // Permission
  ...withStatus(
    403,
    'ENGINE_ONLY',
    'TICKET_SCOPE',
    'INSUFFICIENT_SCOPE',
    'ACCOUNT_MISMATCH',
    'MFA_NOT_ENROLLED',
    'SIGNER_NOT_ALLOWED',
    'SIGNER_MISMATCH',
    'SEAL_DISABLED',
    'SEAL_ID_NOT_ALLOWED',
    'SEAL_TYPE_NOT_ALLOWED',
    'NOT_SEAL_HOLDER',
    'NOT_SEAL_APPLIER',
    'PRIVATE_KEY_FILE',
    'FILE_ORIGIN_NOT_ALLOWED',
    'TEMPLATE_ORIGIN_NOT_ALLOWED',
    'TEMPLATE_DATA_ENGINE_ONLY',
    'IMAGE_NOT_FOR_SIGNATURE',
    'DEMO_SIGNATURE_ONLY',
    'BATCH_SEAL_NOT_OFFERED',
  ),
  // Unknown things
  ...withStatus(
    404,
    'NOT_FOUND',
    'SIGNATURE_NOT_FOUND',
    'FILE_NOT_FOUND',
    'SEAL_NOT_FOUND',
    'FLOW_NOT_FOUND',
    'REVISION_NOT_FOUND',
    'TEMPLATE_NOT_FOUND',
    'WEBHOOK_NOT_FOUND',
    'DELIVERY_NOT_FOUND',
    'CODE_NOT_FOUND',
    'DEMO_USER_NOT_FOUND',
    'PROVIDER_NOT_FOUND',
    'PROVIDER_ACCOUNT_NOT_FOUND',
    'BATCH_NOT_FOUND',
    'BATCH_ITEM_NOT_FOUND',
  ),
  // State
  ...withStatus(
    409,
    'VERSION_CONFLICT',
    'DOCUMENT_CHANGED',
    'DOCUMENT_NOT_READY',
    'DOCUMENT_LOCKED',
    'NO_TEMPLATE',
    'FILE_IN_USE',
    'MUTATION_ID_REUSED',
    'SEAL_ALREADY_SIGNED',
    'SEAL_NOT_SIGNED',
    'NOT_MOST_RECENT_SEAL',
    'SEAL_HAS_NO_KEY',
    'FLOW_IN_PROGRESS',
    'NO_OPEN_FLOW',
    'ALREADY_REVOKED',
    'BATCH_ALREADY_STARTED',
    'SEAL_REKEY_CONFLICT',
  ),
  // Gone: a batch past its expiry
  ...withStatus(410, 'BATCH_EXPIRED'),
  // Too large
  ...withStatus(413, 'BODY_TOO_LARGE', 'FILE_TOO_LARGE', 'IMAGE_TOO_LARGE', 'TEMPLATE_TOO_LARGE', 'ZIP_TOO_LARGE', 'BATCH_TOO_LARGE'),
  // Wrong kind of content
  ...withStatus(415, 'UNSUPPORTED_MEDIA_TYPE', 'UNSUPPORTED_FILE_TYPE', 'NOT_A_PDF', 'NOT_AN_IMAGE', 'NOT_PKCS12', 'NOT_DOCX'),
  // Understood, but the document, key, template or provider cannot do it
  ...withStatus(
    422,
    'PDF_UNREADABLE',
    'PDF_ENCRYPTED',
    'PDF_LIMIT_EXCEEDED',
    'PAGE_OUT_OF_RANGE',
    'PLACEHOLDER_NOT_FOUND',
    'VERIFY_TIMEOUT',
    'P12_BAD_PASSPHRASE',
    'P12_NO_KEY',
    'P12_NO_CERTIFICATE',
    'P12_UNREADABLE',
    'CERT_NOT_ISSUED_HERE',
    'SEAL_HAS_NO_CERTIFICATE',
    'TEMPLATE_ERROR',
    'TEMPLATE_DATA_INVALID',
    'TEMPLATE_RAW_XML_REFUSED',
    'INVALID_SCHEMA',
    'IMAGE_NOT_FOUND',
    'WEBHOOK_URL_NOT_ALLOWED',
    'PROVIDER_CANNOT_REMIND',
    'PROVIDER_CANNOT_PLACE',
    'PROVIDER_CANNOT_ENFORCE',
    'PROVIDER_CANNOT_COMMENT',
    'PROVIDER_ACCOUNT_MISSING',
    'PROVIDER_ACCOUNT_NOT_AGENT',
    'BATCH_PROVIDER_NOT_BATCHABLE',
    'LTV_NEEDS_TSA',
    'REKEY_NOT_BUILTIN',
  ),
  // Budgets
  ...withStatus(429, 'MFA_RATE_LIMITED'),
  RATE_LIMITED: { status: 429, headers: retryAfterOfDetails },
  CONVERSIONS_PER_TICKET: { status: 429, headers: retryAfterOfDetails },
  // Our side
  ...withStatus(
    500,
    'INTERNAL_ERROR',
    'KEY_DECRYPT_FAILED',
    'SIGNATURE_TOO_LARGE',
    'SEAL_IMAGE_MISSING',
    'TEMPLATE_BROKEN',
    'CONVERT_FAILED',
    'VERIFY_FAILED',
    'PROVIDER_MODE_MISMATCH',
    'PROVIDER_CANNOT_DOWNLOAD',
  ),
  ...withStatus(501, 'EXPORT_UNAVAILABLE', 'REVOCATION_UNAVAILABLE', 'PROVIDER_SIGNING_UNSUPPORTED'),
  // Upstreams: the engine, a TSA, a template or file origin, the seal providers
  ...withStatus(
    502,
    'ENGINE_ERROR',
    'ENGINE_BAD_RESPONSE',
    'URI_NOT_ALLOWED',
    'TSA_FAILED',
    'FILE_DOWNLOAD_FAILED',
    'FILE_REDIRECT_REFUSED',
    'TEMPLATE_FETCH_FAILED',
    'UPSTREAM_ERROR',
    'UPSTREAM_TOO_LARGE',
    'ESIGN_ERROR',
    'ESIGN_BAD_SIGNATURE',
    'ESIGN_BAD_RESPONSE',
    'ESIGN_UPLOAD_FAILED',
    'ESIGN_DOWNLOAD_FAILED',
    'ESIGN_URL_NOT_ALLOWED',
    'XUPER_ERROR',
    'XUPER_BAD_RESPONSE',
    'XUPER_IMAGE_FAILED',
    'XUPER_URL_NOT_ALLOWED',
    'ZOHO_ERROR',
    'ZOHO_AUTH_FAILED',
    'ZOHO_BAD_RESPONSE',
    'SPACESIGN_ERROR',
    'SPACESIGN_AUTH_FAILED',
    'SPACESIGN_BAD_RESPONSE',
  ),
  ...withStatus(504, 'UPSTREAM_UNREACHABLE'),
  UPSTREAM_RATE_LIMITED: { status: 503, headers: RETRY_SOON },
  // Busy, shutting down or not set up
  ...withStatus(503, 'PROVIDER_UNAVAILABLE', 'UI_NOT_BUILT', 'UNHEALTHY'),
  // Starting (every request until the app is attached), draining, or a probe failing (/readyz)
  NOT_READY: { status: 503, headers: RETRY_SOON },
  ...withStatus(504, 'CONVERT_TIMEOUT'),
  PREVIEW_BUSY: { status: 503, headers: RETRY_SOON },
  STAMP_BUSY: { status: 503, headers: RETRY_SOON },
  CONVERT_QUEUE_FULL: { status: 503, headers: RETRY_SOON },
  POOL_CLOSED: { status: 503, headers: RETRY_SOON },
  VERIFY_QUEUE_FULL: { status: 503, headers: RETRY_SOON },
  VERIFY_POOL_CLOSED: { status: 503, headers: RETRY_SOON },
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
    return {
      status: error.upstream.status >= 400 ? 502 : 500,
      ecode: error.code,
      message: error.message,
      entities: error.details,
      headers: {},
    };
  }
  if (typeof error !== 'object' || error === null) return undefined;
  const coded = error as CodedError;
  if (!isErrorCode(coded.code)) return undefined;
  const details =
    error instanceof DomainError
      ? error.details
      : Array.isArray(coded.details)
        ? coded.details
        : Array.isArray(coded.errors)
          ? coded.errors
          : [];
  return failureOf(coded.code, typeof coded.message === 'string' ? coded.message : coded.code, details);
}
