import type { Request } from 'express';
import type { Config } from '../../config/index.js';
import type { NonceRepository } from '../../store/nonces.js';
import { DomainError, unauthorized } from '../../errors.js';
import { secretInList } from '../../util/constant-time.js';
import { NONCE_MEMORY_SECONDS, checkDigest, parseDigestHeader } from '../../util/digest-auth.js';
import { type TicketClaims, type TicketScope, verifyTicket } from './tickets.js';

/** Who is calling: the engine (or another service holding an engine credential), or an end user with a ticket. */
export type Principal = { kind: 'engine'; via: 'bearer' | 'digest' } | { kind: 'user'; claims: TicketClaims };

export interface CredentialSource {
  method: string;
  /** Path and query exactly as requested (what a digest signs). */
  uri: string;
  authorization?: string;
  ticket?: string;
}

/** The header the web component sends its ticket in. */
export const TICKET_HEADER = 'x-infoplus-ticket';
/** The cookie the signing page's first load sets (HttpOnly, SameSite=Strict, path /sign/<id>). */
export const TICKET_COOKIE = 'ips_ticket';

/**
 * Where a ticket may travel in a URL (browser history, proxy logs, Referer): only the first load of
 * the signing page, which exchanges it for a cookie. (The ws handshake reads its own query.)
 */
/**
 * GET routes that may carry `?ticket=`: the signing page's first load, and the v2 seal picker — a
 * popup page whose ticket opens only the user's own seals, read-only — with its seal images.
 */
const QUERY_TICKET_ROUTE = /^\/(?:sign\/[^/]+|sign-batch\/[^/]+|seal-picker(?:\/images\/[^/]+)?)$/;

function cookieTicket(req: Request): string | undefined {
  if (!req.path.startsWith('/sign/') && !req.path.startsWith('/sign-batch/')) return undefined;
  return ticketCookieOf(req.headers.cookie);
}

/** The signing page's ticket cookie in a Cookie header, if any. */
export function ticketCookieOf(cookieHeader: string | undefined): string | undefined {
  const match = new RegExp(`(?:^|;\\s*)${TICKET_COOKIE}=([^;]{1,4096})`).exec(cookieHeader ?? '');
  try {
    return match ? decodeURIComponent(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Extracts credentials from an express request: the Authorization header, or a ticket in the
 * X-InfoPlus-Ticket header, a JSON body's `ticket`, the signing page's cookie, or — on the signing
 * page's first load only — `?ticket=`. A ticket in any other URL is refused (400 TICKET_IN_URL).
 */
export function credentialsOf(req: Request): CredentialSource {
  const queryTicket = typeof req.query.ticket === 'string' ? req.query.ticket : undefined;
  if (queryTicket !== undefined && !(req.method === 'GET' && QUERY_TICKET_ROUTE.test(req.path))) {
    throw new DomainError('TICKET_IN_URL', 'Send the ticket in the X-InfoPlus-Ticket header (or the JSON body), not in the URL.');
  }
  const header = req.headers[TICKET_HEADER];
  const headerTicket = typeof header === 'string' && header ? header : undefined;
  const body = req.body as { ticket?: unknown } | undefined;
  const bodyTicket = body && typeof body === 'object' && typeof body.ticket === 'string' ? body.ticket : undefined;
  return {
    method: req.method,
    uri: req.originalUrl,
    authorization: req.headers.authorization,
    ticket: queryTicket ?? headerTicket ?? bodyTicket ?? cookieTicket(req),
  };
}

export class Authenticator {
  constructor(
    private readonly config: Pick<Config, 'engineKeys' | 'digest'>,
    private readonly ticketSecret: string,
    private readonly nonces: NonceRepository,
    private readonly revoked?: { isRevoked(jti: string): Promise<boolean> },
  ) {}

  /** The caller's principal, null when no credential was presented; a presented bad credential is a 401. */
  async authenticate(source: CredentialSource): Promise<Principal | null> {
    const header = source.authorization?.trim();
    if (header) {
      const bearer = /^Bearer\s+(\S+)$/i.exec(header);
      if (bearer) {
        if (secretInList(bearer[1], this.config.engineKeys)) return { kind: 'engine', via: 'bearer' };
        throw unauthorized('The bearer key is not valid.');
      }
      if (/^Digest\s/i.test(header)) return this.digest(header, source);
      throw unauthorized('Unsupported Authorization scheme; use Bearer or Digest.');
    }
    if (source.ticket !== undefined) {
      const claims = this.ticket(source.ticket);
      if (claims.jti !== undefined && (await this.revoked?.isRevoked(claims.jti)))
        throw new DomainError('TICKET_REVOKED', 'The ticket was revoked; ask the form for a new one.');
      return { kind: 'user', claims };
    }
    return null;
  }

  private async digest(header: string, source: CredentialSource): Promise<Principal> {
    const credentials = this.config.digest;
    if (!credentials) throw unauthorized('Digest authentication is not configured on this service.');
    const params = parseDigestHeader(header);
    if (!params) throw unauthorized('The Digest header is malformed.');
    const now = Math.floor(Date.now() / 1000);
    const verdict = checkDigest(credentials, params, source.method, source.uri, now);
    if (!verdict.ok) throw unauthorized(`The digest signature is not valid: ${verdict.reason}.`);
    if (!(await this.nonces.claim(params.nonce, now + NONCE_MEMORY_SECONDS, now))) {
      throw new DomainError('NONCE_REPLAYED', 'The digest nonce was already used.');
    }
    return { kind: 'engine', via: 'digest' };
  }

  private ticket(ticket: string): TicketClaims {
    const verdict = verifyTicket(this.ticketSecret, ticket, Math.floor(Date.now() / 1000));
    if (verdict.ok) return verdict.claims;
    if (verdict.reason === 'expired') throw new DomainError('TICKET_EXPIRED', 'The ticket has expired; ask the form for a new one.');
    throw new DomainError('TICKET_INVALID', 'The ticket is not valid.');
  }
}

export function requireEngine(principal: Principal | null): void {
  if (!principal) throw unauthorized();
  if (principal.kind !== 'engine')
    throw new DomainError('ENGINE_ONLY', 'This call needs an engine credential; a user ticket cannot make it.');
}

/**
 * Engine credentials, or a ticket for exactly this signature carrying the scope (and, for a ticket
 * bound to one seal, that seal when `sealIndex` is given).
 */
export function requireSignatureAccess(
  principal: Principal | null,
  signatureId: string,
  scope: TicketScope,
  sealIndex?: number,
): Principal {
  if (!principal) throw unauthorized();
  if (principal.kind === 'engine') return principal;
  if (principal.claims.sid !== signatureId) throw new DomainError('TICKET_SCOPE', 'The ticket is for another signature.');
  if (!principal.claims.scopes.includes(scope)) throw new DomainError('TICKET_SCOPE', `The ticket does not allow ${scope}.`);
  if (scope === 'stamp' && sealIndex !== undefined && principal.claims.seal !== undefined && principal.claims.seal !== sealIndex) {
    throw new DomainError('TICKET_SCOPE', `The ticket allows stamping seal ${principal.claims.seal} only.`);
  }
  return principal;
}
