import type { ProviderModule } from '../module.js';
import { processEsignEvent, esignCallbackRoutes } from './callbacks.js';
import { EsignClient, type EsignConfig } from './client.js';
import { EsignProvider } from './provider.js';

/** e签宝 (tsign) open API v3: redirect or silent signing, HMAC-signed callbacks. */
export const esign: ProviderModule<EsignConfig> = {
  name: 'esign',
  config(env) {
    const vars = env.group(['ESIGN_BASE_URL', 'ESIGN_PROJECT_ID', 'ESIGN_PROJECT_SECRET'], 'e签宝');
    if (!vars) return null;
    return {
      baseUrl: env.url('ESIGN_BASE_URL')!,
      projectId: vars.ESIGN_PROJECT_ID,
      projectSecret: vars.ESIGN_PROJECT_SECRET,
      downloadOrigins: env.origins('ESIGN_FILE_ORIGINS'),
    };
  },
  create: (config, { accounts, sealWidth, log }) => ({
    provider: new EsignProvider(new EsignClient(config), accounts, { sealWidth }),
    callbacks: { routes: (receive) => esignCallbackRoutes(config, receive, log), process: processEsignEvent },
  }),
};
