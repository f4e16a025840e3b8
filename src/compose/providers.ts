import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { ProviderParts } from '../providers/module.js';
import type { SealRegistrar } from '../seals/registry.js';
import type { Storage } from './storage.js';

export type ProviderModules = ReturnType<typeof composeProviderModules>;

/** Third-party providers: one module each (src/providers/modules.ts), enabled by its variables. */
export function composeProviderModules(config: Config, logger: Logger, storage: Storage, publicUrl: string) {
  const context = { accounts: storage.providerAccounts, sealWidth: config.sealSizePt, publicUrl, log: logger };
  const parts = new Map<string, ProviderParts>(config.providers.map((configured) => [configured.name, configured.create(context)]));
  const registrars = new Map<string, SealRegistrar>();
  for (const [name, { registrar }] of parts) if (registrar) registrars.set(name, registrar);
  return { parts, registrars };
}
