import { EventEmitter } from 'node:events';
import { KeyedQueue } from '../util/keyed-queue.js';
import { DomainError, invalidRequest, notFound, type FieldError } from '../errors.js';
import { newId } from '../util/ids.js';
import { type FileStore, type NewFile, storedFileOf } from '../store/files.js';
import type { FileUris } from '../store/file-uri.js';
import type { SignatureRecord, SignatureRepository } from '../store/signatures.js';
import { checkPublicKeyField } from './key-guard.js';
import { normalizeSeal, normalizeSeals, present } from './model.js';
import type { Revision, Seal, SealInput, Signature, SignaturePatch } from './schema.js';

export interface SignatureChange {
  signature: Signature;
  /** What caused it: an S2, a created document, a removed seal, … */
  cause: string;
}

/**
 * The engine side's Signature store (S1/S2 semantics): creation from an uploaded PDF, reads, and
 * updates that either replace the whole Signature or merge changed seals by `index`. Every accepted
 * change is emitted as `change` for live push.
 */
export class SignatureService extends EventEmitter<{ change: [SignatureChange] }> {
  private readonly queue = new KeyedQueue();

  constructor(
    private readonly repo: SignatureRepository,
    private readonly files: FileStore,
    private readonly uris: FileUris,
  ) {
    super();
  }

  async get(id: string): Promise<Signature> {
    const record = await this.repo.get(id);
    if (!record) throw notFound('signature', id);
    return this.presentRecord(record);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.repo.get(id)) !== undefined;
  }

  private presentRecord(record: SignatureRecord): Signature {
    return { ...present(record.signature), version: record.version, updateTime: record.updateTime };
  }

  /** A Signature over an uploaded PDF. */
  async create(input: { name?: string; fileId: string; seals?: SealInput[]; template?: string }, cause = 'created'): Promise<Signature> {
    const file = await this.files.get(input.fileId);
    if (!file) throw new DomainError('FILE_NOT_FOUND', `No file with id ${input.fileId}.`);
    if (file.mime !== 'application/pdf') {
      throw new DomainError('NOT_A_PDF', `File ${input.fileId} is ${file.mime}; a Signature needs a PDF (application/pdf).`);
    }
    const uri = this.uris.forFile(file.id);
    const now = Date.now();
    return this.insert(
      {
        name: input.name ?? file.name,
        size: file.size,
        uri,
        fileId: file.id,
        revisions: [{ fileId: file.id, uri, createTime: now }],
        ...(input.template ? { template: input.template } : {}),
      },
      input.seals,
      cause,
    );
  }

  /** A Signature whose document is generated later (from its template and form data): `uri` stays empty. */
  async createPending(input: { name: string; template: string; seals?: SealInput[] }, cause = 'created'): Promise<Signature> {
    return this.insert({ name: input.name, size: 0, uri: '', template: input.template, revisions: [] }, input.seals, cause);
  }

  private async insert(
    fields: Omit<Signature, 'id' | 'mime' | 'createTime' | 'seals'>,
    sealsInput: SealInput[] | undefined,
    cause: string,
  ): Promise<Signature> {
    const seals = normalizeSeals(sealsInput);
    assertSealsAcceptable(seals, '$.seals');
    const signature: Signature = { id: newId(), mime: 'application/pdf', createTime: Date.now(), seals, ...fields };
    const record = await this.repo.insert(signature, this.referencedFiles(signature), cause);
    const presented = this.presentRecord(record);
    this.emit('change', { signature: presented, cause });
    return presented;
  }

  /**
   * S2: stores the given Signature (whole, or only the changed seals with their `index`). `newFile`: a
   * file being stored now whose row is not written yet (FileStore.putBytesWith); the update is prepared
   * while its bytes are written, and its row goes into this update's commit once they are on disk, so
   * the patch's `uri` may name it.
   */
  async update(id: string, patch: SignaturePatch, cause = 's2', newFile?: NewFile): Promise<Signature> {
    return this.queue.run(id, async () => {
      const record = await this.repo.get(id);
      if (!record) throw notFound('signature', id);
      if (patch.version !== undefined && patch.version !== record.version) {
        throw new DomainError(
          'VERSION_CONFLICT',
          `The Signature is at version ${record.version}, the update was made against version ${patch.version}.`,
        );
      }
      const next = await this.merge(record.signature, patch, newFile);
      if (newFile) await newFile.stored;
      const written = await this.repo.replace(
        next,
        record.version,
        this.referencedFiles(next),
        { before: record.signature, cause },
        newFile ? [storedFileOf(newFile)] : [],
      );
      if (!written) throw new DomainError('VERSION_CONFLICT', 'The Signature was changed concurrently; fetch it again and retry.');
      const presented = this.presentRecord(written);
      this.emit('change', { signature: presented, cause });
      return presented;
    });
  }

  private async merge(current: Signature, patch: SignaturePatch, newFile?: NewFile): Promise<Signature> {
    if (patch.id !== undefined && patch.id !== current.id) {
      throw new DomainError('ID_MISMATCH', `The body's id ${patch.id} is not the id in the path (${current.id}).`);
    }
    const next: Signature = { ...current, seals: current.seals.map((seal) => ({ ...seal })) };
    if (patch.name !== undefined) next.name = patch.name;
    if (patch.seals !== undefined) next.seals = mergeSeals(current.seals, patch.seals);
    assertSealsAcceptable(next.seals, '$.seals');

    if (patch.uri !== undefined && patch.uri !== current.uri) {
      if (patch.uri === '') {
        next.uri = '';
        delete next.fileId;
      } else {
        const fileId = this.uris.fileIdOf(patch.uri);
        if (!fileId) {
          throw invalidRequest([{ path: '$.uri', message: "must be the uri of a PDF in this service's file store (…/file/<id>)" }]);
        }
        const file = newFile?.id === fileId ? storedFileOf(newFile) : await this.files.get(fileId);
        if (!file) throw invalidRequest([{ path: '$.uri', message: `names file ${fileId}, which does not exist` }]);
        if (file.mime !== 'application/pdf') throw invalidRequest([{ path: '$.uri', message: `names a ${file.mime} file, not a PDF` }]);
        next.uri = this.uris.forFile(fileId);
        next.fileId = fileId;
        next.size = file.size;
        next.revisions = nextRevisions(current.revisions ?? [], fileId, next.uri, changedSealIndex(current.seals, next.seals));
      }
    } else if (patch.size !== undefined && patch.size !== current.size) {
      throw invalidRequest([{ path: '$.size', message: 'is the size of the file at uri and cannot be set on its own' }]);
    }
    return next;
  }

  /** Every file of our store this Signature names: current PDF, revisions, seal images and templates. */
  private referencedFiles(signature: Signature): string[] {
    const ids = new Set<string>();
    if (signature.fileId) ids.add(signature.fileId);
    for (const revision of signature.revisions ?? []) ids.add(revision.fileId);
    for (const seal of signature.seals) {
      for (const uri of [seal.image, seal.template, seal.evidence]) {
        const id = uri ? this.uris.fileIdOf(uri) : undefined;
        if (id) ids.add(id);
      }
    }
    return [...ids];
  }
}

