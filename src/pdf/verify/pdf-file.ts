// A PDF read as a sequence of revisions. Each incremental update ends with `startxref N %%EOF`;
// revision r is the file prefix up to its %%EOF and has its own object table, built by following
// that revision's cross-reference chain (classic tables, cross-reference streams, hybrids).
// Objects are parsed lazily and cached by their physical location, so an object shared by several
// revisions is parsed once.
import { PDFContext, PDFDict, PDFObject, PDFObjectParser, PDFRawStream, PDFRef } from '@cantoo/pdf-lib';
import { asciiBytes, indexOfBytes, isPdfWhitespace, latin1 } from './bytes.js';
import { PdfParseError } from './errors.js';
import { get, isArray, isRef, nameOf, numberOf } from './pdf-values.js';
import { scanReferences } from './reference-scan.js';
import { decodeStreamData } from './stream-data.js';

export type XrefEntry =
  | { kind: 'free' }
  | { kind: 'offset'; offset: number }
  | { kind: 'compressed'; stream: number; index: number };

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

interface XrefSection {
  entries: Map<number, XrefEntry>;
  trailer: PDFDict;
  /** Offsets of further sections, newest first (/XRefStm of a hybrid file, then /Prev). */
  next: number[];
}

const EOF_MARKER = asciiBytes('%%EOF');
const STARTXREF = 'startxref';
const MAX_SECTIONS_PER_CHAIN = 1000;

export class PdfFile {
  readonly revisions: Revision[];
  private readonly context = PDFContext.create();
  private readonly sections = new Map<number, XrefSection | Error>();
  private readonly objects = new Map<string, PDFObject | null>();
  private readonly objectStreams = new Map<string, ObjectStreamIndex | null>();
  private readonly references = new Map<string, number[]>();
  private scannedObjects?: Map<number, number[]>;

  constructor(readonly bytes: Uint8Array) {
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
    const revisions: Revision[] = [];
    for (const candidate of candidates) {
      const table = this.readXrefChain(candidate.startxref, candidate.markerStart);
      if (!table) continue; // e.g. the first-page section of a linearized file
      revisions.push({ index: revisions.length + 1, eofMarkerEnd: candidate.markerEnd, end: candidate.end, ...table, reconstructed: false });
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
      if (seen.has(offset) || seen.size > MAX_SECTIONS_PER_CHAIN) continue;
      seen.add(offset);
      if (offset >= limit) return undefined;
      const section = this.section(offset);
      if (section instanceof Error) return undefined;
      for (const [objectNumber, entry] of section.entries) if (!table.has(objectNumber)) table.set(objectNumber, entry);
      trailers.push(section.trailer);
      pending.unshift(...section.next);
    }
    const first = (key: string) => trailers.map((trailer) => get(trailer, key)).find((value) => value !== undefined);
    const root = first('Root');
    const info = first('Info');
    return { table, root: isRef(root) ? root : undefined, info: isRef(info) ? info : undefined, encrypted: first('Encrypt') !== undefined };
  }

  private section(offset: number): XrefSection | Error {
    let section = this.sections.get(offset);
    if (!section) {
      try {
        section = this.readSection(offset);
      } catch (error) {
        section = error instanceof Error ? error : new Error(String(error));
      }
      this.sections.set(offset, section);
    }
    return section;
  }

  private readSection(offset: number): XrefSection {
    const cursor = new Cursor(this.bytes, offset);
    cursor.skipWhitespace();
    if (cursor.keyword('xref')) return this.readXrefTable(cursor);
    return this.readXrefStream(offset);
  }

  private readXrefTable(cursor: Cursor): XrefSection {
    const entries = new Map<number, XrefEntry>();
    for (;;) {
      cursor.skipWhitespace();
      if (cursor.keyword('trailer')) break;
      const first = cursor.integer();
      const count = cursor.integer();
      for (let i = 0; i < count; i++) {
        const offset = cursor.integer();
        cursor.integer(); // generation
        cursor.skipWhitespace();
        const type = cursor.byte();
        const objectNumber = first + i;
        if (entries.has(objectNumber)) continue;
        if (type === 0x6e /* n */) entries.set(objectNumber, { kind: 'offset', offset });
        else if (type === 0x66 /* f */) entries.set(objectNumber, { kind: 'free' });
        else throw new Error(`Bad cross-reference entry type at ${cursor.offset - 1}`);
      }
    }
    const trailer = this.parseValueAt(this.bytes, cursor.offset);
    if (!(trailer instanceof PDFDict)) throw new Error('Cross-reference table without a trailer dictionary');
    const next: number[] = [];
    const hybridStream = numberOf(get(trailer, 'XRefStm'));
    if (hybridStream !== undefined) {
      const streamSection = this.section(hybridStream);
      if (!(streamSection instanceof Error)) {
        for (const [objectNumber, entry] of streamSection.entries) if (!entries.has(objectNumber)) entries.set(objectNumber, entry);
      }
    }
    const prev = numberOf(get(trailer, 'Prev'));
    if (prev !== undefined) next.push(prev);
    return { entries, trailer, next };
  }

