import type { ProviderModule } from '../module.js';
import { SpaceSignClient, type SpaceSignConfig } from './client.js';
import { SpaceSignProvider } from './provider.js';
import { processSpaceSignEvent, spaceSignWebhookRoutes } from './webhooks.js';

/** SpaceSign: envelopes with an idempotency key, HMAC-signed webhooks with a timestamp. */
export const spacesign: ProviderModule<SpaceSignConfig & { webhookSecret: string }> = {
  name: 'spacesign',
  config(env) {
    const vars = env.group(['SPACESIGN_BASE_URL', 'SPACESIGN_API_KEY', 'SPACESIGN_WEBHOOK_SECRET'], 'SpaceSign');
    if (!vars) return null;
    return { baseUrl: env.url('SPACESIGN_BASE_URL')!, apiKey: vars.SPACESIGN_API_KEY, webhookSecret: vars.SPACESIGN_WEBHOOK_SECRET };
  },
  create: (config, { accounts, sealWidth, log }) => ({
    provider: new SpaceSignProvider(new SpaceSignClient(config), accounts, { sealWidth }),
    callbacks: { routes: (receive) => spaceSignWebhookRoutes(config.webhookSecret, receive, log), process: processSpaceSignEvent },
  }),
};
