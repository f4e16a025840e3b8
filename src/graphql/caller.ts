import { DomainError } from '../errors.js';
import type { Principal } from '../http/auth/principal.js';
import type { OAuthScope } from '../http/auth/oauth.js';

/** Who calls the GraphQL API: an engine credential, an OAuth2 client, or an end user with a ticket. */
export type Caller =
  | { kind: 'engine'; id: string }
  | { kind: 'client'; id: string; clientId: string; scopes: OAuthScope[] }
  | { kind: 'user'; id: string; account: string; name: string; canSign: boolean };

export function callerOf(principal: Principal | null, client: { clientId: string; scopes: OAuthScope[] } | undefined): Caller | null {
  if (client) return { kind: 'client', id: `client:${client.clientId}`, clientId: client.clientId, scopes: client.scopes };
  if (!principal) return null;
  if (principal.kind === 'engine') return { kind: 'engine', id: 'engine' };
  return {
    kind: 'user',
    id: `user:${principal.claims.account}`,
    account: principal.claims.account,
    name: principal.claims.name,
    canSign: principal.claims.scopes.includes('stamp'),
  };
}

function requireScope(caller: Caller, scope: OAuthScope): void {
  if (caller.kind === 'client' && !caller.scopes.includes(scope) && !(scope === 'seal:read' && caller.scopes.includes('seal:admin'))) {
    throw new DomainError('INSUFFICIENT_SCOPE', `This call needs the scope ${scope}; the token has ${caller.scopes.join(' ') || 'none'}.`);
  }
}

/**
 * The account a call acts for. A user ticket acts only for its own account (the argument may be left
 * out); engine credentials and OAuth clients must name one.
 */
export function actingAccount(caller: Caller, account: string | null | undefined, scope: 'seal:read' | 'seal:sign'): string {
  const named = account?.trim() || undefined;
  if (named !== undefined && (named.length > 200 || /[\u0000-\u001f]/.test(named)))
    throw new DomainError('INVALID_REQUEST', 'The account name is not valid.', [{ path: 'account', message: 'invalid' }]);
  if (caller.kind === 'user') {
    if (named !== undefined && named !== caller.account)
      throw new DomainError('ACCOUNT_MISMATCH', `A ticket for ${caller.account} cannot act for ${named}.`);
    if (scope === 'seal:sign' && !caller.canSign) throw new DomainError('INSUFFICIENT_SCOPE', 'This ticket does not allow signing.');
    return caller.account;
  }
  requireScope(caller, scope);
  if (named === undefined)
    throw new DomainError('ACCOUNT_REQUIRED', scope === 'seal:sign' ? 'Name the signer (signer: account).' : 'Name the account.');
  return named;
}

/** Admin calls: engine credentials or an OAuth client with seal:admin. */
export function requireAdmin(caller: Caller): void {
  if (caller.kind === 'user')
    throw new DomainError(
      'INSUFFICIENT_SCOPE',
      'This call needs an engine credential or the scope seal:admin; a user ticket cannot make it.',
    );
  requireScope(caller, 'seal:admin');
}
