/**
 * A warm LibreOffice conversion pool: DOCX (or any Writer document) bytes → PDF bytes.
 *
 * Each worker is a resident soffice.bin listening on a named pipe plus one resident python3-uno
 * converter talking to it over UNO (Carbone's model): a one-page form converts in ~50–60 ms instead of
 * the ~1.5 s `libreoffice-convert` needs to start soffice per document. Jobs wait in a bounded FIFO
 * queue; each worker runs one job at a time.
 *
 * Errors (OfficeError, with a string `code`):
 * - CONVERT_QUEUE_FULL: the queue holds `queueLimit` waiting jobs, or a job waited longer than
 *   `queueTimeoutMs` for a worker (both mean "overloaded, retry later").
 * - CONVERT_TIMEOUT: a worker took longer than the job's timeout (counted from when the worker took it);
 *   that worker's process groups are killed and it is restarted.
 * - CONVERT_FAILED: the input is not a convertible document, LibreOffice reported an error, or a worker
 *   process died during the job (then it is restarted).
 * - POOL_CLOSED: convert() after (or during) close().
 *
 * One pool per workDir: it owns `<workDir>/profile-<n>` (recreated at start), `<workDir>/tmp` and
 * `<workDir>/converter.py`.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { CONVERTER_PY } from './converter-script.js';
import { notConvertible, OfficeError, poolClosed, queueFull, unavailable } from './errors.js';
import { FallbackRunner } from './fallback.js';
import { HEALTH_DOC, HEALTH_EXT } from './health-doc.js';
import { prepareProfile } from './profile.js';
import { networkIsolation } from './network-isolation.js';
import { OfficeWorker } from './worker.js';

export { OfficeError, type OfficeErrorCode } from './errors.js';

export interface ConvertOptions {
  timeoutMs?: number;
  /** Called when a worker starts on it (a queued converter reports it from another process). */
  onStarted?: () => void;
}

export interface Converter {
  /** DOCX (or any Writer document) → PDF bytes. Throws errors with a string `code` property (see below). */
  convert(docx: Buffer, options?: ConvertOptions): Promise<Buffer>;
  /** Converts a tiny built-in document; resolves true when a worker answers correctly. */
  healthCheck(): Promise<boolean>;
  stats(): { workers: number; busy: number; queued: number; converted: number; restarts: number; mode: 'pool' | 'fallback' | 'queue' };
  /** Kills every worker process group; no soffice.bin or python process left behind (no zombies). */
  close(): Promise<void>;
}

/** The Converter plus diagnostics (used by tests and health endpoints). */
export interface OfficePool extends Converter {
  /** The pids of every live worker process (soffice.bin and python). */
  pids(): number[];
  /** Per worker slot: its state ('starting', 'idle', 'busy', 'dead', 'restarting') and its processes' pids. */
  processes(): Array<{ worker: number; state: string; soffice?: number; python?: number }>;
}

export interface OfficePoolOptions {
  /** Default: os.availableParallelism(). */
  workers?: number;
  /** Jobs allowed to wait for a worker (default 64); beyond that convert() rejects with CONVERT_QUEUE_FULL. */
  queueLimit?: number;
  /** Default 30000, measured from when a worker takes the job (separate from queue wait). */
  conversionTimeoutMs?: number;
  /** Default 60000: a job that waited that long for a worker rejects with CONVERT_QUEUE_FULL. */
  queueTimeoutMs?: number;
  /** Default 200 conversions, then the worker is restarted (between jobs). */
  recycleAfter?: number;
  /** Default 1024: a worker whose soffice.bin RSS exceeds it is restarted (between jobs). */
  maxRssMb?: number;
  /** A directory the pool may use for profiles and temp files (e.g. <DATA_DIR>/office). */
  workDir: string;
  logger?: Logger;
  /** Default true: if no worker can start, use libreoffice-convert and log a warning saying so. */
  fallback?: boolean;
  /** Default /usr/lib/libreoffice/program/soffice.bin (not the oosplash `soffice` wrapper). */
  sofficeBinary?: string;
  /** A python3 with the `uno` module; default Debian's /usr/bin/python3 (python3-uno). */
  python?: string;
  /** Default 30000: bound for a worker to start and answer its health conversion. */
  startTimeoutMs?: number;
}

type Runner = OfficeWorker | FallbackRunner;

interface Job {
  input: Buffer;
  ext: string;
  timeoutMs: number;
  health: boolean;
  resolve: (pdf: Buffer) => void;
  reject: (error: unknown) => void;
  queueTimer?: NodeJS.Timeout;
}

