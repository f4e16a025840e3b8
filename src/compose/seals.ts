import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { MfaGuard, SealMfaPolicy, TotpService } from '../mfa/totp.js';
import { ServiceKey } from '../proof/service-key.js';
import { LocalSigner } from '../providers/local.js';
import type { SealProvider } from '../providers/provider.js';
import { SEEDING_LOCK, withClusterLock } from '../scale/leadership.js';
import { BuiltinAuthority } from '../seals/authority.js';
import { seedDemoData } from '../seals/demo.js';
import { SealRekeying } from '../seals/rekey.js';
import { SealRegistry } from '../seals/registry.js';
import { CertificateRevocation } from '../seals/revocation.js';
import type { ProviderModules } from './providers.js';
import type { Storage } from './storage.js';

export type Seals = Awaited<ReturnType<typeof composeSeals>>;

/**
 * Seals: the built-in CA (its certificates name this service's CRL and OCSP URLs), revocation, the
 * registry, the providers that sign (the local signer first, then the configured modules) and the
 * seals' second factor. The CA exists, keys are bound to their seal, and demo data is seeded.
 */
export async function composeSeals(config: Config, logger: Logger, storage: Storage, modules: ProviderModules, publicUrl: string) {
  const { db, files, sealRepo } = storage;
  const { masterKey } = storage.keys;
  const authority = new BuiltinAuthority(
    db,
    masterKey,
    { commonName: 'InfoPlus Signature Dev CA', organization: 'InfoPlus Signature Service' },
    publicUrl,
  );
  const revocation = new CertificateRevocation(db, authority);
  const names = ['local', ...modules.parts.keys()];
  const registry = new SealRegistry(sealRepo, files, authority, masterKey, { names: () => names, registrars: modules.registrars });
  const local = new LocalSigner(registry, {
    tsaUrl: config.tsaUrl ?? undefined,
    defaultSealSize: config.sealSizePt,
    ltv: { validationData: (certificatePem) => revocation.validationData(certificatePem) },
    ltvByDefault: config.ltv,
  });
  const providers = new Map<string, SealProvider>([['local', local]]);
  for (const [name, parts] of modules.parts) providers.set(name, parts.provider);

  await authority.get();
  const rebound = await registry.migrateKeyBinding();
  if (rebound > 0) logger.info({ keys: rebound }, 'seal keys re-encrypted with their seal id as additional data');
  // Instances starting together on one database seed one after another (the first one seeds).
  await withClusterLock(db, SEEDING_LOCK, async () => {
    if (config.demoData) await seedDemoData(db, registry, logger);
  });
  return {
    authority,
    revocation,
    registry,
    providers,
    mfa: new MfaGuard(new SealMfaPolicy(db), new TotpService(db, masterKey, config.mfa)),
    rekeying: new SealRekeying(db, sealRepo, authority, revocation, masterKey),
    serviceKey: new ServiceKey(db, authority, masterKey),
  };
}
