import type { ProviderModule } from '../module.js';
import { type ZohoOAuthConfig, ZohoTokens } from './auth.js';
import { ZohoClient } from './client.js';
import { ZohoProvider } from './provider.js';
import { processZohoEvent, zohoWebhookRoutes } from './webhooks.js';

interface ZohoSettings extends ZohoOAuthConfig {
  apiUrl: string;
  webhookToken: string;
  expirationDays: number;
}

/** Zoho Sign: OAuth2 refresh token, embedded signing, unsigned webhooks confirmed by polling. */
export const zoho: ProviderModule<ZohoSettings> = {
  name: 'zoho',
  config(env) {
    const vars = env.group(
      ['ZOHO_ACCOUNTS_URL', 'ZOHO_API_URL', 'ZOHO_CLIENT_ID', 'ZOHO_CLIENT_SECRET', 'ZOHO_REFRESH_TOKEN', 'ZOHO_WEBHOOK_TOKEN'],
      'Zoho',
    );
    if (!vars) return null;
    const accountsUrl = env.url('ZOHO_ACCOUNTS_URL')!;
    const apiUrl = env.url('ZOHO_API_URL')!;
    if (vars.ZOHO_WEBHOOK_TOKEN.length < 24)
      env.refuse('ZOHO_WEBHOOK_TOKEN', 'must be at least 24 characters (it is the only secret of the webhook URL)');
    return {
      accountsUrl,
      apiUrl,
      clientId: vars.ZOHO_CLIENT_ID,
      clientSecret: vars.ZOHO_CLIENT_SECRET,
      refreshToken: vars.ZOHO_REFRESH_TOKEN,
      webhookToken: vars.ZOHO_WEBHOOK_TOKEN,
      expirationDays: env.integer('ZOHO_EXPIRATION_DAYS', 15, 1, 365),
    };
  },
  create(config, { accounts, sealWidth, publicUrl }) {
    const client = new ZohoClient({ apiUrl: config.apiUrl }, new ZohoTokens(config));
    return {
      provider: new ZohoProvider(client, accounts, {
        sealWidth,
        host: new URL(publicUrl).origin,
        expirationDays: config.expirationDays,
      }),
      callbacks: { routes: (receive) => zohoWebhookRoutes(config.webhookToken, receive), process: processZohoEvent },
    };
  },
};
