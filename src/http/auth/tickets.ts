import { createHmac } from 'node:crypto';
import { secretsEqual } from '../../util/constant-time.js';

/**
 * End-user tickets: short-lived, server-signed (HMAC-SHA256) grants for one account on one signature.
 * Format: `v1.<base64url(JSON payload)>.<base64url(HMAC(secret, "v1." + payload))>`.
 */
export type TicketScope = 'read' | 'stamp';

export interface TicketClaims {
  /** Signature id the ticket is for. */
  sid: string;
  account: string;
  name: string;
  scopes: TicketScope[];
  /** Expiry, unix seconds. */
  exp: number;
  /** Ticket id, for revocation (`DELETE /signature/:id/tickets/:jti`) and per-ticket limits. */
  jti?: string;
  /** A stamp ticket bound to one seal index: it may stamp (or remove) only that seal. */
  seal?: number;
}

const PREFIX = 'v1';

function mac(secret: string, signedPart: string): string {
  return createHmac('sha256', secret).update(signedPart).digest('base64url');
}

export function issueTicket(secret: string, claims: TicketClaims): string {
  const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  const signedPart = `${PREFIX}.${payload}`;
  return `${signedPart}.${mac(secret, signedPart)}`;
}

export type TicketVerdict = { ok: true; claims: TicketClaims } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

export function verifyTicket(secret: string, ticket: string, nowSeconds: number): TicketVerdict {
  const parts = ticket.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX || ticket.length > 4096) return { ok: false, reason: 'malformed' };
  const signedPart = `${parts[0]}.${parts[1]}`;
  if (!secretsEqual(parts[2], mac(secret, signedPart))) return { ok: false, reason: 'bad-signature' };
  let claims: TicketClaims;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as TicketClaims;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (
    typeof claims?.sid !== 'string' ||
    typeof claims.account !== 'string' ||
    typeof claims.exp !== 'number' ||
    !Array.isArray(claims.scopes) ||
    (claims.jti !== undefined && typeof claims.jti !== 'string') ||
    (claims.seal !== undefined && !Number.isInteger(claims.seal))
  ) {
    return { ok: false, reason: 'malformed' };
  }
  if (claims.exp <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
