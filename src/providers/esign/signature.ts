import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * e签宝's "package" signature: HMAC-SHA256 over the exact HTTP body bytes with the project secret.
 * The spec does not name an encoding for `X-timevale-signature`; we send and expect **lowercase
 * hex** (64 characters). This is the one place to change if a deployment needs base64.
 */
export function esignSignature(secret: string, body: Uint8Array | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** Constant-time check of a received `X-timevale-signature` against the body. */
export function verifyEsignSignature(secret: string, body: Uint8Array | string, received: string | null | undefined): boolean {
  if (!received) return false;
  const expected = Buffer.from(esignSignature(secret, body), 'utf8');
  const given = Buffer.from(received.trim().toLowerCase(), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
