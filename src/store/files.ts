import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { type Db, isPostgres } from './db.js';
import type { Readable } from 'node:stream';
import type { BlobStore } from './blobs/blob-store.js';
import { LocalBlobStore } from './blobs/local.js';
import type { FilesTable } from './schema.js';
import { newId } from '../util/ids.js';
import { startDurableWriter } from './durable-fs.js';
import { KeyedQueue } from '../util/keyed-queue.js';

/** A file's metadata, as FileAPI names it. */
export interface StoredFile {
  id: string;
  name: string;
  size: number;
  mime: string;
  sha256: string;
  createTime: number;
  lastModified: number;
  tags: string[];
}

/** A file whose row is not written yet; its bytes are durable once `stored` resolves. */
export interface NewFile extends StoredFile {
  stored: Promise<void>;
}

/** A new file's metadata, without the pending write. */
export function storedFileOf(file: NewFile): StoredFile {
  const { stored: _stored, ...metadata } = file;
  return metadata;
}

export type DeleteOutcome = 'deleted' | 'not-found' | 'in-use';

/** The row of a file's metadata (the inverse of toStoredFile). */
export function fileRow(file: StoredFile): FilesTable {
  return {
    id: file.id,
    sha256: file.sha256,
    name: file.name,
    size: file.size,
    mime: file.mime,
    create_time: file.createTime,
    last_modified: file.lastModified,
    tags: JSON.stringify(file.tags),
  };
}

function toStoredFile(row: FilesTable): StoredFile {
  return {
    id: row.id,
    name: row.name,
    size: Number(row.size),
    mime: row.mime,
    sha256: row.sha256,
    createTime: Number(row.create_time),
    lastModified: Number(row.last_modified),
    tags: JSON.parse(row.tags) as string[],
  };
}

function newFile(meta: { name: string; mime: string; sha256: string; size: number; tags?: string[] }): StoredFile {
  const now = Date.now();
  return {
    id: newId(),
    sha256: meta.sha256,
    name: meta.name,
    size: meta.size,
    mime: meta.mime,
    createTime: now,
    lastModified: now,
    tags: meta.tags ?? [],
  };
}

/**
 * Content-addressed file store: bytes live once per sha256 in a blob store (a directory, or
 * PostgreSQL), metadata rows in the database (several ids may share one blob). Blob operations on one
 * digest are serialised in this process so a delete never removes a blob another upload is adopting;
 * across instances the PostgreSQL blob store keeps a freshly adopted blob for a grace period.
 */
export class FileStore {
  readonly tempDir: string;
  private readonly digestQueue = new KeyedQueue();

  constructor(
    private readonly db: Db,
    dataDir: string,
    readonly blobs: BlobStore = new LocalBlobStore(dataDir),
  ) {
    this.tempDir = path.join(dataDir, 'tmp');
  }

  async init(): Promise<void> {
    await startDurableWriter();
    await this.blobs.init();
    await fs.mkdir(this.tempDir, { recursive: true });
    // Leftovers of uploads interrupted by a crash.
    for (const entry of await fs.readdir(this.tempDir)) await fs.rm(path.join(this.tempDir, entry), { recursive: true, force: true });
  }

  /** Adopts an already-written, fsynced temp file (from an upload) as a new file. */
  async adoptTempFile(
    tempPath: string,
    meta: { name: string; mime: string; sha256: string; size: number; tags?: string[] },
  ): Promise<StoredFile> {
    return this.digestQueue.run(meta.sha256, async () => {
      await this.blobs.putFile(meta.sha256, meta.size, tempPath);
      return this.insertRow(meta);
    });
  }

  /** Stores bytes produced by the service itself (rendered or signed PDFs, seal images). */
  async putBytes(bytes: Uint8Array, meta: { name: string; mime: string }): Promise<StoredFile> {
    return this.putBytesWith(bytes, meta, async (file) => {
      await file.stored;
      return this.insert(storedFileOf(file));
    });
  }

  /**
   * Stores bytes produced by the service and hands the new file to `commit`, which inserts its row
   * (`fileRow`) in the transaction of the write that first references it: one commit instead of two.
   * The blob is being written meanwhile: `commit` may prepare its write but must await `stored` before
   * the row goes in (a row never names a blob that is not on disk). While `commit` runs no delete of
   * the same content can remove the blob. A `commit` that fails or rolls back leaves no row (the
   * content-addressed blob may stay).
   */
  async putBytesWith<T>(bytes: Uint8Array, meta: { name: string; mime: string }, commit: (file: NewFile) => Promise<T>): Promise<T> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return this.digestQueue.run(sha256, async () => {
      const stored = this.blobs.putBytes(sha256, bytes);
      stored.catch(() => undefined); // awaited by commit, and below
      try {
        return await commit({ ...newFile({ ...meta, sha256, size: bytes.byteLength }), stored });
      } finally {
        await stored.catch(() => undefined);
      }
    });
  }

  private insertRow(meta: { name: string; mime: string; sha256: string; size: number; tags?: string[] }): Promise<StoredFile> {
    return this.insert(newFile(meta));
  }

  private async insert(file: StoredFile): Promise<StoredFile> {
    await this.db.insertInto('files').values(fileRow(file)).execute();
    return file;
  }

  async get(id: string): Promise<StoredFile | undefined> {
    const row = await this.db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toStoredFile(row) : undefined;
  }

  async readBytes(file: StoredFile): Promise<Buffer> {
    return this.blobs.read(file.sha256);
  }

  openStream(file: StoredFile): Readable {
    return this.blobs.stream(file.sha256);
  }

  async isReferenced(id: string): Promise<boolean> {
    const row = await this.db.selectFrom('signature_files').select('signature_id').where('file_id', '=', id).executeTakeFirst();
    return row !== undefined;
  }

  async delete(id: string): Promise<DeleteOutcome> {
    const file = await this.get(id);
    if (!file) return 'not-found';
    return this.digestQueue.run(file.sha256, async () => {
      const outcome = await this.db.transaction().execute(async (trx) => {
        // PostgreSQL: lock the row, so a Signature adding a reference meanwhile waits (see SignatureRepository).
        if (isPostgres(this.db)) await trx.selectFrom('files').select('id').where('id', '=', id).forUpdate().execute();
        const ref = await trx.selectFrom('signature_files').select('signature_id').where('file_id', '=', id).executeTakeFirst();
        if (ref) return 'in-use' as const;
        const result = await trx.deleteFrom('files').where('id', '=', id).executeTakeFirst();
        return Number(result.numDeletedRows) > 0 ? ('deleted' as const) : ('not-found' as const);
      });
      if (outcome === 'deleted') {
        const sharing = await this.db.selectFrom('files').select('id').where('sha256', '=', file.sha256).executeTakeFirst();
        // An uploaded template may have the same bytes (its blob is keyed by sha256 too).
        const template = sharing
          ? undefined
          : await this.db.selectFrom('templates').select('name').where('sha256', '=', file.sha256).executeTakeFirst();
        if (!sharing && !template) await this.blobs.delete(file.sha256);
      }
      return outcome;
    });
  }
}
