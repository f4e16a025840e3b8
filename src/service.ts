import { DomainError } from './errors.js';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import type { Config } from './config/index.js';
import { ServiceConverter } from './export/converter.js';
import { QueuedConverter } from './export/queue/queued-converter.js';
import { DocumentService } from './export/documents.js';
import { ExportPipeline } from './export/pipeline.js';
import { exportRoutes } from './routes/export.js';
import { TemplateSource } from './export/template-source.js';
import { DirectoryTemplates, StoredTemplates } from './export/template-catalogue.js';
import { fileRoutes } from './routes/files.js';
import { OAuthAwareAuthenticator, OAuthServer, oauthRoutes } from './http/auth/oauth.js';
import { graphqlRoutes } from './graphql/routes.js';
import { PICKER_SCOPE, pickerRoutes } from './graphql/picker.js';
import { issueTicket } from './http/auth/tickets.js';
import { MfaGuard, SealMfaPolicy, TotpService } from './mfa/totp.js';
import { FileSigner } from './stamping/file-signer.js';
import { SignRequestRepository } from './store/sign-requests.js';
import { projectRoot } from './util/project-root.js';
import { healthRoutes } from './http/health.js';
import { memoryLimiters, RateLimits, redisLimiters } from './http/rate-limit.js';
import { readinessRoutes } from './http/readiness.js';
import { createLogger } from './log.js';
import { success } from './http/envelope.js';
import { CallbackInbox } from './providers/callback-inbox.js';
import { openApiRoutes } from './openapi/routes.js';
import { LocalSigner } from './providers/local.js';
import type { ProviderParts } from './providers/module.js';
import type { FlowStatus, SealProvider } from './providers/provider.js';
import { FlowReconciler } from './providers/reconciler.js';
import { pluginUiRoutes } from './routes/widget.js';
import { providerAccountRoutes } from './routes/provider-accounts.js';
import { CLOSE_SERVICE_RESTART, PushHub } from './push/hub.js';
import { startRedisRelay } from './push/redis-relay.js';
import { RedisConnections } from './scale/redis.js';
import { PgAdvisoryLeadership, RECONCILER_LOCK, SEEDING_LOCK, SoleLeadership, withClusterLock } from './scale/leadership.js';
import { BuiltinAuthority } from './seals/authority.js';
import { seedDemoData } from './seals/demo.js';
import { type SealRegistrar, SealRegistry } from './seals/registry.js';
import { sealRoutes } from './routes/seals.js';
import { loadLocalSecrets } from './secrets.js';
import { signatureRoutes } from './routes/signatures.js';
import { SignatureService } from './signature/service.js';
import { EngineClient } from './stamping/engine-client.js';
import { InProcessEngine } from './stamping/in-process-engine.js';
import { RecentFilesEngine } from './stamping/recent-files.js';
import { warmStampPath } from './stamping/warm-up.js';
import { Semaphore } from './util/semaphore.js';
import { BatchRepository } from './batch/store.js';
import { BatchService } from './batch/service.js';
import { batchPushChannel, batchRoutes } from './routes/batches.js';
import { PagePreviewer } from './stamping/preview.js';
import { signingRoutes } from './routes/signing.js';
import { StampService } from './stamping/stamp-service.js';
import { openDatabase } from './store/db.js';
import { hardenDataDir } from './store/permissions.js';
import { FileUris } from './store/file-uri.js';
import { FileStore } from './store/files.js';
import { LocalBlobStore } from './store/blobs/local.js';
import { PostgresBlobStore } from './store/blobs/postgres.js';
import { NonceRepository } from './store/nonces.js';
import { ProviderAccountRepository, ProviderEventRepository, ProviderFlowRepository } from './store/provider-flows.js';
import { SealRepository } from './store/seals.js';
import { SignatureRepository } from './store/signatures.js';
import { RevokedTicketRepository } from './store/revoked-tickets.js';
import { verificationRoutes } from './routes/verification.js';
import { CertificateRevocation } from './seals/revocation.js';
import { revocationRoutes } from './routes/revocation.js';
import { SealRekeying } from './seals/rekey.js';
import { ARCHIVE_RENEWAL_LOCK, ArchiveRenewal, fetchAllowedCrls } from './stamping/archive-renewal.js';
import { rekeyRoutes } from './routes/rekey.js';
import { VerifyPool } from './verification/pool.js';
import { AuditLog } from './audit/log.js';
import { auditRoutes } from './routes/audit.js';
import { VerificationCodes } from './proof/codes.js';
import { DocumentProof } from './proof/marks.js';
import { proofRoutes } from './routes/proof.js';
import { ServiceKey } from './proof/service-key.js';
import { proofWriteHook } from './proof/write-hook.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { webhookRoutes } from './routes/webhooks.js';
import { WebhookStore } from './webhooks/store.js';

