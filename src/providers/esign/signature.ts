import { createHmac } from 'node:crypto';
import { secretsEqual } from '../../util/constant-time.js';

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
  return secretsEqual(received.trim().toLowerCase(), esignSignature(secret, body));
}
