import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DomainError } from '../errors.js';
import type { MfaGuard } from '../mfa/totp.js';
import { verifyPdf } from '@infoplus/pdf-verify';
import type { PdfVerifier } from '../verification/pool.js';
import { checkProviderCanHonour, type FlowStatus, type SealProvider, type StampRequest } from '../providers/provider.js';
import type { SealRecord } from '../store/seals.js';
import type { ProviderFlow, ProviderFlowRepository } from '../store/provider-flows.js';
import { checkPermission } from '../seals/permission.js';
import type { SealRegistry } from '../seals/registry.js';
import { normalizeSeal } from '../signature/model.js';
import type { Seal, Signature } from '../signature/schema.js';
import type { SignRequestRepository } from '../store/sign-requests.js';
import { KeyedQueue } from '../util/keyed-queue.js';
import type { EngineApi } from './engine-client.js';
import { type FileFetchOptions, allowedFileUrl, fetchAllowedFile } from './file-fetch.js';

/** Where a seal goes: coordinates (`page`, `x`, `y`: points from the top-left to the seal's centre) or a keyword. */
export interface SignatureLocation {
  page?: number | null;
  x?: number | null;
  y?: number | null;
  keyword?: string | null;
  keywordOrder?: number | null;
  keywordSeq?: number | null;
  crossPage?: boolean | null;
  size?: number | null;
}

export interface SignFileInput {
  file: string;
  signer: { account: string; name: string };
  sealId: string;
  /** Restricts the seal's type (comma-separated types), as `permission.sealTypes` does. */
  sealAttr?: string | null;
  sealLoc?: SignatureLocation | null;
  comment?: string | null;
  commentLoc?: SignatureLocation | null;
  archive?: boolean | null;
  mfa?: string | null;
  clientMutationId?: string | null;
}

export interface SignFileResult {
  /** SIGNED; PENDING while the signer completes the seal at a redirect provider; else how that flow ended. */
  status: 'SIGNED' | 'PENDING' | 'REFUSED' | 'FAILED' | 'CANCELLED' | 'EXPIRED';
  /** Why a flow did not end signed. */
  reason: string | null;
  clientMutationId: string | null;
  /** The archived file's URI on the FileAPI (archive: true), else null. */
  uri: string | null;
  fileId: string | null;
  name: string;
  size: number | null;
  sha256: string | null;
  fieldName: string | null;
  signedAt: string | null;
  algorithm: string | null;
  certificate: string | null;
  seal: { id: string; name: string; type: string; provider: string };
  signer: { account: string; name: string };
  /** A redirect provider: where the signer completes the seal. */
  signUrl: string | null;
  /** The signed PDF, base64. */
  content: string | null;
}

export interface FileSignerOptions {
  fetch: Omit<FileFetchOptions, 'allowedOrigins'>;
  allowedOrigins: () => string[];
  /** Redirect providers' flows (the same table the v1 broker uses) and checks of their results. */
  flows: ProviderFlowRepository;
  trustAnchors: () => Promise<string[]>;
  /** Verifies provider PDFs off the main thread (the worker pool); verifyPdf in-thread when absent. */
  verifier?: PdfVerifier;
  publicBaseUrl: () => string;
}

/**
 * SignatureAPI v2's `signFile`: the broker's rules (the signer holds the seal, the seal is enabled,
 * `sealAttr` restricts its type, the provider can honour the request, a second factor where the seal
 * requires one) applied to a file named by URL on the engine's FileAPI, signed by the seal's provider,
 * and — with `archive` — stored through the FileAPI. Nothing is fetched, signed or stored on refusal.
 */
