import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { syncDir, writeFileDurably } from '../durable-fs.js';
import type { BlobStore } from './blob-store.js';

/** Blobs as files `DATA_DIR/blobs/ab/<sha256>`, written atomically and fsynced (the embedded default). */
export class LocalBlobStore implements BlobStore {
  readonly kind = 'local';
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'blobs');
  }

  /** Makes the 256 fan-out directories once, so no blob write has to create (and sync) a directory. */
  async init(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    const present = new Set(await fsp.readdir(this.dir));
    const missing = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')).filter((name) => !present.has(name));
    if (missing.length === 0) return;
    await Promise.all(missing.map((name) => fsp.mkdir(path.join(this.dir, name), { recursive: true })));
    await syncDir(this.dir);
    await syncDir(path.dirname(this.dir));
  }

  private pathOf(sha256: string): string {
    return path.join(this.dir, sha256.slice(0, 2), sha256);
  }

  async putFile(sha256: string, _size: number, tempPath: string): Promise<void> {
    const target = this.pathOf(sha256);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    await fsp.rename(tempPath, target);
    await syncDir(path.dirname(target));
  }

  async putBytes(sha256: string, bytes: Uint8Array): Promise<void> {
    await writeFileDurably(this.pathOf(sha256), bytes, { keepExisting: true });
  }

  read(sha256: string): Promise<Buffer> {
    return fsp.readFile(this.pathOf(sha256));
  }

  stream(sha256: string): Readable {
    return fs.createReadStream(this.pathOf(sha256));
  }

  async delete(sha256: string): Promise<void> {
    await fsp.rm(this.pathOf(sha256), { force: true });
  }
}
