import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DomainError } from '../errors.js';
import { Semaphore } from '../util/semaphore.js';

const CACHE_LIMIT = 64;

/**
 * First-look previews of a PDF page as PNG, rendered by poppler's pdftoppm (72 dpi-ish, enough to
 * recognise the document) and kept in a small LRU cache keyed by revision (its uri) and page.
 * At most `concurrency` pdftoppm run at once; a few more wait, beyond that `503 PREVIEW_BUSY`.
 * Concurrent requests for the same page of the same revision share one rendering.
 */
export class PagePreviewer {
  private readonly cache = new Map<string, Buffer>();
  private readonly inFlight = new Map<string, Promise<Buffer>>();
  private readonly slots: Semaphore;

  constructor(concurrency = 2, queueLimit = 16) {
    this.slots = new Semaphore(
      concurrency,
      queueLimit,
      () => new DomainError('PREVIEW_BUSY', 'Too many previews are being rendered; try again shortly.'),
    );
  }

  async render(pdf: Uint8Array, key: string, page: number, dpi = 80): Promise<Buffer> {
    const cacheKey = `${key}#${page}@${dpi}`;
    const hit = this.cache.get(cacheKey);
    if (hit) {
      this.cache.delete(cacheKey);
      this.cache.set(cacheKey, hit);
      return hit;
    }
    const shared = this.inFlight.get(cacheKey);
    if (shared) return shared;
    const rendering = this.slots.run(() => this.renderUncached(pdf, cacheKey, page, dpi));
    this.inFlight.set(cacheKey, rendering);
    try {
      return await rendering;
    } finally {
      this.inFlight.delete(cacheKey);
    }
  }

  private async renderUncached(pdf: Uint8Array, cacheKey: string, page: number, dpi: number): Promise<Buffer> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'preview-'));
    try {
      const input = path.join(dir, 'in.pdf');
      await fs.writeFile(input, pdf);
      await new Promise<void>((resolve, reject) => {
        execFile(
          'pdftoppm',
          ['-png', '-r', String(dpi), '-singlefile', '-f', String(page), '-l', String(page), input, path.join(dir, 'out')],
          { timeout: 20_000 },
          (error) => (error ? reject(error) : resolve()),
        );
      });
      const png = await fs.readFile(path.join(dir, 'out.png'));
      this.cache.set(cacheKey, png);
      if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
      return png;
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
}
