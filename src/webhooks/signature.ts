import { createHmac, randomBytes } from 'node:crypto';
import { secretsEqual } from '../util/constant-time.js';
import { digestHeader } from '../util/digest-auth.js';

/** Header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export const SIGNATURE_HEADER = 'X-InfoPlus-Signature';
export const TOLERANCE_SECONDS = 5 * 60;

export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

export function signatureHeader(secret: string, body: string, now = Date.now()): string {
  const t = Math.floor(now / 1000);
  return `t=${t},v1=${webhookSignature(secret, t, body)}`;
}

/** What a receiver does: parse the header, check the time window, compare the MAC in constant time. */
export function verifySignatureHeader(
  secret: string,
  header: string,
  body: string,
  now = Date.now(),
): { ok: true } | { ok: false; reason: string } {
  const parts = new Map(header.split(',').map((part) => part.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const mac = parts.get('v1');
  if (!Number.isInteger(t) || !mac) return { ok: false, reason: 'malformed header' };
  if (Math.abs(now / 1000 - t) > TOLERANCE_SECONDS) return { ok: false, reason: 'timestamp outside the tolerance' };
  return secretsEqual(mac, webhookSignature(secret, t, body)) ? { ok: true } : { ok: false, reason: 'signature mismatch' };
}

/** The InfoPlus Digest scheme as an option: the subscriber's secret with code `infoplus-signature` and its host as domain. */
export function digestAuthorization(secret: string, url: URL, now = Date.now()): string {
  const nonce = `${randomBytes(8).toString('hex')}-${Math.floor(now / 1000)}`;
  return digestHeader({ code: 'infoplus-signature', domain: url.host, secret }, 'POST', `${url.pathname}${url.search}`, nonce);
}
