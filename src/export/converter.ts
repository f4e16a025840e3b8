import path from 'node:path';
import type { Logger } from 'pino';
import { createOfficePool, type Converter, type ConvertOptions, type OfficePool } from './office/index.js';
import { DomainError } from '../errors.js';

export interface ConverterSettings {
  workers: number;
  queueLimit: number;
  conversionTimeoutMs: number;
  start: 'eager' | 'lazy';
  dataDir: string;
  logger: Logger;
}

/**
 * The service's LibreOffice pool, started at start-up (`eager`, the default: the first export is
 * fast) or on the first conversion (`lazy`: services that never export never start soffice).
 */
export class ServiceConverter implements Converter {
  private pool: Promise<OfficePool> | null = null;
  private started: OfficePool | null = null;
  private closed = false;

  constructor(private readonly settings: ConverterSettings) {}

  async start(): Promise<void> {
    if (this.settings.start === 'eager') await this.get();
  }

  private get(): Promise<OfficePool> {
    if (this.closed) return Promise.reject(new DomainError('POOL_CLOSED', 'The conversion service is shutting down.'));
    this.pool ??= createOfficePool({
      workers: this.settings.workers,
      queueLimit: this.settings.queueLimit,
      conversionTimeoutMs: this.settings.conversionTimeoutMs,
      workDir: path.join(this.settings.dataDir, 'office'),
      logger: this.settings.logger,
    })
      .then((pool) => (this.started = pool))
      .catch((error) => {
        this.pool = null;
        throw error;
      });
    return this.pool;
  }

  async convert(docx: Buffer, options?: ConvertOptions): Promise<Buffer> {
    const pool = await this.get();
    options?.onStarted?.();
    return pool.convert(docx, options);
  }

  async healthCheck(): Promise<boolean> {
    return this.pool ? (await this.pool).healthCheck() : true;
  }

  stats(): ReturnType<Converter['stats']> {
    return this.started?.stats() ?? { workers: 0, busy: 0, queued: 0, converted: 0, restarts: 0, mode: 'pool' };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.pool) await (await this.pool.catch(() => null))?.close();
  }
}
