import type { Logger } from 'pino';
import { BatchService } from '../batch/service.js';
import { BatchRepository } from '../batch/store.js';
import type { Config } from '../config/index.js';
import { DomainError } from '../errors.js';
import { rehearseStamping } from './rehearsal.js';
import { PgAdvisoryLeadership, SoleLeadership } from '../scale/leadership.js';
import { ARCHIVE_RENEWAL_LOCK, ArchiveRenewal, fetchAllowedCrls } from '../stamping/archive-renewal.js';
import { EngineClient } from '../stamping/engine-client.js';
import { FileSigner } from '../stamping/file-signer.js';
import { InProcessEngine } from '../stamping/in-process-engine.js';
import { PagePreviewer } from '../stamping/preview.js';
import { RecentFilesEngine } from '../stamping/recent-files.js';
import { StampService } from '../stamping/stamp-service.js';
import { warmStampPath } from '../stamping/warm-up.js';
import { SignRequestRepository } from '../store/sign-requests.js';
import { Semaphore } from '../util/semaphore.js';
import type { Seals } from './seals.js';
import type { BoundServer } from './server.js';
import type { EngineSide } from './signatures.js';
import type { Storage } from './storage.js';
import type { Verification } from './verification.js';

export type Stamping = Awaited<ReturnType<typeof composeStamping>>;

/**
 * The broker: how it reaches the engine side, the stamp service, B-LTA archive renewal, v2 signFile,
 * batches and page previews; the stamp path is warmed before the first user's stamp.
 */
export async function composeStamping(
  config: Config,
  logger: Logger,
  parts: { bound: BoundServer; storage: Storage; engineSide: EngineSide; seals: Seals; verification: Verification },
) {
  const { db, files, uris } = parts.storage;
  const { registry, providers, mfa } = parts.seals;
  const { verifier, trustAnchors, providerTrustAnchors } = parts.verification;
  const { engineBase, publicUrl } = parts.bound;
  const engineKey = config.signatureApiKey ?? parts.storage.keys.engineKeys[0];
  // The engine side of this process is called directly unless it is remote (or ENGINE_TRANSPORT=http).
  const ownFileBases = config.signatureApiUrl ? [] : [publicUrl];
  const engine = new RecentFilesEngine(
    config.stamping.engineTransport === 'in-process'
      ? new InProcessEngine(parts.engineSide.signatures, files, uris)
      : new EngineClient({ baseUrl: engineBase, key: engineKey, publicBaseUrls: () => ownFileBases }),
  );
  // B-LTA documents get a new document timestamp before the last one's TSA certificate expires (one instance runs it).
  const archives = config.tsaUrl
    ? new ArchiveRenewal({
        db,
        engine,
        tsa: { url: config.tsaUrl },
        horizonDays: config.ltvRenewalHorizonDays,
        intervalMs: config.ltvRenewalIntervalMs,
        log: logger,
        leadership: config.scale.databaseUrl
          ? new PgAdvisoryLeadership(config.scale.databaseUrl, ARCHIVE_RENEWAL_LOCK, logger)
          : new SoleLeadership(),
        verifier,
        tsaRevocationData: (certificates) =>
          fetchAllowedCrls(certificates, parts.verification.revocationOrigins, config.revocationTimeoutMs),
      })
    : null;
  const stampLimit = new Semaphore(
    config.stamping.stampConcurrency,
    config.stamping.stampQueueLimit,
    () => new DomainError('STAMP_BUSY', 'Too many stamps are being applied; try again shortly.'),
  );
  const stamps = new StampService(engine, registry, providers, logger, {
    flows: parts.storage.flows,
    trustAnchors,
    providerTrustAnchors,
    publicBaseUrl: () => publicUrl,
    verifier,
    stampLimit,
    archives: archives ?? undefined,
  });
  // v2 signFile fetches files from the engine's origin (its FileAPI only, with the engine key) and FILE_ORIGINS.
  const engineOrigins = [engineBase, ...ownFileBases].map((base) => new URL(base).origin);
  const fileSigner = new FileSigner(registry, providers, engine, mfa, new SignRequestRepository(db), logger, {
    allowedOrigins: () => [...engineOrigins, ...config.graphql.fileOrigins],
    fetch: {
      maxBytes: config.uploadLimitBytes,
      authorizationFor: (origin) => (engineOrigins.includes(origin) ? `Bearer ${engineKey}` : undefined),
      // On the engine's origin only its FileAPI's files: the engine key opens nothing else there.
      allowedPath: (url) => !engineOrigins.includes(url.origin) || /\/file\/[0-9a-f-]{36}$/.test(url.pathname),
    },
    flows: parts.storage.flows,
    trustAnchors,
    verifier,
    publicBaseUrl: () => publicUrl,
  });
  const batches = new BatchService(
    new BatchRepository(db),
    engine,
    stamps,
    registry,
    providers,
    (key, message) => parts.engineSide.hub.publish(key, message),
    logger,
    {
      maxItems: config.stamping.batchMaxItems,
      concurrency: config.stamping.batchConcurrency,
      leaseMs: config.stamping.batchLeaseMs,
      instanceId: config.scale.instanceId,
    },
    mfa,
  );
  if (config.stamping.warmUp) {
    await warmStampPath(registry, logger).catch((error) => logger.warn({ err: error }, 'warming the stamp path failed'));
    await rehearseStamping({
      registry,
      tempDir: files.tempDir,
      masterKey: parts.storage.keys.masterKey,
      sealSizePt: config.sealSizePt,
      logger,
    }).catch((error) => logger.warn({ err: error }, 'rehearsing the stamp path failed'));
  }
  return { engine, archives, stamps, fileSigner, batches, previews: new PagePreviewer(config.security.previewConcurrency) };
}
