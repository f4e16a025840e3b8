import { createHash, createHmac } from 'node:crypto';

export interface XuperSignInput {
  method: string;
  /** Request path without query, e.g. /saas/openapi/econtract/v1/signature/create */
  path: string;
  appId: string;
  nonce: string;
  /** Unix seconds, as sent in X_BXEO_TIMESTAMP. */
  timestamp: string;
  /** X_BXEO_CONTENTMD5: lowercase hex MD5 of the exact request body bytes. */
  contentMd5: string;
}

/**
 * The canonical string xuper's `X_BXEO_SIGN` covers. The published text lists the headers but not
 * how they are combined, so this is our documented choice — METHOD, path, app id, nonce, timestamp
 * and content MD5, one per line (LF), no trailing newline — kept in this one function so a
 * deployment can change it in one place.
 */
export function xuperCanonicalString(input: XuperSignInput): string {
  return [input.method.toUpperCase(), input.path, input.appId, input.nonce, input.timestamp, input.contentMd5].join('\n');
}

/** X_BXEO_SIGN: lowercase hex HMAC-SHA256 of the canonical string with the app secret. */
export function xuperSignature(input: XuperSignInput, secret: string): string {
  return createHmac('sha256', secret).update(xuperCanonicalString(input), 'utf8').digest('hex');
}

/** X_BXEO_CONTENTMD5: lowercase hex MD5 of the body bytes. */
export function xuperContentMd5(body: Uint8Array): string {
  return createHash('md5').update(body).digest('hex');
}