export interface RunningService {
  url: string;
  port: number;
  /** The engine keys in force (a generated dev key when ENGINE_KEYS is unset). */
  engineKeys: string[];
  devKeyGenerated: boolean;
  server: http.Server;
  signatures: SignatureService;
  registry: SealRegistry;
  authority: BuiltinAuthority;
  hub: PushHub;
  logger: Logger;
  reconciler: FlowReconciler;
  /** The B-LTA archive-renewal job (null without TSA_URL). */
  archives: ArchiveRenewal | null;
  stamps: StampService;
  /** Batch stamping (src/batch). */
  batches: BatchService;
  /** How the broker reaches the engine side: `in-process` (direct calls) or `http`. */
  engineTransport: 'in-process' | 'http';
  /** Verification worker threads. */
  verifier: VerifyPool;
  /** Audit trail, verification codes and outgoing webhooks (proof for outsiders). */
  audit: AuditLog;
  webhooks: WebhookDispatcher;
  /** Redis connections when REDIS_URL is set: `redis.shared()` is the instance's shared client. */
  redis: RedisConnections | null;
  /** The provider-account directory (identities the providers need for our accounts). */
  providerAccounts: ProviderAccountRepository;
  /** Stops accepting, finishes in-flight requests, closes sockets and the database. */
  close(): Promise<void>;
}

/**
 * Idle keep-alive sockets stay open longer than a typical reverse proxy's idle timeout (nginx 60 s,
 * AWS ALB 60 s), so the proxy, never this server, closes an idle connection and no request is sent
 * on a socket we are closing (ECONNRESET). Slow headers are cut by headersTimeout, which in Node 20
 * runs only while a request is being received.
 */
const KEEP_ALIVE_MS = 65_000;

async function loadProviderAnchors(files: Record<string, string[]>): Promise<Record<string, string[]>> {
  const entries = await Promise.all(
    Object.entries(files).map(
      async ([provider, paths]) => [provider, await Promise.all(paths.map((file) => fs.readFile(file, 'utf8')))] as const,
    ),
  );
  return Object.fromEntries(entries);
}

