import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ApiError, conflict, forbidden } from '../http/errors.js';
import type { MfaGuard } from '../mfa/totp.js';
import { checkProviderCanHonour, type SealProvider } from '../providers/provider.js';
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
  status: 'SIGNED' | 'PENDING';
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
    if (cmid === null) return this.signOnce(input);
    if (!/^[\w.:-]{1,128}$/.test(cmid)) throw new ApiError(400, 'INVALID_REQUEST', 'clientMutationId must be 1-128 letters, digits, ".", ":", "_" or "-".', [{ path: 'clientMutationId', message: 'invalid' }]);
    const hash = requestHash(input);
    return this.queue.run(`${caller}\u0000${cmid}`, async () => {
      const earlier = await this.requests.get(caller, cmid);
      if (earlier) {
        if (earlier.requestHash !== hash) throw conflict('MUTATION_ID_REUSED', `clientMutationId ${cmid} was already used for a different request.`);
        return earlier.result as SignFileResult;
      }
      const result = await this.signOnce(input);
      await this.requests.put(caller, cmid, hash, result);
      return result;
    });
  }

  private async signOnce(input: SignFileInput): Promise<SignFileResult> {
    // Everything that can be refused without a request is refused first.
    allowedFileUrl(input.file, this.options.allowedOrigins());
    const slot = slotOf(input);
    if (input.commentLoc) {
      throw new ApiError(422, 'COMMENT_LOCATION_UNSUPPORTED', 'An approval comment is drawn beside its seal; a separate commentLoc is not supported. Leave commentLoc out.');
    }
    const seal = await this.registry.get(input.sealId);
    const verdict = checkPermission(input.signer.account, slot, seal);
    if (!verdict.ok) throw forbidden(verdict.rule, verdict.message);
    const provider = this.providers.get(seal.provider);
    if (!provider) throw new ApiError(503, 'PROVIDER_UNAVAILABLE', `The provider ${seal.provider} of seal ${seal.name} is not configured.`);
    const comment = input.comment?.trim() || undefined;
    checkProviderCanHonour(provider, slot, seal, comment);
    if (provider.capabilities.mode !== 'sync') {
      throw new ApiError(501, 'PROVIDER_REDIRECT_UNSUPPORTED', `signFile cannot yet apply seals of the redirect provider ${provider.name}; use the signing page (v1 flow).`);
    }
    await this.mfa.check(input.signer.account, seal.id, input.mfa);

    const { bytes, name } = await fetchAllowedFile(input.file, { ...this.options.fetch, allowedOrigins: this.options.allowedOrigins });
    if (Buffer.from(bytes.subarray(0, 1024)).indexOf('%PDF-') < 0) throw new ApiError(415, 'NOT_A_PDF', 'The file is not a PDF.');
    const signature: Signature = { id: randomUUID(), name, size: bytes.byteLength, uri: input.file, mime: 'application/pdf', createTime: Date.now(), seals: [slot] };
    const outcome = await provider.start({ signature, sealIndex: 0, slot, seal, user: input.signer, comment, pdf: bytes, flowId: '', returnUrl: '' });
    if (outcome.kind !== 'signed') throw new ApiError(500, 'PROVIDER_MODE_MISMATCH', `The provider ${provider.name} did not sign synchronously.`);

    const archived = input.archive ? await this.engine.uploadFile(outcome.pdf, name) : undefined;
    this.log.info({ sealId: seal.id, account: input.signer.account, provider: provider.name, archived: archived?.id }, 'file signed (signFile)');
    return {
      status: 'SIGNED',
      clientMutationId: input.clientMutationId ?? null,
      uri: archived?.uri ?? null,
      fileId: archived?.id ?? null,
      name,
      size: outcome.pdf.byteLength,
      sha256: createHash('sha256').update(outcome.pdf).digest('hex'),
      fieldName: outcome.fieldName,
      signedAt: outcome.signedAt.toISOString(),
      algorithm: outcome.algorithm,
      certificate: outcome.certificatePem,
      seal: { id: seal.id, name: seal.name, type: seal.type, provider: provider.name },
      signer: input.signer,
      signUrl: null,
      content: Buffer.from(outcome.pdf).toString('base64'),
    };
  }
}

const FIELD = (path: string, message: string) => new ApiError(400, 'INVALID_REQUEST', `The request is invalid: ${path} ${message}`, [{ path, message }]);

/** The seal slot a signFile describes, validated (placement defaults as S1/S2: by coordinates, else keyword, else bottom-right of the last page). */
export function slotOf(input: SignFileInput): Seal {
  const loc = input.sealLoc ?? {};
  const finite = (value: number | null | undefined, path: string, min: number, max: number) => {
    if (value === null || value === undefined) return undefined;
    if (!Number.isFinite(value) || value < min || value > max) throw FIELD(path, `must be between ${min} and ${max}`);
    return value;
  };
  const x = finite(loc.x, 'sealLoc.x', 0, 14400);
  const y = finite(loc.y, 'sealLoc.y', 0, 14400);
  const page = finite(loc.page, 'sealLoc.page', 1, 100_000);
  const size = finite(loc.size, 'sealLoc.size', 10, 600);
  const keywordOrder = finite(loc.keywordOrder, 'sealLoc.keywordOrder', 0, 2);
  const keywordSeq = finite(loc.keywordSeq, 'sealLoc.keywordSeq', 1, 10_000);
  const keyword = loc.keyword ?? undefined;
  if (keyword !== undefined && (keyword.length === 0 || keyword.length > 200)) throw FIELD('sealLoc.keyword', 'must be 1-200 characters');
  if ((x === undefined) !== (y === undefined)) throw FIELD('sealLoc', 'needs both x and y for coordinates');
  if (page !== undefined && !Number.isInteger(page)) throw FIELD('sealLoc.page', 'must be a whole number');
  const types = (input.sealAttr ?? '').split(',').map((type) => type.trim()).filter(Boolean);
  if (input.comment && input.comment.length > 200) throw FIELD('comment', 'must be at most 200 characters');
  return normalizeSeal({
    ...(x !== undefined ? { x, y } : {}),
    ...(page !== undefined ? { page } : {}),
    placeHolder: keyword ?? '',
    ...(keywordOrder !== undefined ? { keywordOrder: keywordOrder as 0 | 1 | 2 } : {}),
    ...(keywordSeq !== undefined ? { keywordSeq } : {}),
    ...(loc.crossPage ? { crossPage: true } : {}),
    ...(size !== undefined ? { size } : {}),
    signer: input.signer,
    permission: { sealTypes: types, sealIds: [], signers: [] },
  });
}

function requestHash(input: SignFileInput): string {
  const { mfa: _mfa, clientMutationId: _cmid, ...rest } = input;
  return createHash('sha256').update(JSON.stringify(canonical(rest))).digest('hex');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().filter((key) => (value as Record<string, unknown>)[key] !== undefined && (value as Record<string, unknown>)[key] !== null).map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
  }
  return value;
}
