import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { AuditLog } from '../audit/log.js';
import { proofWriteHook } from '../proof/write-hook.js';
import { LocalSigner } from '../providers/local.js';
import type { SealRegistry } from '../seals/registry.js';
import { SignatureService } from '../signature/service.js';
import { EXPORTED_FORM, EXPORTED_FORM_KEYWORD } from '../stamping/warm-up.js';
import { InProcessEngine } from '../stamping/in-process-engine.js';
import { StampService } from '../stamping/stamp-service.js';
import { openSqlite } from '../store/db.js';
import { FileUris } from '../store/file-uri.js';
import { FileStore } from '../store/files.js';
import { ProviderFlowRepository } from '../store/provider-flows.js';
import { SignatureRepository } from '../store/signatures.js';
import { WebhookStore } from '../webhooks/store.js';

const REHEARSALS = 2;

/**
 * A dress rehearsal of the stamp path before the service takes traffic: the real stamp service, signer,
 * Signature service (schema checks, merge, audit trail and webhook outbox in one commit) and file store,
 * on a throw-away database and directory under DATA_DIR/tmp, stamp an exported form twice — by
 * coordinates, then by keyword with a comment. The code a user's first stamp runs is compiled and
 * optimised here; nothing reaches the service's own store, webhooks, audit trail or log, and no TSA is
 * asked (the signer here has none).
 */
export async function rehearseStamping(parts: {
  registry: SealRegistry;
  tempDir: string;
  masterKey: Buffer;
  sealSizePt: number;
  logger: Logger;
}): Promise<number> {
  const started = performance.now();
  const seal = (await parts.registry.list()).find(
    (candidate) => candidate.provider === 'local' && !candidate.disabled && candidate.ltv !== true && candidate.holders.length > 0,
  );
  if (!seal) return 0;
  const quiet = parts.logger.child({}, { level: 'silent' });
  await fs.mkdir(parts.tempDir, { recursive: true });
  const dir = await fs.mkdtemp(path.join(parts.tempDir, 'rehearsal-'));
  const db = await openSqlite(dir);
  try {
    const files = new FileStore(db, dir);
    await files.init();
    const uris = new FileUris('http://rehearsal.invalid');
    const repository = new SignatureRepository(db);
    const signatures = new SignatureService(repository, files, uris);
    repository.onWrite(proofWriteHook(new AuditLog(db, quiet), new WebhookStore(db, parts.masterKey), quiet));
    const signer = new LocalSigner(parts.registry, { defaultSealSize: parts.sealSizePt, ltvByDefault: false });
    const stamps = new StampService(new InProcessEngine(signatures, files, uris), parts.registry, new Map([['local', signer]]), quiet, {
      flows: new ProviderFlowRepository(db),
      trustAnchors: async () => [],
      publicBaseUrl: () => 'http://rehearsal.invalid',
    });
    const form = await files.putBytes(new Uint8Array(await fs.readFile(EXPORTED_FORM)), { name: 'rehearsal.pdf', mime: 'application/pdf' });
    const user = { account: seal.holders[0], name: '预演' };
    for (let round = 0; round < REHEARSALS; round++) {
      const created = await signatures.create({ fileId: form.id, seals: [{ x: 420, y: 700 }, { placeHolder: EXPORTED_FORM_KEYWORD }] });
      const first = await stamps.stamp(created.id, 0, user, seal.id, { version: created.version });
      await stamps.stamp(created.id, 1, user, seal.id, { version: first.signature.version }, '同意');
    }
  } finally {
    await db.destroy();
    await fs.rm(dir, { recursive: true, force: true });
  }
  const ms = performance.now() - started;
  parts.logger.info({ ms: Math.round(ms), seal: seal.id }, 'stamp path rehearsed');
  return ms;
}
