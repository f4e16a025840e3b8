// A PDF read as a sequence of revisions. Each incremental update ends with `startxref N %%EOF`;
// revision r is the file prefix up to its %%EOF and has its own object table, built by following
// that revision's cross-reference chain (classic tables, cross-reference streams, hybrids).
// Objects are parsed lazily and cached by their physical location, so an object shared by several
// revisions is parsed once.
import { PDFDict, PDFObject, PDFRawStream, PDFRef } from '@cantoo/pdf-lib';
import { asciiBytes, indexOfBytes, isPdfWhitespace, latin1 } from './bytes.js';
import { CrossReferenceSections, type XrefEntry } from './cross-reference.js';
import { PdfLimitError, PdfParseError, rethrowLimit } from './errors.js';
import { DEFAULT_LIMITS, WorkBudget } from './limits.js';
import { ObjectParser, readObjectStreamIndex, type ObjectStreamIndex } from './object-parser.js';
import { get, isRef, nameOf } from './pdf-values.js';
import { scanReferences } from './reference-scan.js';

export type { XrefEntry };

export interface Revision {
  /** 1-based position in the file. */
  index: number;
  /** Offset just past this revision's `%%EOF` marker. */
  eofMarkerEnd: number;
  /** Offset where the next revision starts (past the end-of-line after `%%EOF`). */
  end: number;
  table: Map<number, XrefEntry>;
  root?: PDFRef;
  info?: PDFRef;
  encrypted: boolean;
  /** The cross-reference data was unusable and the table was rebuilt by scanning for objects. */
  reconstructed: boolean;
}

const EOF_MARKER = asciiBytes('%%EOF');
const STARTXREF = 'startxref';

export class PdfFile {
  readonly revisions: Revision[];
  private readonly parser = new ObjectParser();
  private readonly sections: CrossReferenceSections;
  private readonly objects = new Map<string, PDFObject | null>();
  private readonly objectStreams = new Map<string, ObjectStreamIndex | null>();
  private readonly references = new Map<string, number[]>();
  private scannedObjects?: Map<number, number[]>;

  constructor(
    readonly bytes: Uint8Array,
    readonly budget: WorkBudget = new WorkBudget(DEFAULT_LIMITS),
  ) {
    this.sections = new CrossReferenceSections(bytes, this.parser, budget);
    if (indexOfBytes(bytes.subarray(0, 1024), asciiBytes('%PDF-')) < 0) {
      throw new PdfParseError('Not a PDF: no %PDF- header in the first 1024 bytes');
    }
    this.revisions = this.readRevisions();
    const last = this.revisions[this.revisions.length - 1];
    if (!last?.root) throw new PdfParseError('Not a readable PDF: no document catalog (/Root) found');
  }

  get lastRevision(): Revision {
    return this.revisions[this.revisions.length - 1];
  }

  /** The object a reference (or object number) points to in a revision; undefined when absent. */
  resolve(revision: Revision, ref: PDFRef | number): PDFObject | undefined {
    const objectNumber = typeof ref === 'number' ? ref : ref.objectNumber;
    const key = this.locationKey(revision, objectNumber);
    if (key === undefined) return undefined;
    let value = this.objects.get(key);
    if (value === undefined) {
      value = this.loadObject(revision, objectNumber) ?? null;
      this.objects.set(key, value);
    }
    return value ?? undefined;
  }

  /** The value itself, or what it points to when it is a reference. */
  deref(revision: Revision, value: PDFObject | undefined): PDFObject | undefined {
    return isRef(value) ? this.resolve(revision, value) : value;
  }

  /**
   * Where an object lives in a revision, as a string. Equal keys in two revisions mean the very
   * same bytes define the object in both (earlier bytes never move in an incremental update).
   */
  locationKey(revision: Revision, objectNumber: number): string | undefined {
    const entry = revision.table.get(objectNumber);
    if (!entry || entry.kind === 'free') return undefined;
    if (entry.kind === 'offset') return `@${entry.offset}`;
    const container = revision.table.get(entry.stream);
    return container?.kind === 'offset' ? `@${container.offset}#${entry.index}` : undefined;
  }

  /** Object numbers that the object refers to (in its dictionary or value, not in stream data). */
  referencesOf(revision: Revision, objectNumber: number): number[] {
    const key = this.locationKey(revision, objectNumber);
    if (key === undefined) return [];
    let references = this.references.get(key);
    if (!references) {
      references = [];
      const entry = revision.table.get(objectNumber);
      if (entry?.kind === 'offset') scanReferences(this.bytes, entry.offset, this.bytes.length, references);
      if (entry?.kind === 'compressed') {
        const index = this.objectStreamIndex(revision, entry.stream);
        const start = index?.offsets[entry.index];
        if (index && start !== undefined) {
          const end = index.offsets.filter((offset) => offset > start).reduce((a, b) => Math.min(a, b), index.data.length);
          scanReferences(index.data, start, end, references);
        }
      }
      this.references.set(key, references);
    }
    return references;
  }