interface Slot {
  index: number;
  profileDir: string;
  profileUrl: string;
  worker?: Runner;
  generation: number;
  failures: number;
  /** A job of this slot is running or being finished (recycle decision pending). */
  running: boolean;
  retryTimer?: NodeJS.Timeout;
}

let poolSeq = 0;

class WarmOfficePool implements OfficePool {
  private mode: 'pool' | 'fallback' = 'pool';
  private readonly queue: Job[] = [];
  private readonly slots: Slot[] = [];
  /** Every worker not yet killed, including ones being replaced. */
  private readonly live = new Set<Runner>();
  private closed = false;
  private closing?: Promise<void>;
  private ready = false;
  private lastStartError?: string;
  private converted = 0;
  private restarts = 0;
  private readonly id = ++poolSeq;
  private readonly log: Logger;
  private readonly workers: number;
  private readonly queueLimit: number;
  private readonly conversionTimeoutMs: number;
  private readonly queueTimeoutMs: number;
  private readonly recycleAfter: number;
  private readonly maxRssMb: number;
  private readonly startTimeoutMs: number;
  private readonly workDir: string;
  private readonly tmpDir: string;
  private readonly scriptPath: string;

  constructor(private readonly options: OfficePoolOptions) {
    this.log = options.logger ?? pino({ enabled: false });
    this.workers = positive(options.workers, os.availableParallelism(), 'workers');
    this.queueLimit = nonNegative(options.queueLimit, 64, 'queueLimit');
    this.conversionTimeoutMs = positive(options.conversionTimeoutMs, 30_000, 'conversionTimeoutMs');
    this.queueTimeoutMs = positive(options.queueTimeoutMs, 60_000, 'queueTimeoutMs');
    this.recycleAfter = positive(options.recycleAfter, 200, 'recycleAfter');
    this.maxRssMb = positive(options.maxRssMb, 1024, 'maxRssMb');
    this.startTimeoutMs = positive(options.startTimeoutMs, 30_000, 'startTimeoutMs');
    if (!options.workDir) throw new TypeError('createOfficePool: workDir is required');
    this.workDir = path.resolve(options.workDir);
    this.tmpDir = path.join(this.workDir, 'tmp');
    this.scriptPath = path.join(this.workDir, 'converter.py');
  }

