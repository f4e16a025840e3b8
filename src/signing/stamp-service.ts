import type { Logger } from 'pino';
import { KeyedQueue } from '../util/keyed-queue.js';
import { ApiError, conflict, forbidden } from '../http/errors.js';
import type { SealProvider } from '../providers/provider.js';
import { allowedSeals, checkPermission, checkSigner } from '../seals/permission.js';
import type { SealRegistry } from '../seals/registry.js';
import type { Seal, Signature } from '../signature/schema.js';
import type { SealRecord } from '../store/seals.js';
import { type EngineApi, EngineApiError } from './engine-client.js';

export interface StampUser {
  account: string;
  name: string;
}

/** Fields a stamp writes into a seal slot, cleared again when the seal is removed. */
const RESULT_FIELDS = [
  'signature', 'algorithm', 'privateKey', 'image', 'description', 'sealId', 'sealName', 'sealType', 'signedAt',
  'provider', 'comment', 'state', 'stateReason', 'fieldName', 'revision', 'signedBy',
] as const;

const MAX_ATTEMPTS = 3;

function formatTime(date: Date): string {
  return new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false })
    .format(date)
    .replace(/\//g, '-');
}

/**
 * The signature service's stamping flow (the spec's Signature Logic): read the Signature through S1,
 * check every permission rule again, have the seal's provider apply it, store the new PDF revision
 * through FileAPI and report it through S2. The engine pushes the change to the controls.
 */
export class StampService {
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly engine: EngineApi,
    private readonly registry: SealRegistry,
    private readonly providers: Map<string, SealProvider>,
    private readonly log: Logger,
  ) {}

  async slotOf(signatureId: string, sealIndex: number): Promise<{ signature: Signature; slot: Seal }> {
    const signature = await this.engine.getSignature(signatureId);
    const slot = signature.seals[sealIndex];
    if (!slot) throw new ApiError(404, 'SEAL_NOT_FOUND', `The Signature has no seal ${sealIndex} (it has ${signature.seals.length}).`);
    return { signature, slot };
  }

  /** What the picker may offer this user for this slot, or why nothing. */
  async options(signatureId: string, sealIndex: number, user: StampUser): Promise<{ signature: Signature; slot: Seal; seals: SealRecord[]; denial?: string }> {
    const { signature, slot } = await this.slotOf(signatureId, sealIndex);
    const signer = checkSigner(user.account, slot);
    if (!signer.ok) return { signature, slot, seals: [], denial: signer.message };
    return { signature, slot, seals: allowedSeals(user.account, slot, await this.registry.list()) };
  }

  async stamp(signatureId: string, sealIndex: number, user: StampUser, sealId: string, comment?: string): Promise<Signature> {
    return this.queue.run(signatureId, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.stampOnce(signatureId, sealIndex, user, sealId, comment);
        } catch (error) {
          // Another seal landed between our S1 and S2: stamp again on the newer revision.
          if (error instanceof EngineApiError && error.ecode === 'VERSION_CONFLICT' && attempt < MAX_ATTEMPTS) continue;
          throw error;
        }
      }
    });
  }

  private async stampOnce(signatureId: string, sealIndex: number, user: StampUser, sealId: string, comment?: string): Promise<Signature> {
    const { signature, slot } = await this.slotOf(signatureId, sealIndex);
    const seal = await this.registry.get(sealId);
    const verdict = checkPermission(user.account, slot, seal);
    if (!verdict.ok) throw verdict.rule === 'SEAL_ALREADY_SIGNED' ? conflict(verdict.rule, verdict.message) : forbidden(verdict.rule, verdict.message);
    if (!signature.uri) throw conflict('DOCUMENT_NOT_READY', 'The document to stamp has not been generated yet.');

    const provider = this.providers.get(seal.provider);
    if (!provider) throw new ApiError(503, 'PROVIDER_UNAVAILABLE', `The provider ${seal.provider} of seal ${seal.name} is not configured.`);
    const pdf = await this.engine.downloadFile(signature.uri);
    const outcome = await provider.start({ signature, sealIndex, slot, seal, user, comment, pdf });
    if (outcome.kind !== 'signed') throw new ApiError(501, 'REDIRECT_NOT_HANDLED', 'This provider signs by redirect; use the provider flow.');

    const revision = await this.engine.uploadFile(outcome.pdf, signature.name || 'document.pdf');
    const image = await this.registry.imagePng(seal);
    const imageFile = await this.engine.uploadFile(image.bytes, `${seal.name}.png`);
    const signedAt = outcome.signedAt.toISOString();
    const updated = await this.engine.putSignature(signatureId, {
      version: signature.version,
      uri: revision.uri,
      seals: [
        {
          index: sealIndex,
          signature: Buffer.from(outcome.cms).toString('base64'),
          algorithm: outcome.algorithm,
          privateKey: outcome.certificatePem,
          image: imageFile.uri,
          description: `${seal.name}（${seal.type}），${user.name || user.account}，${formatTime(outcome.signedAt)}${comment ? `，${comment}` : ''}`,
          sealId: seal.id,
          sealName: seal.name,
          sealType: seal.type,
          signedAt,
          provider: provider.name,
          ...(comment ? { comment } : {}),
          state: 'signed',
          fieldName: outcome.fieldName,
          revision: revision.id,
          signedBy: { account: user.account, name: user.name },
        },
      ],
    });
    this.log.info({ signatureId, sealIndex, sealId: seal.id, account: user.account, provider: provider.name }, 'seal applied');
    return updated;
  }

  /**
   * Removes a seal. Allowed to the user who applied it, and only for the most recently applied seal
   * (the last revision of the PDF); the PDF reverts to the revision before it, so every other
   * signature stays exactly as it was.
   */
  async remove(signatureId: string, sealIndex: number, user: StampUser): Promise<Signature> {
    return this.queue.run(signatureId, async () => {
      const { signature, slot } = await this.slotOf(signatureId, sealIndex);
      if (!slot.signature) throw conflict('SEAL_NOT_SIGNED', 'This seal has not been applied.');
      if (slot.signedBy?.account !== user.account) throw forbidden('NOT_SEAL_APPLIER', 'Only the person who applied a seal may remove it.');
      const chain = signature.revisions ?? [];
      const last = chain[chain.length - 1];
      if (!last || last.sealIndex !== sealIndex || chain.length < 2) {
        throw conflict('NOT_MOST_RECENT_SEAL', 'Only the most recently applied seal can be removed; remove the later seals first.');
      }
      const previous = chain[chain.length - 2];
      const seals = signature.seals.map((seal, i) => (i === sealIndex ? clearResult(seal) : seal));
      const updated = await this.engine.putSignature(signatureId, { version: signature.version, uri: previous.uri, seals });
      this.log.info({ signatureId, sealIndex, account: user.account }, 'seal removed');
      return updated;
    });
  }
}

function clearResult(seal: Seal): Seal {
  const copy: Record<string, unknown> = { ...seal };
  for (const field of RESULT_FIELDS) delete copy[field];
  return copy as unknown as Seal;
}