  // ---------------------------------------------------------------------------------------------
  // Revisions and cross-reference data

  private readRevisions(): Revision[] {
    const candidates = this.findEofMarkers();
    const { maxRevisions } = this.budget.limits;
    if (candidates.length > maxRevisions) {
      throw new PdfLimitError('maxRevisions', maxRevisions, `the file has ${candidates.length} revisions (startxref … %%EOF markers)`);
    }
    const revisions: Revision[] = [];
    for (const candidate of candidates) {
      const table = this.readXrefChain(candidate.startxref, candidate.markerStart);
      if (!table) continue; // e.g. the first-page section of a linearized file
      revisions.push({
        index: revisions.length + 1,
        eofMarkerEnd: candidate.markerEnd,
        end: candidate.end,
        ...table,
        reconstructed: false,
      });
    }
    const lastCandidate = candidates[candidates.length - 1];
    const lastRevision = revisions[revisions.length - 1];
    if (!lastRevision || lastRevision.eofMarkerEnd !== (lastCandidate?.markerEnd ?? -1) || !lastRevision.root) {
      // The final cross-reference data is missing or broken: rebuild the final state by scanning.
      const end = lastCandidate?.end ?? this.bytes.length;
      revisions.push({
        index: revisions.length + 1,
        eofMarkerEnd: lastCandidate?.markerEnd ?? this.bytes.length,
        end,
        ...this.reconstructTable(end),
        reconstructed: true,
      });
    }
    return revisions;
  }

  private findEofMarkers(): { startxref: number; markerStart: number; markerEnd: number; end: number }[] {
    const markers = [];
    for (let at = indexOfBytes(this.bytes, EOF_MARKER); at >= 0; at = indexOfBytes(this.bytes, EOF_MARKER, at + 1)) {
      const startxref = this.startxrefBefore(at);
      if (startxref === undefined || startxref <= 0 || startxref >= at) continue;
      const markerEnd = at + EOF_MARKER.length;
      let end = markerEnd;
      if (this.bytes[end] === 0x0d) end++;
      if (this.bytes[end] === 0x0a) end++;
      markers.push({ startxref, markerStart: at, markerEnd, end });
    }
    return markers;
  }

  /** Reads `startxref <digits>` backwards from a `%%EOF` marker. */
  private startxrefBefore(markerStart: number): number | undefined {
    let i = markerStart - 1;
    while (i >= 0 && isPdfWhitespace(this.bytes[i])) i--;
    const digitsEnd = i + 1;
    while (i >= 0 && this.bytes[i] >= 0x30 && this.bytes[i] <= 0x39) i--;
    if (i + 1 === digitsEnd) return undefined;
    const digits = latin1(this.bytes, i + 1, digitsEnd);
    while (i >= 0 && isPdfWhitespace(this.bytes[i])) i--;
    if (latin1(this.bytes, i + 1 - STARTXREF.length, i + 1) !== STARTXREF) return undefined;
    return Number(digits);
  }

  /** Merges a revision's cross-reference chain, newest entries first. Undefined when broken. */
  private readXrefChain(startxref: number, limit: number): Omit<Revision, 'index' | 'eofMarkerEnd' | 'end' | 'reconstructed'> | undefined {
    const table = new Map<number, XrefEntry>();
    const trailers: PDFDict[] = [];
    const pending = [startxref];
    const seen = new Set<number>();
    while (pending.length > 0) {
      const offset = pending.shift() as number;
      if (seen.has(offset)) continue; // a /Prev loop
      if (seen.size >= this.budget.limits.maxXrefSections) {
        throw new PdfLimitError(
          'maxXrefSections',
          this.budget.limits.maxXrefSections,
          'a cross-reference /Prev chain is longer than allowed',
        );
      }
      seen.add(offset);
      if (offset >= limit) return undefined;
      const section = this.sections.get(offset);
      if (section instanceof Error) return undefined;
      this.budget.addXrefEntries(section.entries.size);
      for (const [objectNumber, entry] of section.entries) if (!table.has(objectNumber)) table.set(objectNumber, entry);
      trailers.push(section.trailer);
      pending.unshift(...section.next);
    }
    const first = (key: string) => trailers.map((trailer) => get(trailer, key)).find((value) => value !== undefined);
    const root = first('Root');
    const info = first('Info');
    return { table, root: isRef(root) ? root : undefined, info: isRef(info) ? info : undefined, encrypted: first('Encrypt') !== undefined };
  }

