import { createHash, createHmac, randomUUID } from 'node:crypto';
import express, { Router } from 'express';
import { DomainError } from '../../errors.js';
import { Authenticator, type CredentialSource, type Principal } from './principal.js';
import { secretsEqual } from '../../util/constant-time.js';

/**
 * OAuth2 client credentials (RFC 6749 §4.4) for the GraphQL SignatureAPI, as InfoPlus issues system
 * tokens. Clients and secrets come from configuration; tokens are short-lived, self-contained and
 * HMAC-signed: `ipo1.<base64url(JSON claims)>.<base64url(HMAC)>`. A token names its client and a
 * fingerprint of the client's secret, so removing a client or changing its secret revokes its tokens.
 */
export const OAUTH_SCOPES = ['seal:read', 'seal:sign', 'seal:admin'] as const;
export type OAuthScope = (typeof OAUTH_SCOPES)[number];

export interface OAuthClientConfig {
  id: string;
  secret: string;
  scopes: OAuthScope[];
}

export interface AccessTokenClaims {
  cid: string;
  scp: OAuthScope[];
  iat: number;
  exp: number;
  jti: string;
  /** Fingerprint of the client secret the token was issued under. */
  sfp: string;
}

export interface OAuthClientPrincipal {
  clientId: string;
  scopes: OAuthScope[];
  exp: number;
}

const PREFIX = 'ipo1';

const fingerprint = (secret: string) => createHash('sha256').update(`oauth-client-secret:${secret}`).digest('base64url').slice(0, 16);

export class OAuthServer {
  private readonly key: Buffer;

  constructor(
    private readonly clients: () => OAuthClientConfig[],
    signingSecret: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.key = createHmac('sha256', signingSecret).update('infoplus-signature oauth access tokens').digest();
  }

  static looksLikeToken(token: string): boolean {
    return token.startsWith(`${PREFIX}.`);
  }

  private mac(signedPart: string): string {
    return createHmac('sha256', this.key).update(signedPart).digest('base64url');
  }

  /** The configured client whose id and secret these are (each candidate compared in constant time), else undefined. */
  authenticateClient(id: string, secret: string): OAuthClientConfig | undefined {
    let found: OAuthClientConfig | undefined;
    for (const client of this.clients()) {
      const idMatches = secretsEqual(id, client.id);
      const secretMatches = secretsEqual(secret, client.secret);
      if (idMatches && secretMatches) found = client;
    }
    return found;
  }

  issue(client: OAuthClientConfig, scopes: OAuthScope[]): { token: string; expiresIn: number; scopes: OAuthScope[] } {
    const iat = this.now();
    const claims: AccessTokenClaims = {
      cid: client.id,
      scp: scopes,
      iat,
      exp: iat + this.ttlSeconds,
      jti: randomUUID(),
      sfp: fingerprint(client.secret),
    };
    const signedPart = `${PREFIX}.${Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url')}`;
    return { token: `${signedPart}.${this.mac(signedPart)}`, expiresIn: this.ttlSeconds, scopes };
  }

  /** The client behind a bearer token; ACCESS_TOKEN_INVALID / ACCESS_TOKEN_EXPIRED / ACCESS_TOKEN_REVOKED otherwise. */
  verify(token: string): OAuthClientPrincipal {
    const invalid = () => new DomainError('ACCESS_TOKEN_INVALID', 'The access token is not valid.');
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== PREFIX || token.length > 4096) throw invalid();
    if (!secretsEqual(parts[2], this.mac(`${parts[0]}.${parts[1]}`))) throw invalid();
    let claims: AccessTokenClaims;
    try {
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as AccessTokenClaims;
    } catch {
      throw invalid();
    }
    if (typeof claims?.cid !== 'string' || typeof claims.exp !== 'number' || !Array.isArray(claims.scp)) throw invalid();
    if (claims.exp <= this.now()) {
      throw new DomainError('ACCESS_TOKEN_EXPIRED', 'The access token has expired; request a new one at /oauth/token.');
    }
    const client = this.clients().find((candidate) => candidate.id === claims.cid);
    if (!client || !secretsEqual(claims.sfp ?? '', fingerprint(client.secret))) {
      throw new DomainError('ACCESS_TOKEN_REVOKED', 'The access token was revoked (its client was removed or its secret changed).');
    }
    // Scopes taken away from a client since the token was issued are no longer granted.
    return { clientId: client.id, scopes: claims.scp.filter((scope) => client.scopes.includes(scope)), exp: claims.exp };
  }
}

/**
 * The engine-key/digest/ticket authenticator, which leaves OAuth credentials (`Bearer ipo1.…` and the
 * token endpoint's `Basic` client authentication) to the routes that accept them: the REST API
 * answers them as it answers no credential at all.
 */
export class OAuthAwareAuthenticator extends Authenticator {
  override async authenticate(source: CredentialSource): Promise<Principal | null> {
    const header = source.authorization?.trim() ?? '';
    if (/^Basic\s/i.test(header)) return null;
    const bearer = /^Bearer\s+(\S+)$/i.exec(header);
    if (bearer && OAuthServer.looksLikeToken(bearer[1])) return super.authenticate({ ...source, authorization: undefined });
    return super.authenticate(source);
  }
}

type TokenError = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope';

const tokenError = (status: number, error: TokenError, description: string, headers: Record<string, string> = {}) =>
  Object.assign(new Error(description), { tokenError: { status, error, description, headers } });

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header?.trim() ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    // RFC 6749 §2.3.1: client id and secret are form-urlencoded before Basic encoding.
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return undefined;
  }
}

/** `POST /oauth/token` (grant_type=client_credentials; client authentication by HTTP Basic or body parameters). */
export function oauthRoutes(server: OAuthServer): Router {
  const router = Router();
  router.post('/oauth/token', express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 }), (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    try {
      if (!req.is('application/x-www-form-urlencoded'))
        throw tokenError(400, 'invalid_request', 'Send the token request as application/x-www-form-urlencoded.');
      const body = (req.body ?? {}) as Record<string, unknown>;
      const param = (name: string) => (typeof body[name] === 'string' ? body[name] : undefined);
      if (param('grant_type') !== 'client_credentials')
        throw tokenError(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
      const basic = basicCredentials(req.headers.authorization);
      if (basic && param('client_secret')) throw tokenError(400, 'invalid_request', 'Authenticate the client by one method only.');
      const id = basic?.id ?? param('client_id');
      const secret = basic?.secret ?? param('client_secret');
      const client = id && secret ? server.authenticateClient(id, secret) : undefined;
      if (!client)
        throw tokenError(401, 'invalid_client', 'Unknown client or wrong secret.', { 'WWW-Authenticate': 'Basic realm="oauth"' });
      const requested = param('scope')?.split(' ').filter(Boolean);
      let scopes = client.scopes;
      if (requested && requested.length > 0) {
        const refused = requested.filter((scope) => !client.scopes.includes(scope as OAuthScope));
        if (refused.length > 0) throw tokenError(400, 'invalid_scope', `Scope not granted to this client: ${refused.join(' ')}.`);
        scopes = [...new Set(requested)] as OAuthScope[];
      }
      const issued = server.issue(client, scopes);
      res.json({ access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn, scope: issued.scopes.join(' ') });
    } catch (error) {
      const info = (error as { tokenError?: { status: number; error: TokenError; description: string; headers: Record<string, string> } })
        .tokenError;
      if (!info) throw error;
      for (const [name, value] of Object.entries(info.headers)) res.setHeader(name, value);
      res.status(info.status).json({ error: info.error, error_description: info.description });
    }
  });
  return router;
}