  private readXrefStream(offset: number): XrefSection {
    const parsed = this.parseIndirectObjectAt(offset);
    const stream = parsed?.value;
    if (!(stream instanceof PDFRawStream) || nameOf(get(stream.dict, 'Type')) !== 'XRef') {
      throw new Error(`No cross-reference table or stream at offset ${offset}`);
    }
    const dict = stream.dict;
    const widths = get(dict, 'W');
    if (!isArray(widths) || widths.size() < 3) throw new Error('Cross-reference stream without /W');
    const [typeWidth, fieldWidth, indexWidth] = [0, 1, 2].map((i) => numberOf(widths.get(i)) ?? 0);
    const size = numberOf(get(dict, 'Size')) ?? 0;
    const indexArray = get(dict, 'Index');
    const ranges: number[] = isArray(indexArray) ? indexArray.asArray().map((value) => numberOf(value) ?? 0) : [0, size];
    const data = decodeStreamData(stream);
    const entryWidth = typeWidth + fieldWidth + indexWidth;
    const readField = (at: number, width: number) => {
      let value = 0;
      for (let i = 0; i < width; i++) value = value * 256 + data[at + i];
      return value;
    };
    const entries = new Map<number, XrefEntry>();
    let at = 0;
    for (let r = 0; r + 1 < ranges.length; r += 2) {
      for (let i = 0; i < ranges[r + 1] && at + entryWidth <= data.length; i++, at += entryWidth) {
        const type = typeWidth === 0 ? 1 : readField(at, typeWidth);
        const field2 = readField(at + typeWidth, fieldWidth);
        const field3 = readField(at + typeWidth + fieldWidth, indexWidth);
        const objectNumber = ranges[r] + i;
        if (type === 0) entries.set(objectNumber, { kind: 'free' });
        else if (type === 1) entries.set(objectNumber, { kind: 'offset', offset: field2 });
        else if (type === 2) entries.set(objectNumber, { kind: 'compressed', stream: field2, index: field3 });
      }
    }
    const prev = numberOf(get(dict, 'Prev'));
    return { entries, trailer: dict, next: prev === undefined ? [] : [prev] };
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
      const trailer = this.tryParseValueAt(this.bytes, match.index + 'trailer'.length);
      if (trailer instanceof PDFDict) trailers.push({ at: match.index, dict: trailer });
    }
    const partial: Revision = { index: 0, eofMarkerEnd: end, end, table, encrypted: false, reconstructed: true };
    for (const [objectNumber, entry] of [...table]) {
      if (entry.kind !== 'offset') continue;
      const value = this.tryParseIndirectObjectAt(entry.offset)?.value;
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
      return this.tryParseValueAt(index.data, index.offsets[entry.index]);
    }
    const parsed = this.tryParseIndirectObjectAt(entry.offset);
    if (parsed?.objectNumber === objectNumber) return parsed.value;
    // A wrong offset in the cross-reference data: fall back to the last definition before the revision end.
    const offsets = (this.scanObjects().get(objectNumber) ?? []).filter((offset) => offset < revision.eofMarkerEnd);
    const fallback = offsets[offsets.length - 1];
    return fallback === undefined ? undefined : this.tryParseIndirectObjectAt(fallback)?.value;
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
          index = readObjectStreamIndex(stream);
        } catch {
          index = null;
        }
      }
      this.objectStreams.set(key, index);
    }
    return index ?? undefined;
  }

  private tryParseIndirectObjectAt(offset: number): { objectNumber: number; value: PDFObject } | undefined {
    try {
      return this.parseIndirectObjectAt(offset);
    } catch {
      return undefined;
    }
  }

  private parseIndirectObjectAt(offset: number): { objectNumber: number; value: PDFObject } | undefined {
    const cursor = new Cursor(this.bytes, offset);
    cursor.skipWhitespace();
    const objectNumber = cursor.integer();
    cursor.integer();
    cursor.skipWhitespace();
    if (!cursor.keyword('obj')) return undefined;
    return { objectNumber, value: this.parseValueAt(this.bytes, cursor.offset) };
  }

  private tryParseValueAt(bytes: Uint8Array, offset: number): PDFObject | undefined {
    try {
      return this.parseValueAt(bytes, offset);
    } catch {
      return undefined;
    }
  }

  private parseValueAt(bytes: Uint8Array, offset: number): PDFObject {
    return PDFObjectParser.forBytes(bytes.subarray(offset), this.context).parseObject();
  }
}

interface ObjectStreamIndex {
  data: Uint8Array;
  objectNumbers: number[];
  offsets: number[];
}

function readObjectStreamIndex(stream: PDFRawStream): ObjectStreamIndex {
  const count = numberOf(get(stream.dict, 'N')) ?? 0;
  const first = numberOf(get(stream.dict, 'First')) ?? 0;
  const data = decodeStreamData(stream);
  const cursor = new Cursor(data, 0);
  const objectNumbers: number[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) {
    objectNumbers.push(cursor.integer());
    offsets.push(first + cursor.integer());
  }
  return { data, objectNumbers, offsets };
}

/** Minimal tokenizer for the fixed-format parts of a PDF (cross-reference tables, object headers). */
class Cursor {
  constructor(
    private readonly bytes: Uint8Array,
    public offset: number,
  ) {}

  skipWhitespace(): void {
    while (this.offset < this.bytes.length) {
      const byte = this.bytes[this.offset];
      if (isPdfWhitespace(byte)) this.offset++;
      else if (byte === 0x25 /* % */) {
        while (this.offset < this.bytes.length && this.bytes[this.offset] !== 0x0a && this.bytes[this.offset] !== 0x0d) this.offset++;
      } else break;
    }
  }

  integer(): number {
    this.skipWhitespace();
    const start = this.offset;
    while (this.bytes[this.offset] >= 0x30 && this.bytes[this.offset] <= 0x39) this.offset++;
    if (this.offset === start) throw new Error(`Expected an integer at offset ${start}`);
    return Number(latin1(this.bytes, start, this.offset));
  }

  keyword(word: string): boolean {
    if (latin1(this.bytes, this.offset, this.offset + word.length) !== word) return false;
    this.offset += word.length;
    return true;
  }

  byte(): number {
    return this.bytes[this.offset++];
  }
}