  /**
   * Rebuilds an object table for the prefix `[0, end)` by scanning for `N G obj` headers. The
   * definition furthest into the file wins; an object inside an object stream counts as defined
   * where its object stream is.
   */
  private reconstructTable(end: number): Omit<Revision, 'index' | 'eofMarkerEnd' | 'end' | 'reconstructed'> {
    const table = new Map<number, XrefEntry>();
    const definedAt = new Map<number, number>();
    for (const [objectNumber, offsets] of this.scanObjects()) {
      const before = offsets.filter((offset) => offset < end);
      const last = before[before.length - 1];
      if (last === undefined) continue;
      table.set(objectNumber, { kind: 'offset', offset: last });
      definedAt.set(objectNumber, last);
    }
    const trailers: { at: number; dict: PDFDict }[] = [];
    const text = latin1(this.bytes, 0, end);
    for (const match of text.matchAll(/trailer\s*<</g)) {
      const trailer = this.parser.tryParseValueAt(this.bytes, match.index + 'trailer'.length);
      if (trailer instanceof PDFDict) trailers.push({ at: match.index, dict: trailer });
    }
    const partial: Revision = { index: 0, eofMarkerEnd: end, end, table, encrypted: false, reconstructed: true };
    for (const [objectNumber, entry] of [...table]) {
      if (entry.kind !== 'offset') continue;
      const value = this.parser.tryParseIndirectObjectAt(this.bytes, entry.offset)?.value;
      if (!(value instanceof PDFRawStream)) continue;
      const type = nameOf(get(value.dict, 'Type'));
      if (type === 'XRef') trailers.push({ at: entry.offset, dict: value.dict });
      if (type === 'ObjStm') {
        this.objectStreamIndex(partial, objectNumber)?.objectNumbers.forEach((contained, i) => {
          if ((definedAt.get(contained) ?? -1) >= entry.offset) return;
          table.set(contained, { kind: 'compressed', stream: objectNumber, index: i });
          definedAt.set(contained, entry.offset);
        });
      }
    }
    let root: PDFRef | undefined;
    let info: PDFRef | undefined;
    let encrypted = false;
    for (const { dict } of trailers.sort((a, b) => a.at - b.at)) {
      const rootRef = get(dict, 'Root');
      const infoRef = get(dict, 'Info');
      if (isRef(rootRef)) root = rootRef;
      if (isRef(infoRef)) info = infoRef;
      if (get(dict, 'Encrypt') !== undefined) encrypted = true;
    }
    if (!root) {
      for (const objectNumber of table.keys()) {
        const value = this.resolve(partial, objectNumber);
        if (value instanceof PDFDict && nameOf(get(value, 'Type')) === 'Catalog') root = PDFRef.of(objectNumber);
      }
    }
    return { table, root, info, encrypted };
  }

  /** Every `N G obj` header in the file, as object number → offsets in file order. */
  private scanObjects(): Map<number, number[]> {
    if (!this.scannedObjects) {
      this.scannedObjects = new Map();
      const text = latin1(this.bytes);
      for (const match of text.matchAll(/(?<![0-9])(\d{1,10})[\0\t\n\f\r ]+(\d{1,5})[\0\t\n\f\r ]+obj\b/g)) {
        const objectNumber = Number(match[1]);
        const offsets = this.scannedObjects.get(objectNumber) ?? [];
        offsets.push(match.index);
        this.scannedObjects.set(objectNumber, offsets);
      }
    }
    return this.scannedObjects;
  }

  // ---------------------------------------------------------------------------------------------
  // Objects

  private loadObject(revision: Revision, objectNumber: number): PDFObject | undefined {
    const entry = revision.table.get(objectNumber);
    if (!entry || entry.kind === 'free') return undefined;
    if (entry.kind === 'compressed') {
      const index = this.objectStreamIndex(revision, entry.stream);
      if (!index || index.objectNumbers[entry.index] !== objectNumber) return undefined;
      return this.parser.tryParseValueAt(index.data, index.offsets[entry.index]);
    }
    const parsed = this.parser.tryParseIndirectObjectAt(this.bytes, entry.offset);
    if (parsed?.objectNumber === objectNumber) return parsed.value;
    // A wrong offset in the cross-reference data: fall back to the last definition before the revision end.
    const offsets = (this.scanObjects().get(objectNumber) ?? []).filter((offset) => offset < revision.eofMarkerEnd);
    const fallback = offsets[offsets.length - 1];
    return fallback === undefined ? undefined : this.parser.tryParseIndirectObjectAt(this.bytes, fallback)?.value;
  }

  private objectStreamIndex(revision: Revision, streamNumber: number): ObjectStreamIndex | undefined {
    const key = this.locationKey(revision, streamNumber);
    if (key === undefined) return undefined;
    let index = this.objectStreams.get(key);
    if (index === undefined) {
      index = null;
      const stream = this.resolve(revision, streamNumber);
      if (stream instanceof PDFRawStream && nameOf(get(stream.dict, 'Type')) === 'ObjStm') {
        try {
          index = readObjectStreamIndex(stream, this.budget);
        } catch (error) {
          rethrowLimit(error);
          index = null;
        }
      }
      this.objectStreams.set(key, index);
    }
    return index ?? undefined;
  }
}
