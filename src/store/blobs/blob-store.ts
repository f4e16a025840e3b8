import type { Readable } from 'node:stream';

/**
 * Where file bytes live, addressed by their sha256. The metadata (ids, names, references) stays in
 * the database; several file ids may share one blob. Implementations: `LocalBlobStore` (a directory,
 * the embedded default) and `PostgresBlobStore` (chunked rows, shared by every instance). An
 * S3-compatible store would implement the same six methods (see the README).
 */
export interface BlobStore {
  readonly kind: string;
  init(): Promise<void>;
  /** Stores the bytes of an already written, fsynced temp file whose digest is known; idempotent. */
  putFile(sha256: string, size: number, tempPath: string): Promise<void>;
  /** Stores bytes produced in memory; idempotent. */
  putBytes(sha256: string, bytes: Uint8Array): Promise<void>;
  read(sha256: string): Promise<Buffer>;
  /** The bytes as a stream (large files are never held in memory whole). */
  stream(sha256: string): Readable;
  /** Removes a blob no file row names any more (the caller checked); a blob adopted moments ago is kept. */
  delete(sha256: string): Promise<void>;
}
