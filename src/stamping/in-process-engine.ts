import { DomainError } from '../errors.js';
import type { SignatureService } from '../signature/service.js';
import { type Signature, type SignaturePatch, validateSignaturePatch } from '../signature/schema.js';
import type { FileUris } from '../store/file-uri.js';
import type { FileStore } from '../store/files.js';
import { sniffMime } from '../store/sniff.js';
import { type CommittedRevision, type EngineApi, EngineApiError, type Revision } from './engine-client.js';

/** The engine's refusals as the HTTP client would report them, so the broker cannot tell the transports apart. */
async function asEngine<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    // The HTTP client relays any refusal with the engine's code; only the code matters to the broker.
    if (error instanceof DomainError) throw new EngineApiError(error.code, error.message, 400, error.details);
    throw error;
  }
}

async function acceptedMime(bytes: Uint8Array): Promise<string> {
  const mime = await sniffMime(bytes);
  if (!mime) throw new EngineApiError('UNSUPPORTED_FILE_TYPE', 'The file is not one of the accepted types.', 415);
  return mime;
}

/**
 * The engine side of this very process, called directly: S1/S2 on the SignatureService and files on the
 * FileStore, with the same checks the HTTP routes apply (patch schema, only our own `/file/<id>` URIs,
 * PDF/PNG content), minus the loopback HTTP, JSON and multipart round trips.
 */
export class InProcessEngine implements EngineApi {
  constructor(
    private readonly signatures: SignatureService,
    private readonly files: FileStore,
    private readonly uris: FileUris,
  ) {}

  getSignature(id: string): Promise<Signature> {
    return asEngine(() => this.signatures.get(id));
  }

  putSignature(id: string, patch: SignaturePatch): Promise<Signature> {
    return asEngine(() => this.signatures.update(id, validateSignaturePatch(structuredClone(patch))));
  }

  async downloadFile(uri: string): Promise<Uint8Array> {
    const id = this.uris.fileIdOf(uri);
    if (!id) throw new EngineApiError('URI_NOT_ALLOWED', "Only files of this service's FileAPI are read.", 400);
    const file = await this.files.get(id);
    if (!file) throw new EngineApiError('FILE_DOWNLOAD_FAILED', `Downloading /file/${id} failed: no such file.`, 404);
    return new Uint8Array(await this.files.readBytes(file));
  }

  async uploadFile(bytes: Uint8Array, name: string): Promise<{ id: string; uri: string }> {
    const stored = await this.files.putBytes(bytes, { name, mime: await acceptedMime(bytes) });
    return { id: stored.id, uri: this.uris.forFile(stored.id) };
  }

  /** The revision's file row goes into the S2's own commit (its bytes are durable before): one commit, not two. */
  async commitRevision(
    signatureId: string,
    pdf: Uint8Array,
    name: string,
    patchFor: (revision: Revision) => SignaturePatch,
  ): Promise<CommittedRevision> {
    return this.files.putBytesWith(pdf, { name, mime: await acceptedMime(pdf) }, async (file) => {
      const revision = { id: file.id, uri: this.uris.forFile(file.id) };
      const patch = validateSignaturePatch(structuredClone(patchFor(revision)));
      return { revision, signature: await asEngine(() => this.signatures.update(signatureId, patch, 's2', file)) };
    });
  }
}
