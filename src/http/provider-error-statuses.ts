/**
 * HTTP statuses of the codes the providers (src/providers) throw as DomainError. Until the one
 * code→status table (error-status.ts) exists, errors.ts registers these.
 */
export const PROVIDER_ERROR_STATUSES: Record<string, number> = {
  // The broker's pre-flight and the provider-account directory: the caller must change something.
  PROVIDER_CANNOT_ENFORCE: 422,
  PROVIDER_CANNOT_PLACE: 422,
  PROVIDER_CANNOT_COMMENT: 422,
  PROVIDER_ACCOUNT_MISSING: 422,
  PROVIDER_ACCOUNT_NOT_AGENT: 422,
  PROVIDER_SIGNING_UNSUPPORTED: 501,
  PLACEHOLDER_NOT_FOUND: 422,
  PAGE_OUT_OF_RANGE: 422,
  // Callback routes.
  CALLBACK_SIGNATURE_INVALID: 401,
  MALFORMED_JSON: 400,
  NOT_FOUND: 404,
  // A provider that fails or misbehaves is a bad gateway for our callers; a timeout is a gateway timeout.
  UPSTREAM_ERROR: 502,
  UPSTREAM_UNREACHABLE: 504,
  UPSTREAM_RATE_LIMITED: 503,
  UPSTREAM_TOO_LARGE: 502,
  ESIGN_ERROR: 502,
  ESIGN_BAD_SIGNATURE: 502,
  ESIGN_BAD_RESPONSE: 502,
  ESIGN_UPLOAD_FAILED: 502,
  ESIGN_DOWNLOAD_FAILED: 502,
  ESIGN_URL_NOT_ALLOWED: 502,
  XUPER_ERROR: 502,
  XUPER_BAD_RESPONSE: 502,
  XUPER_IMAGE_FAILED: 502,
  XUPER_URL_NOT_ALLOWED: 502,
  ZOHO_ERROR: 502,
  ZOHO_AUTH_FAILED: 502,
  ZOHO_BAD_RESPONSE: 502,
  SPACESIGN_ERROR: 502,
  SPACESIGN_AUTH_FAILED: 502,
  SPACESIGN_BAD_RESPONSE: 502,
};