  async init(): Promise<void> {
    await fs.mkdir(this.workDir, { recursive: true });
    await fs.rm(this.tmpDir, { recursive: true, force: true });
    await fs.mkdir(this.tmpDir, { recursive: true });
    await fs.writeFile(this.scriptPath, CONVERTER_PY);
    for (let index = 0; index < this.workers; index++) {
      const profileDir = path.join(this.workDir, `profile-${index}`);
      this.slots.push({ index, profileDir, profileUrl: '', generation: 0, failures: 0, running: false });
    }
    await Promise.all(this.slots.map(async (slot) => (slot.profileUrl = await prepareProfile(slot.profileDir))));

    const started = Date.now();
    // A worker that fails at once (a busy machine at boot, a profile still being written) is tried
    // again until the start bound has passed, before the pool gives up or falls back.
    let anyReady = await this.firstReady();
    while (!anyReady && !this.closed && Date.now() - started < this.startTimeoutMs) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      anyReady = await this.firstReady();
    }
    if (anyReady) {
      this.ready = true;
      for (const slot of this.slots) if (!slot.worker && !slot.retryTimer) this.scheduleRetry(slot);
      this.log.info({ workers: this.workers, ms: Date.now() - started, workDir: this.workDir }, 'LibreOffice pool ready');
      return;
    }
    if (this.options.fallback === false) {
      await this.close();
      throw unavailable(`no LibreOffice worker could start (fallback disabled): ${this.lastStartError ?? 'unknown error'}`);
    }
    this.mode = 'fallback';
    this.ready = true;
    for (const slot of this.slots) {
      const runner = new FallbackRunner(slot.index, this.tmpDir, this.workDir);
      await runner.init();
      slot.worker = runner;
      this.live.add(runner);
    }
    this.log.warn(
      { workers: this.workers, cause: this.lastStartError },
      'No LibreOffice pool worker could start: converting with libreoffice-convert instead, which starts LibreOffice for every document (much slower). Check that soffice.bin and python3-uno are installed.',
    );
  }

  /** Starts every slot; true as soon as one is ready, false when all failed. */
  private firstReady(): Promise<boolean> {
    const attempts = this.slots.map((slot) => this.startSlot(slot));
    return new Promise<boolean>((resolve) => {
      let left = attempts.length;
      for (const attempt of attempts) void attempt.then((ok) => (ok ? resolve(true) : --left === 0 && resolve(false)));
    });
  }

  convert(docx: Buffer, options?: { timeoutMs?: number }): Promise<Buffer> {
    if (this.closed) return Promise.reject(poolClosed());
    const input = Buffer.isBuffer(docx)
      ? docx
      : Buffer.from((docx as Uint8Array).buffer, (docx as Uint8Array).byteOffset, (docx as Uint8Array).byteLength);
    if (input.length === 0) return Promise.reject(notConvertible('empty input'));
    const timeoutMs = options?.timeoutMs ?? this.conversionTimeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) return Promise.reject(new TypeError('convert: timeoutMs must be a positive number'));
    return this.enqueue(input, '.docx', timeoutMs, false);
  }

  async healthCheck(): Promise<boolean> {
    if (this.closed) return false;
    try {
      const pdf = await this.enqueue(HEALTH_DOC, HEALTH_EXT, this.conversionTimeoutMs, true);
      return pdf.subarray(0, 5).toString('latin1') === '%PDF-';
    } catch (error) {
      this.log.warn({ err: error }, 'LibreOffice health check failed');
      return false;
    }
  }

  stats(): { workers: number; busy: number; queued: number; converted: number; restarts: number; mode: 'pool' | 'fallback' } {
    let workers = 0;
    let busy = 0;
    for (const slot of this.slots) {
      const state = slot.worker?.state;
      if (state === 'idle' || state === 'busy') workers++;
      if (state === 'busy') busy++;
    }
    return { workers, busy, queued: this.queue.length, converted: this.converted, restarts: this.restarts, mode: this.mode };
  }

  /** Test and diagnostics hook: the pids of every live worker process (soffice.bin and python). */
  pids(): number[] {
    return [...this.live].flatMap((worker) => worker.pids());
  }

  /** Test and diagnostics hook: per worker slot, its state and the pids of its soffice.bin and python converter. */
  processes(): Array<{ worker: number; state: string; soffice?: number; python?: number }> {
    return this.slots.map((slot) => ({
      worker: slot.index,
      state: slot.worker?.state ?? 'restarting',
      ...(slot.worker?.processes() ?? {}),
    }));
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) {
      clearTimeout(job.queueTimer);
      job.reject(poolClosed());
    }
    for (const slot of this.slots) clearTimeout(slot.retryTimer);
    // Workers still starting are in `live` too; kill() waits for every child's exit (reaped: no zombies).
    while (this.live.size) {
      const workers = [...this.live];
      await Promise.all(
        workers.map(async (worker) => {
          await worker.kill();
          this.live.delete(worker);
        }),
      );
    }
    await fs.rm(this.tmpDir, { recursive: true, force: true }).catch(() => undefined);
    this.log.info({ converted: this.converted, restarts: this.restarts }, 'LibreOffice pool closed');
  }

  private enqueue(input: Buffer, ext: string, timeoutMs: number, health: boolean): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      if (!health && this.queue.length >= this.queueLimit && !this.idleWorker()) {
        reject(queueFull(`${this.queue.length} jobs waiting`));
        return;
      }
      const job: Job = { input, ext, timeoutMs, health, resolve, reject };
      job.queueTimer = setTimeout(() => {
        const at = this.queue.indexOf(job);
        if (at < 0) return;
        this.queue.splice(at, 1);
        this.log.warn({ waitedMs: this.queueTimeoutMs }, 'conversion waited too long for a LibreOffice worker');
        reject(queueFull(`waited ${this.queueTimeoutMs} ms for a worker`));
      }, this.queueTimeoutMs);
      this.queue.push(job);
      this.dispatch();
    });
  }

  private idleWorker(): Slot | undefined {
    return this.slots.find((slot) => !slot.running && slot.worker?.state === 'idle');
  }

  private dispatch(): void {
    if (this.closed) return;
    while (this.queue.length) {
      const slot = this.idleWorker();
      if (!slot?.worker) return;
      const job = this.queue.shift() as Job;
      clearTimeout(job.queueTimer);
      slot.running = true;
      void this.run(slot, slot.worker, job);
    }
  }

  private async run(slot: Slot, worker: Runner, job: Job): Promise<void> {
    const started = performance.now();
    try {
      const pdf = await worker.convert(job.input, job.ext, job.timeoutMs);
      if (!job.health) this.converted++;
      job.resolve(pdf);
    } catch (error) {
      const coded = error instanceof OfficeError ? error : undefined;
      this.log.warn(
        { worker: slot.index, code: coded?.code, detail: coded?.detail ?? String(error), ms: Math.round(performance.now() - started) },
        'conversion failed',
      );
      job.reject(this.closed ? poolClosed() : error);
    }
    try {
      if (this.closed || slot.worker !== worker || !(worker instanceof OfficeWorker)) return;
      // Decided before the slot is released, so a recycle never hits a job that was just dispatched.
      let reason: string | undefined;
      if (worker.state === 'dead') reason = 'the worker timed out or crashed';
      else if (worker.conversions >= this.recycleAfter) reason = `recycled after ${worker.conversions} conversions`;
      else {
        const rss = worker.rssMb();
        if (rss !== undefined && rss > this.maxRssMb)
          reason = `recycled: soffice.bin uses ${Math.round(rss)} MB (limit ${this.maxRssMb} MB)`;
      }
      if (reason) void this.replace(slot, reason);
    } finally {
      slot.running = false;
      this.dispatch();
    }
  }

  /** Kills the slot's worker (if any) and starts a new one. */
  private async replace(slot: Slot, reason: string): Promise<void> {
    const old = slot.worker;
    slot.worker = undefined;
    this.restarts++;
    this.log.info({ worker: slot.index, reason }, 'restarting LibreOffice worker');
    if (old) {
      await old.kill();
      this.live.delete(old);
    }
    await this.startSlot(slot);
  }

  /** Starts a worker in the slot; true when it answered its health conversion. */
  private async startSlot(slot: Slot): Promise<boolean> {
    if (this.closed) return false;
    slot.retryTimer = undefined;
    if (slot.failures >= 2) slot.profileUrl = await prepareProfile(slot.profileDir).catch(() => slot.profileUrl);
    if (this.closed) return false;
    slot.generation++;
    const worker = new OfficeWorker({
      index: slot.index,
      sofficeBinary: this.options.sofficeBinary ?? '/usr/lib/libreoffice/program/soffice.bin',
      python: this.options.python ?? '/usr/bin/python3',
      scriptPath: this.scriptPath,
      profileUrl: slot.profileUrl,
      tmpDir: this.tmpDir,
      pipeName: `lopool_${process.pid}_${this.id}_${slot.index}_${slot.generation}`,
      startTimeoutMs: this.startTimeoutMs,
      logger: this.log,
      isolation: networkIsolation(this.log),
    });
    slot.worker = worker;
    this.live.add(worker);
    const started = Date.now();
    try {
      await worker.start();
    } catch (error) {
      await worker.kill();
      this.live.delete(worker);
      if (slot.worker === worker) slot.worker = undefined;
      slot.failures++;
      this.lastStartError = error instanceof Error ? error.message : String(error);
      this.log.warn(
        { worker: slot.index, failures: slot.failures, err: error instanceof Error ? error.message : String(error) },
        'LibreOffice worker could not start',
      );
      if (this.ready && !this.closed && this.mode === 'pool') this.scheduleRetry(slot);
      return false;
    }
    if (this.closed || slot.worker !== worker) {
      await worker.kill();
      this.live.delete(worker);
      return false;
    }
    slot.failures = 0;
    worker.onIdleDeath = (reason) => {
      if (slot.worker === worker && !this.closed) void this.replace(slot, reason);
    };
    this.log.debug({ worker: slot.index, pids: worker.processes(), ms: Date.now() - started }, 'LibreOffice worker ready');
    this.dispatch();
    return true;
  }

  private scheduleRetry(slot: Slot): void {
    if (this.closed || slot.retryTimer) return;
    const delay = Math.min(30_000, 1000 * 2 ** Math.min(slot.failures, 5));
    slot.retryTimer = setTimeout(() => void this.startSlot(slot), delay);
    slot.retryTimer.unref();
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`createOfficePool: ${name} must be a positive number`);
  return value;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`createOfficePool: ${name} must be zero or more`);
  return value;
}

/**
 * Starts the workers in parallel and resolves once one of them has converted its health document (the
 * others keep starting in the background). If none can start within `startTimeoutMs` (~30 s), falls back to
 * libreoffice-convert with a logged warning (mode 'fallback'), or rejects with CONVERT_FAILED when
 * `fallback: false`.
 */
export async function createOfficePool(options: OfficePoolOptions): Promise<OfficePool> {
  const pool = new WarmOfficePool(options);
  await pool.init();
  return pool;
}
