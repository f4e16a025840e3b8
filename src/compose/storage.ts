import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { RedisConnections } from '../scale/redis.js';
import { loadLocalSecrets } from '../secrets.js';
import { LocalBlobStore } from '../store/blobs/local.js';
import { PostgresBlobStore } from '../store/blobs/postgres.js';
import { openDatabase } from '../store/db.js';
import { FileUris } from '../store/file-uri.js';
import { FileStore } from '../store/files.js';
import { NonceRepository } from '../store/nonces.js';
import { hardenDataDir } from '../store/permissions.js';
import { ProviderAccountRepository, ProviderEventRepository, ProviderFlowRepository } from '../store/provider-flows.js';
import { RevokedTicketRepository } from '../store/revoked-tickets.js';
import { SealRepository } from '../store/seals.js';
import { SignatureRepository } from '../store/signatures.js';
import type { Resources } from './resources.js';

export type Storage = Awaited<ReturnType<typeof composeStorage>>;

/** The data directory, the database (and Redis), the keys kept in the data directory, the file store and the repositories. */
export async function composeStorage(config: Config, logger: Logger, publicUrl: string, resources: Resources) {
  hardenDataDir(config.dataDir);
  const db = resources.add(await openDatabase({ dataDir: config.dataDir, databaseUrl: config.scale.databaseUrl }), (opened) =>
    opened.destroy(),
  );
  const redis = config.scale.redisUrl
    ? resources.add(new RedisConnections(config.scale.redisUrl, config.scale.redisPrefix, config.scale.instanceId, logger), (connections) =>
        connections.close(),
      )
    : null;
  const secrets = await loadLocalSecrets(config.dataDir);
  const masterKey = config.sealMasterKey ?? Buffer.from(secrets.sealMasterKey, 'base64');
  const files = new FileStore(
    db,
    config.dataDir,
    config.scale.blobStore === 'postgres' ? new PostgresBlobStore(db) : new LocalBlobStore(config.dataDir),
  );
  await files.init();
  const providerAccounts = new ProviderAccountRepository(db, masterKey);
  const sealedIdentities = await providerAccounts.encryptPlainIdentities();
  if (sealedIdentities > 0)
    logger.info({ accounts: sealedIdentities }, 'identity numbers in the provider-account directory encrypted at rest');
  return {
    db,
    redis,
    keys: {
      /** The engine keys in force (a generated dev key when ENGINE_KEYS is unset). */
      engineKeys: config.engineKeys.length > 0 ? config.engineKeys : [secrets.devEngineKey],
      devKeyGenerated: config.engineKeys.length === 0,
      ticketSecret: config.ticketSecret ?? secrets.ticketSecret,
      masterKey,
    },
    files,
    uris: new FileUris(publicUrl),
    signatureRepo: new SignatureRepository(db),
    sealRepo: new SealRepository(db),
    flows: new ProviderFlowRepository(db),
    providerEvents: new ProviderEventRepository(db),
    providerAccounts,
    nonces: new NonceRepository(db),
    revokedTickets: new RevokedTicketRepository(db),
  };
}
