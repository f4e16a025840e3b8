import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { KeyedQueue } from '../util/keyed-queue.js';
import type { Semaphore } from '../util/semaphore.js';
import { DomainError } from '../errors.js';
import { verifyPdf } from '@infoplus/pdf-verify';
import type { PdfVerifier } from '../verification/pool.js';
import { checkProviderCanHonour, type FlowStatus, type SealProvider } from '../providers/provider.js';
import { FlowAlreadyOpenError, type ProviderFlow, type ProviderFlowRepository } from '../store/provider-flows.js';
import { allowedSeals, checkPermission, checkSigner } from '../seals/permission.js';
import type { SealRegistry } from '../seals/registry.js';
import type { Seal, Signature } from '../signature/schema.js';
import type { SealRecord } from '../store/seals.js';
import { commitRevision, type EngineApi, EngineApiError } from './engine-client.js';

export interface StampUser {
  account: string;
  name: string;
}

/** Fields a stamp writes into a seal slot, cleared again when the seal is removed. */
const RESULT_FIELDS = [
  'signature',
  'algorithm',
  'privateKey',
  'image',
  'description',
  'sealId',
  'sealName',
  'sealType',
  'signedAt',
  'provider',
  'comment',
  'state',
  'stateReason',
  'fieldName',
  'revision',
  'signedBy',
  'evidence',
] as const;

/** Stamps racing on one Signature from several instances lose the S2 version check and start again. */
const MAX_ATTEMPTS = 12;
/** A short random wait before retrying, so racing instances stop colliding in lock-step. */
const retryPause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 40 * Math.min(attempt, 5)));

/**
 * The document the signer was shown (what-you-see-is-what-you-sign): the Signature's `version` when
 * the page was rendered, and/or the sha256 of the PDF revision it previewed. At least one is given.
 */
