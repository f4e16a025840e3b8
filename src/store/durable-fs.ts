import fs from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** fsyncs a directory so a rename or unlink inside it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// The whole durable write (mkdir, temp file, write, fsync, rename, fsync of the directory) as one job
// on a writer thread: done with promises on the event loop it is ten thread-pool round trips, which
// cost a stamp more than the two fsyncs themselves. Plain CommonJS so it runs the same from source and build.
const WRITER_SOURCE = `
const fs = require('node:fs');
const path = require('node:path');
const { parentPort } = require('node:worker_threads');
function syncData(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    // Gone: SQLite removes its WAL only after checkpointing it into the (synced) database file.
    if (error && error.code === 'ENOENT') return;
    throw error;
  }
  try {
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
function sameSize(file, size) {
  try {
    return fs.statSync(file).size === size;
  } catch {
    return false;
  }
}
function syncDirectory(dir) {
  const fd = fs.openSync(dir, 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}
// mkdir -p made 'created' and everything below it down to 'dir': each new entry is durable only once
// the directory holding it is synced ('dir' itself is synced after the rename).
function syncNewDirs(created, dir) {
  syncDirectory(path.dirname(created));
  for (let d = path.dirname(dir); d.length >= created.length && d.startsWith(created); d = path.dirname(d)) syncDirectory(d);
}
parentPort.on('message', ({ id, target, temp, bytes, sync, keepExisting }) => {
  if (sync) {
    try {
      syncData(sync);
      parentPort.postMessage({ id });
    } catch (error) {
      parentPort.postMessage({ id, message: String(error && error.message), code: error && error.code });
    }
    return;
  }
  const dir = path.dirname(target);
  try {
    if (keepExisting && sameSize(target, bytes.length)) {
      parentPort.postMessage({ id });
      return;
    }
    let fd;
    try {
      fd = fs.openSync(temp, 'w', 0o600);
    } catch (error) {
      if (!error || error.code !== 'ENOENT') throw error;
      // The directory is missing (usually it exists: one syscall saved per write).
      const created = fs.mkdirSync(dir, { recursive: true });
      if (created) syncNewDirs(created, dir);
      fd = fs.openSync(temp, 'w', 0o600);
    }
    try {
      for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
    syncDirectory(dir);
    parentPort.postMessage({ id });
  } catch (error) {
    try { fs.rmSync(temp, { force: true }); } catch {}
    parentPort.postMessage({ id, message: String(error && error.message), code: error && error.code });
  }
});
`;

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

class DurableWriter {
  private worker: Worker | undefined;
  private online: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  write(target: string, temp: string, bytes: Uint8Array, keepExisting: boolean): Promise<void> {
    return this.post({ target, temp, bytes, keepExisting });
  }

  syncData(file: string): Promise<void> {
    return this.post({ sync: file });
  }

  private post(job: { target: string; temp: string; bytes: Uint8Array; keepExisting: boolean } | { sync: string }): Promise<void> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ id, ...job });
    });
  }

  /** Starts the thread now (service start) rather than inside the first write a user waits for. */
  start(): Promise<void> {
    this.ensureWorker();
    return this.online!;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WRITER_SOURCE, { eval: true });
    this.online = new Promise<void>((resolve, reject) => {
      worker.once('online', resolve);
      worker.once('error', reject);
    });
    this.online.catch(() => undefined);
    worker.unref();
    worker.on('message', ({ id, message, code }: { id: number; message?: string; code?: string }) => {
      const entry = this.pending.get(id);
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
      if (!entry) return;
      if (message === undefined) entry.resolve();
      else entry.reject(Object.assign(new Error(message), code ? { code } : {}));
    });
    const fail = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const entry of this.pending.values()) entry.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the durable-write thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }
}

const writer = new DurableWriter();
let started: Promise<void> | undefined;

/** Starts the durable-write thread ahead of the first write (idempotent). */
export function startDurableWriter(): Promise<void> {
  started ??= writer.start().catch((error: unknown) => {
    started = undefined;
    throw error;
  });
  return started;
}

/**
 * Writes bytes to `target` atomically: temp file in the same directory, fsync, rename, fsync dir (and
 * the parents of directories it had to create). `keepExisting`: a file already there with the same
 * size is kept (content-addressed blobs), checked on the writer thread in the same job.
 */
export async function writeFileDurably(target: string, bytes: Uint8Array, options: { keepExisting?: boolean } = {}): Promise<void> {
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`);
  await writer.write(target, temp, bytes, options.keepExisting ?? false);
}

/** fdatasyncs an existing file on the writer thread (the event loop never waits on the disk); a missing file is a no-op. */
export function syncFileData(file: string): Promise<void> {
  return writer.syncData(file);
}