export class FileSigner {
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly registry: SealRegistry,
    private readonly providers: Map<string, SealProvider>,
    private readonly engine: EngineApi,
    private readonly mfa: MfaGuard,
    private readonly requests: SignRequestRepository,
    private readonly log: Logger,
    private readonly options: FileSignerOptions,
  ) {}

  /** `caller` scopes client mutation ids (an engine key, an OAuth client, a user). */
  async sign(caller: string, input: SignFileInput): Promise<SignFileResult> {
    const cmid = input.clientMutationId ?? null;
    if (cmid !== null && !/^[\w.:-]{1,128}$/.test(cmid)) {
      throw new DomainError('INVALID_REQUEST', 'clientMutationId must be 1-128 letters, digits, ".", ":", "_" or "-".', [
        { path: 'clientMutationId', message: 'invalid' },
      ]);
    }
    const hash = requestHash(input);
    if (cmid === null) return this.signOnce(caller, input, hash);
    return this.queue.run(`${caller}\u0000${cmid}`, async () => {
      const earlier = await this.requests.get(caller, cmid);
      if (earlier) {
        if (earlier.requestHash !== hash)
          throw new DomainError('MUTATION_ID_REUSED', `clientMutationId ${cmid} was already used for a different request.`);
        return earlier.result as SignFileResult;
      }
      const result = await this.signOnce(caller, input, hash);
      // A redirect provider's pending result was stored with its flow already.
      if (result.status === 'SIGNED') await this.requests.put(caller, cmid, hash, result);
      return result;
    });
  }

  /** True when a provider flow belongs to a signFile (not to a v1 Signature). */
  async owns(flowId: string): Promise<boolean> {
    return (await this.requests.byFlow(flowId)) !== undefined;
  }

  private async signOnce(caller: string, input: SignFileInput, hash: string): Promise<SignFileResult> {
    // Everything that can be refused without a request is refused first.
    allowedFileUrl(input.file, this.options.allowedOrigins(), this.options.fetch.allowedPath);
    const slot = slotOf(input);
    const commentAt = commentPlacementOf(input);
    const seal = await this.registry.get(input.sealId);
    const verdict = checkPermission(input.signer.account, slot, seal);
    if (!verdict.ok) throw new DomainError(verdict.rule, verdict.message);
    const provider = this.providers.get(seal.provider);
    if (!provider) throw new DomainError('PROVIDER_UNAVAILABLE', `The provider ${seal.provider} of seal ${seal.name} is not configured.`);
    const comment = input.comment?.trim() || undefined;
    checkProviderCanHonour(provider, slot, seal, comment);
    await this.mfa.check(input.signer.account, seal.id, input.mfa);

    const { bytes, name } = await fetchAllowedFile(input.file, { ...this.options.fetch, allowedOrigins: this.options.allowedOrigins });
    if (Buffer.from(bytes.subarray(0, 1024)).indexOf('%PDF-') < 0) throw new DomainError('NOT_A_PDF', 'The file is not a PDF.');
    const signature: Signature = {
      id: randomUUID(),
      name,
      size: bytes.byteLength,
      uri: input.file,
      mime: 'application/pdf',
      createTime: Date.now(),
      seals: [slot],
    };
    const base = {
      clientMutationId: input.clientMutationId ?? null,
      name,
      seal: { id: seal.id, name: seal.name, type: seal.type, provider: provider.name },
      signer: input.signer,
    };
    if (provider.capabilities.mode === 'redirect')
      return this.startFlow(caller, hash, input, provider, signature, slot, seal, bytes, comment, base);

    const outcome = await provider.start({
      signature,
      sealIndex: 0,
      slot,
      seal,
      user: input.signer,
      comment,
      commentAt,
      pdf: bytes,
      flowId: '',
      returnUrl: '',
    });
    if (outcome.kind !== 'signed')
      throw new DomainError('PROVIDER_MODE_MISMATCH', `The provider ${provider.name} did not sign synchronously.`);
    const archived = input.archive ? await this.engine.uploadFile(outcome.pdf, name) : undefined;
    this.log.info(
      { sealId: seal.id, account: input.signer.account, provider: provider.name, archived: archived?.id },
      'file signed (signFile)',
    );
    return signedResult(base, outcome.pdf, archived, {
      fieldName: outcome.fieldName,
      signedAt: outcome.signedAt,
      algorithm: outcome.algorithm,
      certificatePem: outcome.certificatePem,
    });
  }

  /**
   * A redirect provider: the flow is recorded (in the v1 broker's flow table, under a signature id of
   * its own) before the provider is called, and the pending result is stored under the client
   * mutation id (one is made up when the caller gave none): asking again with it returns the result,
   * completed once the provider reports the seal applied.
   */
  private async startFlow(
    caller: string,
    hash: string,
    input: SignFileInput,
    provider: SealProvider,
    signature: Signature,
    slot: Seal,
    seal: SealRecord,
    pdf: Uint8Array,
    comment: string | undefined,
    base: Pick<SignFileResult, 'clientMutationId' | 'name' | 'seal' | 'signer'>,
  ): Promise<SignFileResult> {
    const { flows } = this.options;
    const cmid = input.clientMutationId ?? `auto-${randomUUID()}`;
    let flow = await flows.open({
      provider: provider.name,
      signatureId: signature.id,
      sealIndex: 0,
      sealId: seal.id,
      account: input.signer.account,
      accountName: input.signer.name,
      baseUri: input.file,
    });
    const returnUrl = `${this.options.publicBaseUrl()}/sign/${signature.id}/return?flow=${flow.id}`;
    let outcome;
    try {
      outcome = await provider.start({ signature, sealIndex: 0, slot, seal, user: input.signer, comment, pdf, flowId: flow.id, returnUrl });
    } catch (error) {
      await flows.update(flow.id, { state: 'failed', stateReason: (error as Error).message.slice(0, 500) });
      throw error;
    }
    if (outcome.kind === 'signed')
      throw new DomainError('PROVIDER_MODE_MISMATCH', `The provider ${provider.name} signed synchronously in a redirect flow.`);
    const signUrl = outcome.kind === 'redirect' ? outcome.url : null;
    flow = await flows.update(flow.id, {
      state: 'pending',
      externalId: outcome.externalId,
      signUrl: signUrl ?? '',
      providerRef: { ...outcome.providerRef, signFile: { archive: Boolean(input.archive) } },
    });
    const result: SignFileResult = {
      ...base,
      clientMutationId: cmid,
      status: 'PENDING',
      reason: null,
      uri: null,
      fileId: null,
      size: null,
      sha256: null,
      fieldName: null,
      signedAt: null,
      algorithm: null,
      certificate: null,
      signUrl,
      content: null,
    };
    await this.requests.put(caller, cmid, hash, result, flow.id);
    this.log.info(
      { flowId: flow.id, provider: provider.name, account: input.signer.account, sealId: seal.id },
      'provider flow started (signFile)',
    );
    return result;
  }

  /**
   * Applies what a provider reports for a signFile flow, once: a signed PDF must carry a new, valid
   * signature on top of the file the flow started from; it is archived when asked and completes the
   * stored result. Other end states are recorded with their reason.
   */
  async settleFlow(flowId: string, status: FlowStatus): Promise<ProviderFlow> {
    const { flows } = this.options;
    const request = await this.requests.byFlow(flowId);
    const flow = await flows.get(flowId);
    if (!request || !flow) throw new DomainError('FLOW_NOT_FOUND', `No signFile flow ${flowId}.`);
    return this.queue.run(`${request.caller}\u0000${request.clientMutationId}`, async () => {
      const current = (await flows.get(flowId))!;
      if (current.state !== 'pending' && current.state !== 'starting') return current;
      if (status.state === 'pending') {
        await flows.touch(flowId);
        return current;
      }
      const pending = request.result as SignFileResult;
      const provider = this.providers.get(current.provider);
      if (status.state !== 'signed' || !provider?.download) {
        const reason = status.state === 'signed' ? `The provider ${current.provider} cannot return the signed document.` : status.reason;
        const state = status.state === 'signed' ? 'failed' : status.state;
        await this.requests.updateResult(request.caller, request.clientMutationId, {
          ...pending,
          status: state.toUpperCase(),
          reason,
          signUrl: null,
        });
        return flows.update(flowId, { state, stateReason: reason });
      }
      const pdf = await provider.download(current);
      const checked = await this.checkProviderPdf(current, pdf);
      if ('reason' in checked) {
        await this.requests.updateResult(request.caller, request.clientMutationId, {
          ...pending,
          status: 'FAILED',
          reason: checked.reason,
          signUrl: null,
        });
        return flows.update(flowId, { state: 'failed', stateReason: checked.reason });
      }
      const archive = (current.providerRef.signFile as { archive?: boolean } | undefined)?.archive === true;
      const archived = archive ? await this.engine.uploadFile(pdf, pending.name) : undefined;
      await this.requests.updateResult(request.caller, request.clientMutationId, signedResult(pending, pdf, archived, checked));
      this.log.info({ flowId, provider: current.provider, archived: archived?.id }, 'provider seal applied (signFile)');
      return flows.update(flowId, { state: 'signed', stateReason: '' });
    });
  }

  /** The provider's PDF must add a new, valid signature to the file the flow started from. */
  private async checkProviderPdf(
    flow: ProviderFlow,
    pdf: Uint8Array,
  ): Promise<{ fieldName: string; signedAt: Date; algorithm: string; certificatePem: string } | { reason: string }> {
    const anchors = await this.options.trustAnchors();
    const verify = (bytes: Uint8Array) =>
      this.options.verifier
        ? this.options.verifier.verify(bytes, { trustAnchorsPem: anchors })
        : verifyPdf(bytes, { trustAnchorsPem: anchors });
    const report = await verify(pdf).catch(() => undefined);
    if (!report) return { reason: 'The provider returned a document that is not a readable PDF.' };
    const original = await fetchAllowedFile(flow.baseUri, { ...this.options.fetch, allowedOrigins: this.options.allowedOrigins }).catch(
      () => undefined,
    );
    const before = original ? await verify(original.bytes).catch(() => undefined) : undefined;
    const newest = report.signatures.slice(before?.signatureCount ?? 0).at(-1);
    if (!newest) return { reason: 'The provider returned the document without a new signature.' };
    if (!newest.valid || !newest.intact || !newest.signerCertificatePem)
      return { reason: `The provider's signature is not valid (${newest.states.join(', ')}).` };
    const level = newest.subFilter === 'ETSI.CAdES.detached' ? (newest.timestamped ? 'PAdES-B-T' : 'PAdES-B-B') : (newest.subFilter ?? '');
    return {
      fieldName: newest.field,
      signedAt: newest.signedAt ? new Date(newest.signedAt) : new Date(),
      algorithm: `${newest.signatureAlgorithm ?? 'unknown'}; ${level}`,
      certificatePem: newest.signerCertificatePem,
    };
  }
}