export async function startService(config: Config, baseLogger: Logger = createLogger(config.logLevel)): Promise<RunningService> {
  const logger = baseLogger.child({ instance: config.scale.instanceId });
  hardenDataDir(config.dataDir);
  const redis = config.scale.redisUrl
    ? new RedisConnections(config.scale.redisUrl, config.scale.redisPrefix, config.scale.instanceId, logger)
    : null;
  const db = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.scale.databaseUrl });
  const secrets = await loadLocalSecrets(config.dataDir);
  const engineKeys = config.engineKeys.length > 0 ? config.engineKeys : [secrets.devEngineKey];
  const ticketSecret = config.ticketSecret ?? secrets.ticketSecret;
  const masterKey = config.sealMasterKey ?? Buffer.from(secrets.sealMasterKey, 'base64');

  // Engine side: Signatures, files, push.
  const files = new FileStore(
    db,
    config.dataDir,
    config.scale.blobStore === 'postgres' ? new PostgresBlobStore(db) : new LocalBlobStore(config.dataDir),
  );
  await files.init();
  const uris = new FileUris();
  const signatureRepo = new SignatureRepository(db);
  const signatures = new SignatureService(signatureRepo, files, uris);
  // Proof for outsiders: every Signature write appends its audit entries and webhook outbox rows in its own transaction.
  const audit = new AuditLog(db, logger);
  const webhookStore = new WebhookStore(db, masterKey);
  const codes = new VerificationCodes(db);
  signatureRepo.onWrite(proofWriteHook(audit, webhookStore, logger));
  const webhookPolicy = { origins: config.proof.webhookOrigins, allowInternal: config.proof.webhookAllowInternal };
  const webhooks = new WebhookDispatcher({
    store: webhookStore,
    policy: webhookPolicy,
    baseDelayMs: config.proof.webhookRetryBaseMs,
    maxDelayMs: Math.max(config.proof.webhookRetryBaseMs, 3_600_000),
    maxAgeMs: config.proof.webhookRetryHours * 3_600_000,
    timeoutMs: 10_000,
    concurrency: 4,
    log: logger,
  });
  const revokedTickets = new RevokedTicketRepository(db);
  const authenticator = new OAuthAwareAuthenticator(
    { engineKeys, digest: config.digest },
    ticketSecret,
    new NonceRepository(db),
    revokedTickets,
  );

  // Signature service side: seals, providers, stamping, verification; talks to the engine over HTTP.
  const authority = new BuiltinAuthority(
    db,
    masterKey,
    { commonName: 'InfoPlus Signature Dev CA', organization: 'InfoPlus Signature Service' },
    () => uris.publicUrl,
  );
  const revocation = new CertificateRevocation(db, authority);
  const flows = new ProviderFlowRepository(db);
  const providerEvents = new ProviderEventRepository(db);
  const providerAccounts = new ProviderAccountRepository(db, masterKey);
  const providers = new Map<string, SealProvider>();
  const registrars = new Map<string, SealRegistrar>();
  const sealRepo = new SealRepository(db);
  const registry = new SealRegistry(sealRepo, files, authority, masterKey, { names: () => [...providers.keys()], registrars });
  providers.set(
    'local',
    new LocalSigner(registry, {
      tsaUrl: config.tsaUrl ?? undefined,
      defaultSealSize: config.sealSizePt,
      ltv: { validationData: (certificatePem) => revocation.validationData(certificatePem) },
      ltvByDefault: config.ltv,
    }),
  );
  // Third-party providers: one module each (src/providers/modules.ts), enabled by its variables.
  const providerContext = { accounts: providerAccounts, sealWidth: config.sealSizePt, publicUrl: () => uris.publicUrl, log: logger };
  const providerParts = new Map<string, ProviderParts>(
    config.providers.map((configured) => [configured.name, configured.create(providerContext)]),
  );
  for (const [name, parts] of providerParts) {
    providers.set(name, parts.provider);
    if (parts.registrar) registrars.set(name, parts.registrar);
  }
  let engineBase = config.signatureApiUrl;
  // The engine side of this process is called directly unless it is remote (or ENGINE_TRANSPORT=http).
  const engine = new RecentFilesEngine(
    config.stamping.engineTransport === 'in-process'
      ? new InProcessEngine(signatures, files, uris)
      : new EngineClient({
          baseUrl: () => engineBase,
          key: config.signatureApiKey ?? engineKeys[0],
          publicBaseUrls: () => (config.signatureApiUrl ? [] : [uris.publicUrl]),
        }),
  );
  const extraAnchors = await Promise.all(config.trustAnchorFiles.map((file) => fs.readFile(file, 'utf8')));
  const trustAnchors = async () => [await authority.rootCertificatePem(), ...extraAnchors];
  // PDF verification off the main thread, with a deadline and bounded memory per job.
  const verifier = new VerifyPool({
    workers: config.verifyWorkers,
    timeoutMs: config.verifyTimeoutMs,
    queueLimit: config.verifyQueueLimit,
    maxMemoryMb: config.verifyMaxMemoryMb,
    limits: {
      maxStreamBytes: config.verifyMaxInflateBytes,
      maxTotalDecodedBytes: Math.max(config.verifyMaxInflateBytes, 4 * config.verifyMaxInflateBytes),
    },
    log: logger,
  });
  const providerAnchors = await loadProviderAnchors(config.security.providerTrustAnchors);
  // A provider's signature must chain to its own CA (<PROVIDER>_TRUST_ANCHORS), else to TRUST_ANCHORS; never to our built-in CA.
  const providerTrustAnchors = async (provider: string) => (providerAnchors[provider]?.length ? providerAnchors[provider] : extraAnchors);
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
          fetchAllowedCrls(certificates, [new URL(uris.publicUrl).origin, ...config.ocspOrigins], config.revocationTimeoutMs),
      })
    : null;
  const stampLimit = new Semaphore(
    config.stamping.stampConcurrency,
    config.stamping.stampQueueLimit,
    () => new DomainError('STAMP_BUSY', 'Too many stamps are being applied; try again shortly.'),
  );
  const stamps = new StampService(engine, registry, providers, logger, {
    flows,
    trustAnchors,
    providerTrustAnchors,
    publicBaseUrl: () => uris.publicUrl,
    verifier,
    stampLimit,
    archives: archives ?? undefined,
  });
  // A provider flow is either a v1 seal slot's or a v2 signFile's; the same callbacks and reconciliation settle both.
  const settle = async (flowId: string, status: FlowStatus) =>
    (await fileSigner.owns(flowId)) ? fileSigner.settleFlow(flowId, status) : stamps.settleFlow(flowId, status);
  const inbox = new CallbackInbox({
    events: providerEvents,
    apply: async (event) => {
      const parts = providerParts.get(event.provider);
      return parts?.callbacks ? parts.callbacks.process(event, { flows, settle, provider: parts.provider }) : 'ignored: unknown provider';
    },
    acknowledge: (res, duplicate) => void res.json(success([{ received: true, duplicate }])),
    log: logger,
  });
  const reconciler = new FlowReconciler({
    flows,
    providers,
    settle,
    inbox,
    intervalMs: config.reconcileIntervalMs,
    staleAfterMs: config.reconcileAfterMs,
    log: logger,
    leadership: config.scale.databaseUrl
      ? new PgAdvisoryLeadership(config.scale.databaseUrl, RECONCILER_LOCK, logger)
      : new SoleLeadership(),
  });

  // Word templates → PDF on the LibreOffice pool.
  // With Redis, conversions are durable jobs for converter processes (`npm run worker`); else the in-process pool.
  const converter = redis
    ? new QueuedConverter({
        redisUrl: config.scale.redisUrl!,
        prefix: redis.prefix,
        redis: redis.shared(),
        queueLimit: config.convertQueueLimit,
        conversionTimeoutMs: config.convertTimeoutMs,
        attempts: config.scale.convertAttempts,
        log: logger,
      })
    : new ServiceConverter({
        workers: config.officeWorkers,
        queueLimit: config.convertQueueLimit,
        conversionTimeoutMs: config.convertTimeoutMs,
        start: config.officeStart,
        dataDir: config.dataDir,
        logger,
      });
  // With PostgreSQL, uploaded templates are shared by every instance; the embedded default keeps TEMPLATES_DIR.
  const catalogue = config.scale.databaseUrl
    ? new StoredTemplates(db, files.blobs, config.templatesDir)
    : new DirectoryTemplates(config.templatesDir);
  const templates = new TemplateSource({
    catalogue,
    files,
    uris,
    allowedOrigins: config.templateOrigins,
    maxTemplateBytes: config.uploadLimitBytes,
    fetchTimeoutMs: 15_000,
  });
  const pipeline = new ExportPipeline({
    templates,
    converter,
    files,
    uris,
    production: config.production,
    log: logger,
    maxUnzippedBytes: config.docxMaxUnzippedBytes,
  });
  const hub = new PushHub(
    authenticator,
    (id) => signatures.get(id).catch(() => undefined),
    logger,
    config.wsHeartbeatMs,
    config.corsOrigins,
    {
      perTicket: config.security.wsPerTicket,
      total: config.security.wsTotal,
    },
  );
  const documentProof = new DocumentProof(codes, files, uris, audit);
  const documents = new DocumentService(pipeline, signatures, files, hub, documentProof);

  // SignatureAPI v2 (GraphQL): a second front door onto the same registry, broker rules and providers.
  const oauth = new OAuthServer(() => config.oauth.clients, ticketSecret, config.oauth.tokenTtlSeconds);
  const mfa = new MfaGuard(new SealMfaPolicy(db), new TotpService(db, masterKey, config.mfa));
  const batches = new BatchService(
    new BatchRepository(db),
    engine,
    stamps,
    registry,
    providers,
    (key, message) => hub.publish(key, message),
    logger,
    {
      maxItems: config.stamping.batchMaxItems,
      concurrency: config.stamping.batchConcurrency,
      leaseMs: config.stamping.batchLeaseMs,
      instanceId: config.scale.instanceId,
    },
    mfa,
  );
  const engineOrigins = () => [new URL(engineBase).origin, ...(config.signatureApiUrl ? [] : [new URL(uris.publicUrl).origin])];
  const fileSigner = new FileSigner(registry, providers, engine, mfa, new SignRequestRepository(db), logger, {
    allowedOrigins: () => [...engineOrigins(), ...config.graphql.fileOrigins],
    fetch: {
      maxBytes: config.uploadLimitBytes,
      authorizationFor: (origin) => (engineOrigins().includes(origin) ? `Bearer ${config.signatureApiKey ?? engineKeys[0]}` : undefined),
      // On the engine's origin only its FileAPI's files: the engine key opens nothing else there.
      allowedPath: (url) => !engineOrigins().includes(url.origin) || /\/file\/[0-9a-f-]{36}$/.test(url.pathname),
    },
    flows,
    trustAnchors,
    verifier,
    publicBaseUrl: () => uris.publicUrl,
  });
  const packageJson = JSON.parse(await fs.readFile(`${projectRoot()}/package.json`, 'utf8')) as { name: string; version: string };
  const graphql = graphqlRoutes({
    config: config.graphql,
    oauth,
    registry,
    providers,
    fileSigner,
    mfa,
    uris,
    nameOf: async (account) =>
      (await db.selectFrom('directory_users').select('name').where('account', '=', account).executeTakeFirst())?.name ?? account,
    service: { name: packageJson.name, version: packageJson.version },
    maxFileSize: config.uploadLimitBytes,
    algorithms: () => ['SHA256withECDSA', 'SHA256withRSA'].map((algorithm) => `${algorithm}; ${config.tsaUrl ? 'PAdES-B-T' : 'PAdES-B-B'}`),
    issuePickerTicket: (account, name) => {
      const exp = Math.floor(Date.now() / 1000) + config.ticketTtlSeconds;
      return {
        ticket: issueTicket(ticketSecret, { sid: PICKER_SCOPE, account, name, scopes: ['read'], exp }),
        expiresAt: new Date(exp * 1000),
      };
    },
  });

  const previews = new PagePreviewer(config.security.previewConcurrency);
  const batchOptions = {
    batches,
    engine,
    authenticator,
    registry,
    previews,
    mfa,
    tickets: { secret: ticketSecret, ttlSeconds: config.ticketTtlSeconds },
    publicUrl: () => uris.publicUrl,
    frameOrigins: config.security.frameOrigins,
    secureCookies: () => uris.publicUrl.startsWith('https:'),
  };
  hub.addChannel(batchPushChannel(batchOptions));
  const limits = new RateLimits(
    config.security.rateLimits,
    config.security.rateLimitStore === 'redis' && redis ? redisLimiters(redis.shared(), redis.prefix) : memoryLimiters,
  );
  if (config.security.demo) {
    logger.warn('DEMO=true: /demo/session and /demo/create hand out tickets for demo users; never expose this instance');
  }
  let draining = false;
  const app = createApp(
    config,
    logger,
    authenticator,
    [
      healthRoutes(db, config.dataDir),
      openApiRoutes(packageJson.version),
      readinessRoutes({
        db,
        instanceId: config.scale.instanceId,
        draining: () => draining,
        redis,
        queue: converter instanceof QueuedConverter ? converter : null,
        connections: () => hub.connectionCount(),
      }),
      fileRoutes(files, uris, config.uploadLimitBytes, (fileId, signatureId) => signatureRepo.references(signatureId, fileId)),
      signatureRoutes(
        signatures,
        { secret: ticketSecret, ttlSeconds: config.ticketTtlSeconds, revoked: revokedTickets, onRevoke: (jti) => hub.closeTicket(jti) },
        documents,
        documentProof,
      ),
      exportRoutes({
        pipeline,
        documents,
        files,
        uris,
        templates: catalogue,
        uploadLimit: config.uploadLimitBytes,
        conversionsPerTicket: config.security.conversionsPerTicket,
      }),
      sealRoutes(registry, authority, uris),
      revocationRoutes(revocation, registry, uris),
      rekeyRoutes(new SealRekeying(db, sealRepo, authority, revocation, masterKey), uris),
      signingRoutes({
        stamps,
        engine,
        authenticator,
        previews,
        registry,
        returnOrigins: () => [new URL(uris.publicUrl).origin, ...config.corsOrigins],
        secureCookies: () => uris.publicUrl.startsWith('https:'),
        frameOrigins: config.security.frameOrigins,
        mfa,
        onPageOpened: (id, visit) => void audit.record(id, { type: 'signing_page.opened', actor: visit.account, data: visit }),
      }),
      batchRoutes(batchOptions),
      proofRoutes({
        codes,
        signatures,
        files,
        verifier,
        trustAnchors,
        audit,
        publicUrl: () => uris.publicUrl,
        codeRateLimit: config.proof.codeRateLimit,
        maxPdfBytes: config.uploadLimitBytes,
      }),
      auditRoutes({ audit, signatures, files, verifier, trustAnchors, serviceKey: new ServiceKey(db, authority, masterKey) }),
      webhookRoutes({ store: webhookStore, policy: webhookPolicy, kick: () => webhooks.kick() }),
      verificationRoutes({
        engine,
        verifier,
        // Our own CA's responder is always allowed; other OCSP/CRL origins only by configuration.
        revocation: () => ({
          mode: config.revocationCheck,
          allowedOrigins: [new URL(uris.publicUrl).origin, ...config.ocspOrigins],
          timeoutMs: config.revocationTimeoutMs,
        }),
        trustAnchors,
        uploadLimit: config.uploadLimitBytes,
        tempDir: files.tempDir,
      }),
      providerAccountRoutes(providerAccounts, () => [...providers.keys()]),
      pluginUiRoutes({
        demo: config.security.demo,
        limitCreate: (ip) => limits.consume('demoCreate', ip),
        signatures,
        documents,
        tickets: { secret: ticketSecret, ttlSeconds: config.ticketTtlSeconds },
        log: logger,
      }),
      ...[...providerParts].flatMap(([name, parts]) => (parts.callbacks ? [parts.callbacks.routes(inbox.receiverFor(name))] : [])),
      oauthRoutes(oauth),
      graphql.router,
      pickerRoutes({ registry, mfa: mfa.policy, allowedOrigins: () => [new URL(uris.publicUrl).origin, ...config.corsOrigins] }),
    ],
    [graphql.errorHandler],
    limits,
  );
  const server = http.createServer({ requestTimeout: 120_000, headersTimeout: 30_000, keepAliveTimeout: KEEP_ALIVE_MS }, app);
  server.maxConnections = config.security.maxConnections;
  hub.attach(server);
  if (redis) {
    await startRedisRelay(hub, {
      publisher: redis.shared(),
      subscriber: redis.open('push-subscriber'),
      channel: `${redis.prefix}push`,
      instanceId: config.scale.instanceId,
      log: logger,
    });
  }
  signatures.on('change', ({ signature }) => hub.publish(signature.id, { type: 'signature', signature }));
  signatures.on('change', () => webhooks.kick());

  await authority.get();
  const rebound = await registry.migrateKeyBinding();
  if (rebound > 0) logger.info({ keys: rebound }, 'seal keys re-encrypted with their seal id as additional data');
  const sealedIdentities = await providerAccounts.encryptPlainIdentities();
  if (sealedIdentities > 0)
    logger.info({ accounts: sealedIdentities }, 'identity numbers in the provider-account directory encrypted at rest');
  await converter
    .start()
    .catch((error) => logger.error({ err: error }, 'the LibreOffice pool could not start; exports will fail until it can'));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost =
    config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${shownHost}:${port}`;
  uris.setBase(config.publicUrl || url);
  engineBase ||= `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '[::1]' : shownHost}:${port}`;
  // Seeded once the public URL is known (seal certificates name this service's CRL and OCSP URLs);
  // instances starting together on one database seed one after another (the first one seeds).
  await withClusterLock(db, SEEDING_LOCK, async () => {
    if (config.demoData) await seedDemoData(db, registry, logger);
  });
  if (config.stamping.warmUp)
    await warmStampPath(registry, logger).catch((error) => logger.warn({ err: error }, 'warming the stamp path failed'));
  reconciler.start();
  batches.startSweeper();
  webhooks.start();
  archives?.start();

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      // Drain: /readyz says so, no new connections, in-flight requests (stamps) finish, and live-push
      // sockets close with 1012 (service restart) so controls reconnect — to another instance.
      draining = true;
      await webhooks.stop();
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      hub.close(CLOSE_SERVICE_RESTART, 'instance draining; reconnect');
      await reconciler.stop();
      await batches.stop();
      await archives?.stop();
      // Keep-alive connections become idle as their last request finishes; close them as they do.
      const reaper = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), config.scale.drainTimeoutMs);
      await drained;
      clearInterval(reaper);
      clearTimeout(timer);
      await converter.close();
      await verifier.close();
      await redis?.close();
      await db.destroy();
    })());

  return {
    url,
    port,
    engineKeys,
    devKeyGenerated: config.engineKeys.length === 0,
    server,
    signatures,
    registry,
    authority,
    hub,
    logger,
    reconciler,
    archives,
    stamps,
    batches,
    engineTransport: config.stamping.engineTransport,
    redis,
    providerAccounts,
    verifier,
    audit,
    webhooks,
    close,
  };
}
