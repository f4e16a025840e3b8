// Bounds on the work one verification may do. Every input is untrusted: these numbers make a
// hostile PDF fail fast with a named limit instead of hanging or exhausting memory.
import { PdfLimitError } from './errors.js';

export interface VerifyLimits {
  /** Largest decoded size of one stream (Flate, LZW, ... output), bytes. */
  maxStreamBytes: number;
  /** Largest decoded size of all streams of one verification together, bytes. */
  maxTotalDecodedBytes: number;
  /** Most revisions (incremental updates, i.e. `startxref … %%EOF` markers) one file may have. */
  maxRevisions: number;
  /** Most cross-reference entries of all sections together. */
  maxXrefEntries: number;
  /** Most cross-reference sections one revision's /Prev chain may have. */
  maxXrefSections: number;
  /** Most objects one object stream may declare (/N). */
  maxObjectStreamObjects: number;
  /** Deepest nesting of arrays and dictionaries (and of trees: pages, fields) that is followed. */
  maxNesting: number;
  /** Most signatures that are checked cryptographically. */
  maxSignatures: number;
}

export const DEFAULT_LIMITS: VerifyLimits = Object.freeze({
  maxStreamBytes: 16 * 1024 * 1024,
  maxTotalDecodedBytes: 64 * 1024 * 1024,
  maxRevisions: 1000,
  maxXrefEntries: 4_000_000,
  maxXrefSections: 1000,
  maxObjectStreamObjects: 100_000,
  maxNesting: 256,
  maxSignatures: 500,
});

export function resolveLimits(overrides: Partial<VerifyLimits> | undefined): VerifyLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(overrides ?? {}) as [keyof VerifyLimits, unknown][]) {
    if (!(key in DEFAULT_LIMITS)) throw new TypeError(`unknown verifier limit ${key}`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
      throw new TypeError(`verifier limit ${key} must be a positive integer`);
    limits[key] = value;
  }
  return limits;
}

/** Counts the work of one verification against its limits. */
export class WorkBudget {
  private decodedBytes = 0;
  private xrefEntries = 0;

  constructor(readonly limits: VerifyLimits) {}

  /** Call with each chunk a decoder produces; throws once a stream or the total is too large. */
  addDecoded(streamBytesSoFar: number, chunkLength: number): void {
    this.decodedBytes += chunkLength;
    if (streamBytesSoFar > this.limits.maxStreamBytes) {
      throw new PdfLimitError('maxStreamBytes', this.limits.maxStreamBytes, 'a stream decodes to more bytes than allowed');
    }
    if (this.decodedBytes > this.limits.maxTotalDecodedBytes) {
      throw new PdfLimitError('maxTotalDecodedBytes', this.limits.maxTotalDecodedBytes, 'the streams decode to more bytes than allowed');
    }
  }

  addXrefEntries(count: number): void {
    this.xrefEntries += count;
    if (this.xrefEntries > this.limits.maxXrefEntries) {
      throw new PdfLimitError('maxXrefEntries', this.limits.maxXrefEntries, 'the cross-reference data has more entries than allowed');
    }
  }

  checkNesting(depth: number): void {
    if (depth > this.limits.maxNesting)
      throw new PdfLimitError('maxNesting', this.limits.maxNesting, 'values are nested deeper than allowed');
  }
}