function signedResult(
  base: Pick<SignFileResult, 'clientMutationId' | 'name' | 'seal' | 'signer'>,
  pdf: Uint8Array,
  archived: { id: string; uri: string } | undefined,
  signed: { fieldName: string; signedAt: Date; algorithm: string; certificatePem: string },
): SignFileResult {
  return {
    clientMutationId: base.clientMutationId,
    name: base.name,
    seal: base.seal,
    signer: base.signer,
    status: 'SIGNED',
    reason: null,
    uri: archived?.uri ?? null,
    fileId: archived?.id ?? null,
    size: pdf.byteLength,
    sha256: createHash('sha256').update(pdf).digest('hex'),
    fieldName: signed.fieldName,
    signedAt: signed.signedAt.toISOString(),
    algorithm: signed.algorithm,
    certificate: signed.certificatePem,
    signUrl: null,
    content: Buffer.from(pdf).toString('base64'),
  };
}

const FIELD = (path: string, message: string) =>
  new DomainError('INVALID_REQUEST', `The request is invalid: ${path} ${message}`, [{ path, message }]);

/** A SignatureLocation as a slot's placement fields, validated (`path` names it in errors). */
function placementOf(loc: SignatureLocation, path: string): Partial<Seal> {
  const finite = (value: number | null | undefined, field: string, min: number, max: number) => {
    if (value === null || value === undefined) return undefined;
    if (!Number.isFinite(value) || value < min || value > max) throw FIELD(`${path}.${field}`, `must be between ${min} and ${max}`);
    return value;
  };
  const x = finite(loc.x, 'x', 0, 14400);
  const y = finite(loc.y, 'y', 0, 14400);
  const page = finite(loc.page, 'page', 1, 100_000);
  const size = finite(loc.size, 'size', 10, 600);
  const keywordOrder = finite(loc.keywordOrder, 'keywordOrder', 0, 2);
  const keywordSeq = finite(loc.keywordSeq, 'keywordSeq', 1, 10_000);
  const keyword = loc.keyword ?? undefined;
  if (keyword !== undefined && (keyword.length === 0 || keyword.length > 200)) throw FIELD(`${path}.keyword`, 'must be 1-200 characters');
  if ((x === undefined) !== (y === undefined)) throw FIELD(path, 'needs both x and y for coordinates');
  if (page !== undefined && !Number.isInteger(page)) throw FIELD(`${path}.page`, 'must be a whole number');
  if (keywordOrder !== undefined && !Number.isInteger(keywordOrder)) throw FIELD(`${path}.keywordOrder`, 'must be 0, 1 or 2');
  return {
    ...(x !== undefined ? { x, y } : {}),
    ...(page !== undefined ? { page } : {}),
    placeHolder: keyword ?? '',
    ...(keywordOrder !== undefined ? { keywordOrder: keywordOrder as 0 | 1 | 2 } : {}),
    ...(keywordSeq !== undefined ? { keywordSeq } : {}),
    ...(loc.crossPage ? { crossPage: true } : {}),
    ...(size !== undefined ? { size } : {}),
  };
}

