import type { Signature, SignaturePatch } from '../signature/schema.js';
import { type CommittedRevision, commitRevision, type EngineApi, type Revision } from './engine-client.js';

/**
 * An engine client that remembers the bytes of files it just wrote or read (FileAPI files never change
 * under their id), up to a byte budget: the stamp after a stamp, the page after a stamp, and the
 * preview do not download again what this process already holds.
 */
export class RecentFilesEngine implements EngineApi {
  private readonly bytes = new Map<string, Uint8Array>();
  private held = 0;

  constructor(
    readonly inner: EngineApi,
    private readonly budgetBytes = 64 * 1024 * 1024,
  ) {}

  getSignature(id: string): Promise<Signature> {
    return this.inner.getSignature(id);
  }

  putSignature(id: string, patch: SignaturePatch): Promise<Signature> {
    return this.inner.putSignature(id, patch);
  }

  async downloadFile(uri: string): Promise<Uint8Array> {
    const key = keyOf(uri);
    const hit = this.bytes.get(key);
    if (hit) {
      this.bytes.delete(key);
      this.bytes.set(key, hit);
      return hit;
    }
    const bytes = await this.inner.downloadFile(uri);
    this.remember(key, bytes);
    return bytes;
  }

  async uploadFile(bytes: Uint8Array, name: string): Promise<{ id: string; uri: string }> {
    const stored = await this.inner.uploadFile(bytes, name);
    this.remember(keyOf(stored.uri), bytes);
    return stored;
  }

  async commitRevision(
    signatureId: string,
    pdf: Uint8Array,
    name: string,
    patchFor: (revision: Revision) => SignaturePatch,
  ): Promise<CommittedRevision> {
    const committed = await commitRevision(this.inner, signatureId, pdf, name, patchFor);
    this.remember(keyOf(committed.revision.uri), pdf);
    return committed;
  }

  private remember(key: string, bytes: Uint8Array): void {
    if (bytes.byteLength > this.budgetBytes / 4 || this.bytes.has(key)) return;
    this.bytes.set(key, bytes);
    this.held += bytes.byteLength;
    for (const [oldest, value] of this.bytes) {
      if (this.held <= this.budgetBytes) break;
      this.bytes.delete(oldest);
      this.held -= value.byteLength;
    }
  }
}

/** Keyed by the exact URI, so a URI the inner client would refuse is never answered from memory. */
const keyOf = (uri: string) => uri;
