import fs from 'node:fs/promises';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { createApp } from '../app.js';
import type { Config } from '../config/index.js';
import { QueuedConverter } from '../export/queue/queued-converter.js';
import { PICKER_SCOPE, pickerRoutes } from '../graphql/picker.js';
import { graphqlRoutes } from '../graphql/routes.js';
import { OAuthServer, oauthRoutes } from '../http/auth/oauth.js';
import { issueTicket } from '../http/auth/tickets.js';
import { healthRoutes } from '../http/health.js';
import { memoryLimiters, RateLimits, redisLimiters } from '../http/rate-limit.js';
import { readinessRoutes } from '../http/readiness.js';
import { openApiRoutes } from '../openapi/routes.js';
import { auditRoutes } from '../routes/audit.js';
import { batchPushChannel, batchRoutes } from '../routes/batches.js';
import { exportRoutes } from '../routes/export.js';
import { fileRoutes } from '../routes/files.js';
import { proofRoutes } from '../routes/proof.js';
import { providerAccountRoutes } from '../routes/provider-accounts.js';
import { rekeyRoutes } from '../routes/rekey.js';
import { revocationRoutes } from '../routes/revocation.js';
import { sealRoutes } from '../routes/seals.js';
import { signatureRoutes } from '../routes/signatures.js';
import { signingRoutes } from '../routes/signing.js';
import { verificationRoutes } from '../routes/verification.js';
import { pluginUiRoutes } from '../routes/widget.js';
import { webhookRoutes } from '../routes/webhooks.js';
import { projectRoot } from '../util/project-root.js';
import type { Export } from './export.js';
import type { ProviderFlows } from './flows.js';
import type { Lifecycle } from './lifecycle.js';
import type { Seals } from './seals.js';
import type { BoundServer } from './server.js';
import type { EngineSide } from './signatures.js';
import type { Stamping } from './stamping.js';
import type { Storage } from './storage.js';
import type { Verification } from './verification.js';

/**
 * Every front door onto the same services in one express app: the REST resources, SignatureAPI v2
 * (GraphQL, OAuth2, the seal picker), the signing and batch pages, the widget, provider callbacks,
 * health and readiness; also the batch progress channel of the push hub.
 */
export async function composeHttp(
  config: Config,
  logger: Logger,
  parts: {
    bound: BoundServer;
    storage: Storage;
    engineSide: EngineSide;
    seals: Seals;
    verification: Verification;
    stamping: Stamping;
    flows: ProviderFlows;
    exports: Export;
    lifecycle: Lifecycle;
  },
): Promise<Express> {
  const { publicUrl } = parts.bound;
  const { db, files, uris, redis, signatureRepo, revokedTickets, providerAccounts } = parts.storage;
  const { ticketSecret } = parts.storage.keys;
  const { signatures, audit, codes, documentProof, webhookStore, webhookPolicy, webhooks, authenticator, hub } = parts.engineSide;
  const { authority, revocation, registry, providers, mfa, rekeying, serviceKey } = parts.seals;
  const { verifier, trustAnchors } = parts.verification;
  const { engine, stamps, fileSigner, batches, previews } = parts.stamping;
  const { converter, catalogue, pipeline, documents } = parts.exports;
  const ownOrigins = [new URL(publicUrl).origin, ...config.corsOrigins];
  const secureCookies = publicUrl.startsWith('https:');
  const tickets = { secret: ticketSecret, ttlSeconds: config.ticketTtlSeconds };

  // SignatureAPI v2 (GraphQL): a second front door onto the same registry, broker rules and providers.
  const oauth = new OAuthServer(() => config.oauth.clients, ticketSecret, config.oauth.tokenTtlSeconds);
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

  const batchOptions = {
    batches,
    engine,
    authenticator,
    registry,
    previews,
    mfa,
    tickets,
    publicUrl,
    frameOrigins: config.security.frameOrigins,
    secureCookies,
  };
  hub.addChannel(batchPushChannel(batchOptions));
  const limits = new RateLimits(
    config.security.rateLimits,
    config.security.rateLimitStore === 'redis' && redis ? redisLimiters(redis.shared(), redis.prefix) : memoryLimiters,
  );
  if (config.security.demo) {
    logger.warn('DEMO=true: /demo/session and /demo/create hand out tickets for demo users; never expose this instance');
  }
  return createApp(
    config,
    logger,
    authenticator,
    [
      healthRoutes(db, config.dataDir),
      openApiRoutes(packageJson.version),
      readinessRoutes({
        db,
        instanceId: config.scale.instanceId,
        draining: parts.lifecycle.draining,
        redis,
        queue: converter instanceof QueuedConverter ? converter : null,
        connections: () => hub.connectionCount(),
      }),
      fileRoutes(files, uris, config.uploadLimitBytes, (fileId, signatureId) => signatureRepo.references(signatureId, fileId)),
      signatureRoutes(
        signatures,
        { ...tickets, revoked: revokedTickets, onRevoke: (jti) => hub.closeTicket(jti) },
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
      rekeyRoutes(rekeying, uris),
      signingRoutes({
        stamps,
        engine,
        authenticator,
        previews,
        registry,
        returnOrigins: ownOrigins,
        secureCookies,
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
        publicUrl,
        codeRateLimit: config.proof.codeRateLimit,
        maxPdfBytes: config.uploadLimitBytes,
      }),
      auditRoutes({ audit, signatures, files, verifier, trustAnchors, serviceKey }),
      webhookRoutes({ store: webhookStore, policy: webhookPolicy, kick: () => webhooks.kick() }),
      verificationRoutes({
        engine,
        verifier,
        revocation: parts.verification.revocation,
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
        tickets,
        log: logger,
      }),
      ...parts.flows.callbackRoutes,
      oauthRoutes(oauth),
      graphql.router,
      pickerRoutes({ registry, mfa: mfa.policy, allowedOrigins: ownOrigins }),
    ],
    [graphql.errorHandler],
    limits,
  );
}
