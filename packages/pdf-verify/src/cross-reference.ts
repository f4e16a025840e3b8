// Cross-reference sections: classic `xref` tables (with the /XRefStm of hybrid files) and
// cross-reference streams. Each section is read once and cached by offset.
import { PDFDict, PDFRawStream } from '@cantoo/pdf-lib';
import { Cursor, type ObjectParser } from './object-parser.js';
import { get, isArray, nameOf, numberOf } from './pdf-values.js';
import { rethrowLimit } from './errors.js';
import type { WorkBudget } from './limits.js';
import { decodeStreamData } from './stream-data.js';

export type XrefEntry = { kind: 'free' } | { kind: 'offset'; offset: number } | { kind: 'compressed'; stream: number; index: number };

export interface XrefSection {
  entries: Map<number, XrefEntry>;
  trailer: PDFDict;
  /** Offsets of older sections (/Prev). */
  next: number[];
}

export class CrossReferenceSections {
  private readonly sections = new Map<number, XrefSection | Error>();

  constructor(
    private readonly bytes: Uint8Array,
    private readonly parser: ObjectParser,
    private readonly budget: WorkBudget,
  ) {}

  /** The section at `offset`, or the Error that explains why there is none. */
  get(offset: number): XrefSection | Error {
    let section = this.sections.get(offset);
    if (!section) {
      try {
        const cursor = new Cursor(this.bytes, offset);
        cursor.skipWhitespace();
        section = cursor.keyword('xref') ? this.readTable(cursor) : this.readStream(offset);
      } catch (error) {
        rethrowLimit(error);
        section = error instanceof Error ? error : new Error(String(error));
      }
      this.sections.set(offset, section);
    }
    return section;
  }

  private readTable(cursor: Cursor): XrefSection {
    const entries = new Map<number, XrefEntry>();
    for (;;) {
      cursor.skipWhitespace();
      if (cursor.keyword('trailer')) break;
      const first = cursor.integer();
      const count = cursor.integer();
      for (let i = 0; i < count; i++) {
        // Counted as read, not as claimed: a damaged count runs out of bytes first (and the table is rebuilt).
        if (i % 4096 === 4095) this.budget.addXrefEntries(4096);
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
    const trailer = this.parser.parseValueAt(this.bytes, cursor.offset);
    if (!(trailer instanceof PDFDict)) throw new Error('Cross-reference table without a trailer dictionary');
    const next: number[] = [];
    const hybridStream = numberOf(get(trailer, 'XRefStm'));
    if (hybridStream !== undefined) {
      const streamSection = this.get(hybridStream);
      if (!(streamSection instanceof Error)) {
        for (const [objectNumber, entry] of streamSection.entries) if (!entries.has(objectNumber)) entries.set(objectNumber, entry);
      }
    }
    const prev = numberOf(get(trailer, 'Prev'));
    if (prev !== undefined) next.push(prev);
    return { entries, trailer, next };
  }

  private readStream(offset: number): XrefSection {
    const parsed = this.parser.parseIndirectObjectAt(this.bytes, offset);
    const stream = parsed?.value;
    if (!(stream instanceof PDFRawStream) || nameOf(get(stream.dict, 'Type')) !== 'XRef') {
      throw new Error(`No cross-reference table or stream at offset ${offset}`);
    }
    const dict = stream.dict;
    const widths = get(dict, 'W');
    if (!isArray(widths) || widths.size() < 3) throw new Error('Cross-reference stream without /W');
    const [typeWidth, fieldWidth, indexWidth] = [0, 1, 2].map((i) => numberOf(widths.get(i)) ?? -1);
    if (![typeWidth, fieldWidth, indexWidth].every((width) => Number.isInteger(width) && width >= 0 && width <= 8) || fieldWidth === 0) {
      throw new Error('Cross-reference stream with invalid /W');
    }
    const size = numberOf(get(dict, 'Size')) ?? 0;
    const indexArray = get(dict, 'Index');
    const ranges: number[] = isArray(indexArray) ? indexArray.asArray().map((value) => numberOf(value) ?? 0) : [0, size];
    const data = decodeStreamData(stream, this.budget);
    const entryWidth = typeWidth + fieldWidth + indexWidth;
    const readField = (at: number, width: number) => {
      let value = 0;
      for (let i = 0; i < width; i++) value = value * 256 + data[at + i];
      return value;
    };
    const entries = new Map<number, XrefEntry>();
    let at = 0;
    this.budget.addXrefEntries(Math.floor(data.length / entryWidth));
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
}
