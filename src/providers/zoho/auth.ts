import { fetchWithRetry, readLimited, type RetryPolicy, UpstreamError } from '../upstream.js';

export interface ZohoOAuthConfig {
  /** e.g. https://accounts.zoho.com — the token endpoint is `${accountsUrl}/oauth/v2/token`. */
  accountsUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  retry?: RetryPolicy;
}

/** Refresh this long before the token's stated expiry. */
const EARLY_MS = 60_000;

/**
 * Zoho OAuth2 access tokens from the configured refresh token (`grant_type=refresh_token`): cached,
 * refreshed before expiry, one refresh in flight at a time; `invalidate()` after a 401 forces the
 * next call to refresh. Tokens are never logged.
 */
export class ZohoTokens {
  private token: { value: string; expiresAt: number } | null = null;
  private refreshing: Promise<string> | null = null;
  refreshes = 0;

  constructor(private readonly config: ZohoOAuthConfig) {}

  async get(): Promise<string> {
    if (this.token && Date.now() < this.token.expiresAt - Math.min(EARLY_MS, (this.token.expiresAt - Date.now()) / 2))
      return this.token.value;
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  invalidate(used: string): void {
    if (this.token?.value === used) this.token = null;
  }

  private async refresh(): Promise<string> {
    const query = new URLSearchParams({
      refresh_token: this.config.refreshToken,
      client_id: this.config.clientId,
      client_secret: this.config.clientSecret,
      grant_type: 'refresh_token',
    });
    const response = await fetchWithRetry(`${this.config.accountsUrl}/oauth/v2/token?${query}`, () => ({ method: 'POST' }), {
      label: 'Zoho token endpoint',
      policy: this.config.retry,
      // A second grant only issues another access token.
      idempotent: true,
    });
    const body = JSON.parse((await readLimited(response, 64 * 1024, 'Zoho token endpoint')).toString() || '{}') as {
      access_token?: string;
      expires_in?: number;
      error?: string;
    };
    if (!response.ok || !body.access_token)
      throw new UpstreamError(
        'ZOHO_AUTH_FAILED',
        `Zoho refused to issue an access token${body.error ? ` (${body.error})` : ''}; check ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN.`,
      );
    this.refreshes++;
    this.token = { value: body.access_token, expiresAt: Date.now() + (Number(body.expires_in) || 3600) * 1000 };
    return body.access_token;
  }
}