function mergeSeals(current: Seal[], incoming: SealInput[]): Seal[] {
  const indexed = incoming.filter((seal) => seal.index !== undefined);
  if (indexed.length === 0) return normalizeSeals(incoming);
  if (indexed.length !== incoming.length) {
    throw new DomainError(
      'MIXED_SEAL_UPDATE',
      'Either every item of seals carries an index (update those seals) or none does (replace all seals).',
    );
  }
  const merged = current.map((seal) => ({ ...seal }));
  const errors: FieldError[] = [];
  incoming.forEach((seal, position) => {
    const index = seal.index as number;
    if (index > merged.length) {
      errors.push({ path: `$.seals[${position}].index`, message: `is ${index}, but the Signature has ${merged.length} seals` });
      return;
    }
    const base = merged[index] ?? normalizeSeal();
    merged[index] = normalizeSeal({
      ...base,
      ...seal,
      signer: { ...base.signer, ...seal.signer },
      permission: { ...base.permission, ...seal.permission },
    });
  });
  if (errors.length > 0) throw invalidRequest(errors);
  return merged;
}

function assertSealsAcceptable(seals: Seal[], path: string): void {
  const errors: FieldError[] = [];
  seals.forEach((seal, i) => {
    const verdict = checkPublicKeyField(seal.privateKey);
    if (!verdict.ok) errors.push({ path: `${path}[${i}].privateKey`, message: verdict.reason });
  });
  if (errors.length > 0)
    throw new DomainError(
      errors.some((e) => e.message.includes('private key')) ? 'PRIVATE_KEY_REFUSED' : 'INVALID_REQUEST',
      `The request is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      errors,
    );
}

/**
 * `revisions` is the chain of PDF revisions the current `uri` grew from. Pointing `uri` back at a
 * revision already in the chain (a removed seal) cuts the chain there; any other file extends it.
 * Files cut from the chain stay stored and referenced, so they remain retrievable by id.
 */
function nextRevisions(chain: Revision[], fileId: string, uri: string, sealIndex: number | undefined): Revision[] {
  const existing = chain.findIndex((revision) => revision.fileId === fileId);
  if (existing >= 0) return chain.slice(0, existing + 1);
  return [...chain, { fileId, uri, createTime: Date.now(), ...(sealIndex === undefined ? {} : { sealIndex }) }];
}

/** The one seal that went from unsigned to signed, if exactly one did. */
function changedSealIndex(before: Seal[], after: Seal[]): number | undefined {
  const changed = after.map((seal, i) => (seal.signature && seal.signature !== before[i]?.signature ? i : -1)).filter((i) => i >= 0);
  return changed.length === 1 ? changed[0] : undefined;
}