export interface SeenDocument {
  version?: number;
  sha256?: string;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const documentChanged = () =>
  new DomainError('DOCUMENT_CHANGED', 'The document changed after it was shown to you; reload the signing page and check it again.');

export interface StampResult {
  signature: Signature;
  /** For redirect providers: where the signer completes the seal. */
  signUrl?: string;
}

export interface StampServiceOptions {
  flows: ProviderFlowRepository;
  /** Trust anchors for checking a provider's signed PDF. */
  trustAnchors: () => Promise<string[]>;
  /** Per provider: the anchors a signature it adds must chain to (else `trustAnchors`). */
  providerTrustAnchors?: (provider: string) => Promise<string[]>;
  /** Our public base URL, for the provider's redirect back. */
  publicBaseUrl: () => string;
  /** Verifies provider PDFs off the main thread with the service's limits (the worker pool); verifyPdf in-thread when absent. */
  verifier?: PdfVerifier;
  /** Bounds the stamps applied at once (STAMP_CONCURRENCY); unbounded when absent. */
  stampLimit?: Semaphore;
  /** B-LTA documents are handed to the archive-renewal job, which keeps their timestamps renewed. */
  archives?: { track(signatureId: string): Promise<void> };
}

const shanghaiMinute = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

function formatTime(date: Date): string {
  return shanghaiMinute.format(date).replace(/\//g, '-');
}

/**
 * The signature service's stamping flow (the spec's Signature Logic): read the Signature through S1,
 * check every permission rule again, have the seal's provider apply it, store the new PDF revision
 * through FileAPI and report it through S2. The engine pushes the change to the controls.
 */
export class StampService {
  private readonly queue = new KeyedQueue();
  /** The seal image file each seal's stamps name, uploaded once per process instead of once per stamp. */
  private readonly sealImages = new Map<string, Promise<{ id: string; uri: string }>>();

  constructor(
    private readonly engine: EngineApi,
    private readonly registry: SealRegistry,
    private readonly providers: Map<string, SealProvider>,
    private readonly log: Logger,
    private readonly settings: StampServiceOptions,
  ) {}

  async slotOf(signatureId: string, sealIndex: number): Promise<{ signature: Signature; slot: Seal }> {
    const signature = await this.engine.getSignature(signatureId);
    const slot = signature.seals[sealIndex];
    if (!slot) throw new DomainError('SEAL_NOT_FOUND', `The Signature has no seal ${sealIndex} (it has ${signature.seals.length}).`);
    return { signature, slot };
  }

  /** What the picker may offer this user for this slot, or why nothing. */
  async options(
    signatureId: string,
    sealIndex: number,
    user: StampUser,
  ): Promise<{ signature: Signature; slot: Seal; seals: SealRecord[]; denial?: string }> {
    const { signature, slot } = await this.slotOf(signatureId, sealIndex);
    const signer = checkSigner(user.account, slot);
    if (!signer.ok) return { signature, slot, seals: [], denial: signer.message };
    return { signature, slot, seals: allowedSeals(user.account, slot, await this.registry.list()) };
  }

  async stamp(
    signatureId: string,
    sealIndex: number,
    user: StampUser,
    sealId: string,
    seen: SeenDocument,
    comment?: string,
  ): Promise<StampResult> {
    const limited = <T>(work: () => Promise<T>) => (this.settings.stampLimit ? this.settings.stampLimit.run(work) : work());
    return this.queue.run(signatureId, () =>
      limited(async () => {
        // The uri the first attempt stamped: a retry may only stamp that same document again.
        const bound: { uri?: string } = {};
        for (let attempt = 1; ; attempt++) {
          try {
            return await this.stampOnce(signatureId, sealIndex, user, sealId, seen, bound, comment);
          } catch (error) {
            // Something else changed the Signature between our S1 and S2 (a pending mark, a name):
            // stamp again, but only while it is still the document the signer saw.
            if (error instanceof EngineApiError && error.code === 'VERSION_CONFLICT' && attempt < MAX_ATTEMPTS) {
              await retryPause(attempt);
              continue;
            }
            throw error;
          }
        }
      }),
    );
  }

  private async stampOnce(
    signatureId: string,
    sealIndex: number,
    user: StampUser,
    sealId: string,
    seen: SeenDocument,
    bound: { uri?: string },
    comment?: string,
  ): Promise<StampResult> {
    const { signature, slot } = await this.slotOf(signatureId, sealIndex);
    const seal = await this.registry.get(sealId);
    const verdict = checkPermission(user.account, slot, seal);
    if (!verdict.ok) throw new DomainError(verdict.rule, verdict.message);
    if (bound.uri === undefined) {
      if (seen.version !== undefined && seen.version !== signature.version) throw documentChanged();
      bound.uri = signature.uri;
    } else if (signature.uri !== bound.uri) {
      throw documentChanged();
    }
    if (!signature.uri) throw new DomainError('DOCUMENT_NOT_READY', 'The document to stamp has not been generated yet.');

    const provider = this.providers.get(seal.provider);
    if (!provider) throw new DomainError('PROVIDER_UNAVAILABLE', `The provider ${seal.provider} of seal ${seal.name} is not configured.`);
    checkProviderCanHonour(provider, slot, seal, comment);
    const pdf = await this.engine.downloadFile(signature.uri);
    if (seen.sha256 !== undefined && sha256Hex(pdf) !== seen.sha256.toLowerCase()) throw documentChanged();
    if (provider.capabilities.mode === 'redirect') return this.startFlow(provider, signature, sealIndex, slot, seal, user, pdf, comment);
    const outcome = await provider.start({ signature, sealIndex, slot, seal, user, comment, pdf, flowId: '', returnUrl: '' });
    if (outcome.kind !== 'signed')
      throw new DomainError('PROVIDER_MODE_MISMATCH', `The provider ${provider.name} did not sign synchronously.`);

    const imageFile = await this.sealImageFile(seal);
    const signedAt = outcome.signedAt.toISOString();
    // The new revision and the S2 naming it: one commit when the engine is this process.
    const { signature: updated } = await commitRevision(
      this.engine,
      signatureId,
      outcome.pdf,
      signature.name || 'document.pdf',
      (revision) => ({
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
      }),
    );
    this.log.info({ signatureId, sealIndex, sealId: seal.id, account: user.account, provider: provider.name }, 'seal applied');
    if (outcome.algorithm.includes('PAdES-B-LTA')) {
      await this.settings.archives
        ?.track(signatureId)
        .catch((error) => this.log.error({ err: error, signatureId }, 'could not track the B-LTA document for archive renewal'));
    }
    return { signature: updated };
  }

  private sealImageFile(seal: SealRecord): Promise<{ id: string; uri: string }> {
    const key = `${seal.id}:${seal.imageFileId}`;
    let file = this.sealImages.get(key);
    if (!file) {
      file = this.registry.imagePng(seal).then((image) => this.engine.uploadFile(image.bytes, `${seal.name}.png`));
      file.catch(() => this.sealImages.delete(key));
      this.sealImages.set(key, file);
    }
    return file;
  }

  /**
   * A redirect provider's flow: one open flow per seal (a second click by the same user gets the same
   * signing address back), persisted before the provider is called, the seal marked pending via S2.
   */
  private async startFlow(
    provider: SealProvider,
    signature: Signature,
    sealIndex: number,
    slot: Seal,
    seal: SealRecord,
    user: StampUser,
    pdf: Uint8Array,
    comment?: string,
  ): Promise<StampResult> {
    const { flows } = this.settings;
    const existing = await flows.openFor(signature.id, sealIndex);
    if (existing) return this.resumeOpenFlow(existing, signature, user);
    let flow: ProviderFlow;
    try {
      flow = await flows.open({
        provider: provider.name,
        signatureId: signature.id,
        sealIndex,
        sealId: seal.id,
        account: user.account,
        accountName: user.name,
        baseUri: signature.uri,
      });
    } catch (error) {
      const open = error instanceof FlowAlreadyOpenError ? await flows.openFor(signature.id, sealIndex) : undefined;
      if (open) return this.resumeOpenFlow(open, signature, user);
      throw error;
    }
    const returnUrl = `${this.settings.publicBaseUrl()}/sign/${signature.id}/return?flow=${flow.id}`;
    let outcome;
    try {
      outcome = await provider.start({ signature, sealIndex, slot, seal, user, comment, pdf, flowId: flow.id, returnUrl });
    } catch (error) {
      await flows.update(flow.id, { state: 'failed', stateReason: (error as Error).message.slice(0, 500) });
      throw error;
    }
    if (outcome.kind === 'signed')
      throw new DomainError('PROVIDER_MODE_MISMATCH', `The provider ${provider.name} signed synchronously in a redirect flow.`);
    const signUrl = outcome.kind === 'redirect' ? outcome.url : '';
    flow = await flows.update(flow.id, { state: 'pending', externalId: outcome.externalId, signUrl, providerRef: outcome.providerRef });
    const updated = await this.engine.putSignature(signature.id, {
      seals: [
        {
          index: sealIndex,
          state: 'pending',
          stateReason: signUrl ? `等待 ${user.name || user.account} 在 ${provider.name} 完成签署` : `${provider.name} 正在自动签署`,
          provider: provider.name,
          sealId: seal.id,
          sealName: seal.name,
          sealType: seal.type,
        },
      ],
    });
    this.log.info(
      {
        signatureId: signature.id,
        sealIndex,
        flowId: flow.id,
        externalId: outcome.externalId,
        provider: provider.name,
        account: user.account,
      },
      'provider flow started',
    );
    return { signature: updated, ...(signUrl ? { signUrl } : {}) };
  }

  private resumeOpenFlow(flow: ProviderFlow, signature: Signature, user: StampUser): StampResult {
    if (flow.account !== user.account) {
      throw new DomainError('FLOW_IN_PROGRESS', `${flow.accountName || flow.account} is already applying this seal at ${flow.provider}.`);
    }
    if (!flow.signUrl) throw new DomainError('FLOW_IN_PROGRESS', `This seal is being applied at ${flow.provider}; wait for it to finish.`);
    return { signature, signUrl: flow.signUrl };
  }

  /** Asks the provider to remind the signer of an open flow (its applier only). */
  async remind(signatureId: string, sealIndex: number, user: StampUser): Promise<void> {
    const open = await this.settings.flows.openFor(signatureId, sealIndex);
    if (!open || open.state !== 'pending') throw new DomainError('NO_OPEN_FLOW', 'This seal is not waiting at a provider.');
    if (open.account !== user.account) throw new DomainError('NOT_SEAL_APPLIER', 'Only the person applying this seal may send a reminder.');
    const provider = this.providers.get(open.provider);
    if (!provider?.remind) throw new DomainError('PROVIDER_CANNOT_REMIND', `The provider ${open.provider} cannot send reminders.`);
    await provider.remind(open);
  }

  async flow(id: string): Promise<ProviderFlow | undefined> {
    return this.settings.flows.get(id);
  }

  /**
   * Applies what a provider reports for a flow, exactly once: a signed result is downloaded,
   * checked (a new, cryptographically valid signature on top of the revision the flow started
   * from), stored as the new revision and written with S2; any other end state is written to the
   * seal. A flow that is already final is left alone.
   */
  async settleFlow(flowId: string, status: FlowStatus): Promise<ProviderFlow> {
    const { flows } = this.settings;
    const initial = await flows.get(flowId);
    if (!initial) throw new DomainError('FLOW_NOT_FOUND', `No provider flow ${flowId}.`);
    return this.queue.run(initial.signatureId, () => this.settleFlowUnqueued(flowId, status));
  }

  /** settleFlow's body, for callers already holding the signature's queue. */
  private async settleFlowUnqueued(flowId: string, status: FlowStatus): Promise<ProviderFlow> {
    const { flows } = this.settings;
    const flow = (await flows.get(flowId))!;
    if (flow.state !== 'pending' && flow.state !== 'starting') return flow;
    if (status.state === 'pending') {
      await flows.touch(flow.id);
      return flow;
    }
    const provider = this.providers.get(flow.provider);
    if (!provider) throw new DomainError('PROVIDER_UNAVAILABLE', `The provider ${flow.provider} is not configured.`);
    if (status.state === 'signed') return this.applySignedFlow(provider, flow);
    await this.writeSealState(flow, status.state, status.reason);
    return flows.update(flow.id, { state: status.state, stateReason: status.reason });
  }

  private async applySignedFlow(provider: SealProvider, flow: ProviderFlow): Promise<ProviderFlow> {
    const { flows } = this.settings;
    for (let attempt = 1; ; attempt++) {
      const signature = await this.engine.getSignature(flow.signatureId);
      const slot = signature.seals[flow.sealIndex];
      if (!slot) return flows.update(flow.id, { state: 'failed', stateReason: 'The seal slot no longer exists.' });
      if (slot.signature) return flows.update(flow.id, { state: 'signed' });
      if (signature.uri !== flow.baseUri) {
        const reason = 'The document changed while the seal was being applied at the provider; apply it again.';
        await this.writeSealState(flow, 'failed', reason);
        return flows.update(flow.id, { state: 'failed', stateReason: reason });
      }
      if (!provider.download)
        throw new DomainError('PROVIDER_CANNOT_DOWNLOAD', `The provider ${provider.name} cannot return the signed document.`);
      const pdf = await provider.download(flow);
      const checked = await this.checkProviderPdf(flow, pdf);
      if ('reason' in checked) {
        await this.writeSealState(flow, 'failed', checked.reason);
        return flows.update(flow.id, { state: 'failed', stateReason: checked.reason });
      }
      const seal = await this.registry.get(flow.sealId);
      const revision = await this.engine.uploadFile(pdf, signature.name || 'document.pdf');
      const image = await this.registry.imagePng(seal);
      const imageFile = await this.engine.uploadFile(image.bytes, `${seal.name}.png`);
      const evidence = provider.attachments ? await provider.attachments(flow) : [];
      const evidenceFile = evidence[0] ? await this.engine.uploadFile(evidence[0].bytes, evidence[0].name) : undefined;
      const signedAt = checked.signedAt;
      try {
        await this.engine.putSignature(flow.signatureId, {
          version: signature.version,
          uri: revision.uri,
          seals: [
            {
              index: flow.sealIndex,
              signature: Buffer.from(checked.cms).toString('base64'),
              algorithm: checked.algorithm,
              privateKey: checked.certificatePem,
              image: imageFile.uri,
              description: `${seal.name}（${seal.type}），${flow.accountName || flow.account}，${formatTime(signedAt)}，${provider.name}`,
              sealId: seal.id,
              sealName: seal.name,
              sealType: seal.type,
              signedAt: signedAt.toISOString(),
              provider: provider.name,
              state: 'signed',
              stateReason: '',
              fieldName: checked.fieldName,
              revision: revision.id,
              signedBy: { account: flow.account, name: flow.accountName },
              ...(evidenceFile ? { evidence: evidenceFile.uri } : {}),
            },
          ],
        });
      } catch (error) {
        if (error instanceof EngineApiError && error.code === 'VERSION_CONFLICT' && attempt < MAX_ATTEMPTS) continue;
        throw error;
      }
      this.log.info(
        { signatureId: flow.signatureId, sealIndex: flow.sealIndex, flowId: flow.id, provider: provider.name },
        'provider seal applied',
      );
      return flows.update(flow.id, { state: 'signed', stateReason: '' });
    }
  }

  /**
   * A provider's PDF must continue ours: the revision we sent is a byte-for-byte prefix, every earlier
   * signature is still intact and unmodified, exactly one signature was added, and it is valid and
   * trusted by that provider's trust anchors. Anything else is a reason to fail the seal.
   */
  private async checkProviderPdf(
    flow: ProviderFlow,
    pdf: Uint8Array,
  ): Promise<{ cms: Uint8Array; certificatePem: string; algorithm: string; signedAt: Date; fieldName: string } | { reason: string }> {
    const base = await this.engine.downloadFile(flow.baseUri);
    if (
      pdf.byteLength <= base.byteLength ||
      Buffer.compare(Buffer.from(pdf.buffer, pdf.byteOffset, base.byteLength), Buffer.from(base)) !== 0
    ) {
      return {
        reason: `The document returned by ${flow.provider} does not continue the one we sent (it was rewritten, not incrementally signed).`,
      };
    }
    const anchors = await (this.settings.providerTrustAnchors ?? (() => this.settings.trustAnchors()))(flow.provider);
    let report;
    try {
      report = await this.verify(pdf, anchors);
    } catch {
      return { reason: `The document returned by ${flow.provider} is not a readable PDF.` };
    }
    const before = await this.verify(base, anchors).catch(() => undefined);
    const earlier = before?.signatureCount ?? 0;
    for (const signature of report.signatures.slice(0, earlier)) {
      if (!signature.intact || !signature.valid || signature.modifiedAfterSigning) {
        return {
          reason: `The document returned by ${flow.provider} breaks the earlier signature ${signature.field} (${signature.states.join(', ')}).`,
        };
      }
    }
    const added = report.signatures.slice(earlier);
    if (added.length === 0) return { reason: `The document returned by ${flow.provider} carries no new signature.` };
    if (added.length > 1)
      return { reason: `The document returned by ${flow.provider} adds ${added.length} signatures; exactly one was expected.` };
    const newest = added[0];
    if (!newest.valid || !newest.intact)
      return { reason: `The signature added by ${flow.provider} is not valid (${newest.states.join(', ')}).` };
    if (!newest.trusted)
      return {
        reason: `The signature added by ${flow.provider} is not from a certificate trusted for ${flow.provider} (${newest.issuer ?? 'unknown issuer'}).`,
      };
    if (!newest.coversWholeDocument) return { reason: `The signature added by ${flow.provider} does not cover the whole document.` };
    if (!newest.signerCertificatePem) return { reason: `The signature added by ${flow.provider} carries no signer certificate.` };
    const cms = newest.cms ? new Uint8Array(Buffer.from(newest.cms, 'base64')) : undefined;
    if (!cms) return { reason: `The signature added by ${flow.provider} could not be read.` };
    const signedAt = newest.signedAt ? new Date(newest.signedAt) : new Date();
    return {
      cms,
      certificatePem: newest.signerCertificatePem,
      algorithm: `${newest.signatureAlgorithm ?? 'unknown'}; ${newest.subFilter === 'ETSI.CAdES.detached' ? (newest.timestamped ? 'PAdES-B-T' : 'PAdES-B-B') : (newest.subFilter ?? '')}`,
      signedAt,
      fieldName: newest.field,
    };
  }

  private verify(pdf: Uint8Array, trustAnchorsPem: string[]) {
    return this.settings.verifier ? this.settings.verifier.verify(pdf, { trustAnchorsPem }) : verifyPdf(pdf, { trustAnchorsPem });
  }

  private async writeSealState(flow: ProviderFlow, state: 'refused' | 'failed' | 'cancelled' | 'expired', reason: string): Promise<void> {
    await this.engine.putSignature(flow.signatureId, {
      seals: [{ index: flow.sealIndex, state, stateReason: reason, provider: flow.provider }],
    });
    this.log.info(
      { signatureId: flow.signatureId, sealIndex: flow.sealIndex, flowId: flow.id, state, provider: flow.provider },
      'provider flow ended',
    );
  }

  /**
   * Removes a seal. Allowed to the user who applied it, and only for the most recently applied seal
   * (the last revision of the PDF); the PDF reverts to the revision before it, so every other
   * signature stays exactly as it was.
   */
  async remove(signatureId: string, sealIndex: number, user: StampUser): Promise<Signature> {
    return this.queue.run(signatureId, async () => {
      const { signature, slot } = await this.slotOf(signatureId, sealIndex);
      if (!slot.signature) {
        // A seal still being applied at a provider: its signer may cancel the flow there.
        const open = await this.settings.flows.openFor(signatureId, sealIndex);
        if (!open) throw new DomainError('SEAL_NOT_SIGNED', 'This seal has not been applied.');
        if (open.account !== user.account) throw new DomainError('NOT_SEAL_APPLIER', 'Only the person applying this seal may cancel it.');
        const provider = this.providers.get(open.provider);
        if (provider?.cancel && open.externalId) await provider.cancel(open);
        await this.settleFlowUnqueued(open.id, { state: 'cancelled', reason: '签署人已撤销' });
        return this.engine.getSignature(signatureId);
      }
      if (slot.signedBy?.account !== user.account)
        throw new DomainError('NOT_SEAL_APPLIER', 'Only the person who applied a seal may remove it.');
      const chain = signature.revisions ?? [];
      const last = chain[chain.length - 1];
      if (!last || last.sealIndex !== sealIndex || chain.length < 2) {
        throw new DomainError('NOT_MOST_RECENT_SEAL', 'Only the most recently applied seal can be removed; remove the later seals first.');
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
