import type { ProviderModule } from '../module.js';
import { XuperClient, type XuperConfig } from './client.js';
import { XuperProvider, XuperRegistrar } from './provider.js';

/** Baidu xuper e-contract: registers seals at xuper (signing is not in its published spec). */
export const xuper: ProviderModule<XuperConfig> = {
  name: 'xuper',
  config(env) {
    const vars = env.group(['XUPER_BASE_URL', 'XUPER_APP_ID', 'XUPER_SECRET'], 'xuper');
    if (!vars) return null;
    return {
      baseUrl: env.url('XUPER_BASE_URL')!,
      appId: vars.XUPER_APP_ID,
      secret: vars.XUPER_SECRET,
      imageOrigins: env.origins('XUPER_IMAGE_ORIGINS'),
    };
  },
  create: (config) => ({ provider: new XuperProvider(), registrar: new XuperRegistrar(new XuperClient(config)) }),
};
