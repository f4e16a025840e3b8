import type { Logger } from 'pino';
import { AuditLog } from '../audit/log.js';
import type { Config } from '../config/index.js';
import { OAuthAwareAuthenticator } from '../http/auth/oauth.js';
import { VerificationCodes } from '../proof/codes.js';
import { DocumentProof } from '../proof/marks.js';
import { proofWriteHook } from '../proof/write-hook.js';
import { PushHub } from '../push/hub.js';
import { startRedisRelay } from '../push/redis-relay.js';
import { SignatureService } from '../signature/service.js';
import { WebhookDispatcher } from '../webhooks/dispatcher.js';
import { WebhookStore } from '../webhooks/store.js';
import type { Storage } from './storage.js';

export type EngineSide = Awaited<ReturnType<typeof composeSignatures>>;

/**
 * The engine side: Signatures, their proof for outsiders (audit trail, verification codes, webhooks),
 * who may call (engine keys, Digest, tickets, OAuth2) and live push to every open control.
 */
export async function composeSignatures(config: Config, logger: Logger, storage: Storage) {
  const { db, files, uris, redis, signatureRepo } = storage;
  const { engineKeys, ticketSecret, masterKey } = storage.keys;
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
  const authenticator = new OAuthAwareAuthenticator(
    { engineKeys, digest: config.digest },
    ticketSecret,
    storage.nonces,
    storage.revokedTickets,
  );
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
  return {
    signatures,
    audit,
    codes,
    documentProof: new DocumentProof(codes, files, uris, audit),
    webhookStore,
    webhookPolicy,
    webhooks,
    authenticator,
    hub,
  };
}