/** The seal slot a signFile describes, validated (placement defaults as S1/S2: by coordinates, else keyword, else bottom-right of the last page). */
export function slotOf(input: SignFileInput): Seal {
  const types = (input.sealAttr ?? '')
    .split(',')
    .map((type) => type.trim())
    .filter(Boolean);
  if (input.comment && input.comment.length > 200) throw FIELD('comment', 'must be at most 200 characters');
  return normalizeSeal({
    ...placementOf(input.sealLoc ?? {}, 'sealLoc'),
    signer: input.signer,
    permission: { sealTypes: types, sealIds: [], signers: [] },
  });
}

/** Where the comment goes when not beside the seal: coordinates or a keyword, and only with a comment. */
export function commentPlacementOf(input: SignFileInput): StampRequest['commentAt'] {
  if (!input.commentLoc) return undefined;
  if (!input.comment?.trim()) throw FIELD('commentLoc', 'needs a comment to place');
  const placement = placementOf(input.commentLoc, 'commentLoc');
  if (placement.crossPage || placement.size !== undefined)
    throw FIELD('commentLoc', 'takes page, x, y or keyword, keywordOrder, keywordSeq only');
  const hasCoordinates = typeof placement.x === 'number' && !(placement.x === 0 && placement.y === 0);
  if (!hasCoordinates && !placement.placeHolder) throw FIELD('commentLoc', 'needs coordinates (x, y) or a keyword');
  return placement;
}

function requestHash(input: SignFileInput): string {
  const { mfa: _mfa, clientMutationId: _cmid, ...rest } = input;
  return createHash('sha256')
    .update(JSON.stringify(canonical(rest)))
    .digest('hex');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined && (value as Record<string, unknown>)[key] !== null)
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
