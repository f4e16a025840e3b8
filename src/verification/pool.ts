// A small pool of verification worker threads. Each job has a deadline; a worker that passes it
// (or runs out of its memory limit) is terminated and replaced, and the caller gets a clear error.
// Jobs beyond the queue limit are refused at once (503 VERIFY_QUEUE_FULL) instead of piling up.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { VerifyLimits, VerifyReport } from '@infoplus/pdf-verify';
import { VerifyError } from './errors.js';
import type { RevocationSettings, VerifyJob, VerifyJobResult } from './verify-worker.js';

export interface VerifyPoolOptions {
  workers: number;
  /** A job's limit once a worker has it (queue wait not counted). */
  timeoutMs: number;
  queueLimit: number;
  /** Old-generation heap limit of each worker thread, MiB. */
  maxMemoryMb: number;
  limits?: Partial<VerifyLimits>;
  log?: Logger;
}

export interface VerifyRequest {
  trustAnchorsPem: string[];
  expectedCms?: (Uint8Array | null)[];
  now?: Date;
  revocation?: RevocationSettings;
}

/** What the rest of the service needs of a verifier: the pool, or verifyPdf itself in tests. */
export interface PdfVerifier {
  verify(pdf: Uint8Array, request: VerifyRequest): Promise<VerifyReport>;
}

interface Job {
  id: number;
  message: VerifyJob;
  resolve(report: VerifyReport): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  startFailed?: boolean;
  job?: Job;
  timer?: NodeJS.Timeout;
}

const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(`./verify-worker${RUNNING_FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url);
/** Under tsx (development, tests) the worker registers tsx's loader before importing its TypeScript entry. */
const SOURCE_BOOTSTRAP = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
const RESPAWN_DELAY_MS = 1000;

export class VerifyPool implements PdfVerifier {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: VerifyPoolOptions) {
    for (let i = 0; i < options.workers; i++) this.slots.push(this.spawn());
  }

  /** Jobs waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  verify(pdf: Uint8Array, request: VerifyRequest): Promise<VerifyReport> {
    if (this.closed)
      return Promise.reject(new VerifyError('VERIFY_POOL_CLOSED', 'The verifier is shutting down; please try again shortly.'));
    if (this.queue.length >= this.options.queueLimit) {
      return Promise.reject(new VerifyError('VERIFY_QUEUE_FULL', 'The verifier is busy right now; please try again in a moment.'));
    }
    return new Promise<VerifyReport>((resolve, reject) => {
      const id = this.nextId++;
      const message: VerifyJob = {
        id,
        pdf,
        trustAnchorsPem: request.trustAnchorsPem,
        expectedCms: request.expectedCms,
        limits: this.options.limits,
        now: request.now?.getTime(),
        revocation: request.revocation,
      };
      this.queue.push({ id, message, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0))
      job.reject(new VerifyError('VERIFY_POOL_CLOSED', 'The verifier is shutting down; please try again shortly.'));
    await Promise.all(
      this.slots.map((slot) =>
        this.retire(slot, new VerifyError('VERIFY_POOL_CLOSED', 'The verifier is shutting down; please try again shortly.')),
      ),
    );
  }

  private spawn(): Slot {
    const worker = new Worker(RUNNING_FROM_SOURCE ? SOURCE_BOOTSTRAP : WORKER_URL, {
      eval: RUNNING_FROM_SOURCE,
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxMemoryMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
    });
    const slot: Slot = { worker, ready: false };
    worker.on('message', (message: VerifyJobResult | { ready: true }) => {
      if ('ready' in message) {
        slot.ready = true;
        this.dispatch();
        return;
      }
      const job = slot.job;
      if (!job || job.id !== message.id) return;
      this.finish(slot);
      if (message.ok) job.resolve(message.report);
      else
        job.reject(
          new VerifyError(
            message.error.code as VerifyError['code'],
            readableMessage(message.error),
            message.error.limit ? { limit: message.error.limit, max: message.error.max ?? 0 } : undefined,
          ),
        );
      this.dispatch();
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const job = slot.job;
      if (job) {
        this.finish(slot);
        job.reject(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new VerifyError(
                'PDF_LIMIT_EXCEEDED',
                `Verifying this PDF needs more memory than allowed (${this.options.maxMemoryMb} MiB).`,
                { limit: 'maxMemoryMb', max: this.options.maxMemoryMb },
              )
            : new VerifyError('VERIFY_FAILED', 'The verifier stopped unexpectedly on this PDF.'),
        );
      }
      if (!slot.ready) {
        // A worker that cannot even start would fail every job: say so instead of letting them wait.
        for (const queued of this.queue.splice(0)) queued.reject(new VerifyError('VERIFY_FAILED', 'The verifier could not start.'));
        slot.startFailed = true;
      }
      this.options.log?.warn({ err: error }, 'verification worker failed; replacing it');
    });
    worker.on('exit', () => this.replace(slot));
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.ready || slot.job) continue;
      const job = this.queue.shift() as Job;
      slot.job = job;
      slot.timer = setTimeout(() => {
        this.options.log?.warn({ timeoutMs: this.options.timeoutMs }, 'verification passed its deadline; terminating the worker');
        void this.retire(
          slot,
          new VerifyError('VERIFY_TIMEOUT', `The PDF could not be verified within ${this.options.timeoutMs / 1000} s; it is too complex.`),
        );
      }, this.options.timeoutMs);
      slot.worker.postMessage(job.message);
    }
  }

  private finish(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.job = undefined;
  }

  /** Ends a worker (its job, if any, fails with `error`); the exit handler starts a new one. */
  private async retire(slot: Slot, error: VerifyError): Promise<void> {
    const job = slot.job;
    this.finish(slot);
    job?.reject(error);
    slot.ready = false;
    await slot.worker.terminate();
  }

  private replace(slot: Slot): void {
    const job = slot.job;
    this.finish(slot);
    job?.reject(new VerifyError('VERIFY_FAILED', 'The verifier stopped unexpectedly on this PDF.'));
    if (this.closed || !this.slots.includes(slot)) return;
    const respawn = () => {
      const index = this.slots.indexOf(slot);
      if (index >= 0 && !this.closed) this.slots[index] = this.spawn();
    };
    if (slot.startFailed) setTimeout(respawn, RESPAWN_DELAY_MS).unref();
    else respawn();
  }
}

function readableMessage(error: { code: string; message: string }): string {
  if (error.code === 'PDF_UNREADABLE') return `The PDF cannot be read: ${error.message}`;
  if (error.code === 'PDF_LIMIT_EXCEEDED') return `The PDF needs more work to verify than allowed: ${error.message}`;
  return error.message;
}
