// Parses PDF values and indirect objects at byte offsets, with @cantoo/pdf-lib's object parser,
// plus the fixed-format bits around them (object headers, object stream indexes).
import { PDFContext, PDFObject, PDFObjectParser, PDFRawStream } from '@cantoo/pdf-lib';
import { isPdfWhitespace, latin1 } from './bytes.js';
import { get, numberOf } from './pdf-values.js';
import { PdfLimitError } from './errors.js';
import type { WorkBudget } from './limits.js';
import { decodeStreamData } from './stream-data.js';

export class ObjectParser {
  private readonly context = PDFContext.create();

  /** The value starting at `offset` of `bytes`; throws on malformed syntax. */
  parseValueAt(bytes: Uint8Array, offset: number): PDFObject {
    return PDFObjectParser.forBytes(bytes.subarray(offset), this.context).parseObject();
  }

  tryParseValueAt(bytes: Uint8Array, offset: number): PDFObject | undefined {
    try {
      return this.parseValueAt(bytes, offset);
    } catch {
      return undefined;
    }
  }

  /** `N G obj <value>` at `offset`; undefined when there is no object header there. */
  parseIndirectObjectAt(bytes: Uint8Array, offset: number): { objectNumber: number; value: PDFObject } | undefined {
    const cursor = new Cursor(bytes, offset);
    cursor.skipWhitespace();
    const objectNumber = cursor.integer();
    cursor.integer();
    cursor.skipWhitespace();
    if (!cursor.keyword('obj')) return undefined;
    return { objectNumber, value: this.parseValueAt(bytes, cursor.offset) };
  }

  tryParseIndirectObjectAt(bytes: Uint8Array, offset: number): { objectNumber: number; value: PDFObject } | undefined {
    try {
      return this.parseIndirectObjectAt(bytes, offset);
    } catch {
      return undefined;
    }
  }
}

export interface ObjectStreamIndex {
  data: Uint8Array;
  objectNumbers: number[];
  offsets: number[];
}

export function readObjectStreamIndex(stream: PDFRawStream, budget: WorkBudget): ObjectStreamIndex {
  const count = numberOf(get(stream.dict, 'N')) ?? 0;
  const first = numberOf(get(stream.dict, 'First')) ?? 0;
  const { maxObjectStreamObjects } = budget.limits;
  if (count > maxObjectStreamObjects)
    throw new PdfLimitError('maxObjectStreamObjects', maxObjectStreamObjects, `an object stream declares ${count} objects`);
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(first) || first < 0)
    throw new Error('object stream with invalid /N or /First');
  const data = decodeStreamData(stream, budget);
  const cursor = new Cursor(data, 0);
  const objectNumbers: number[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) {
    objectNumbers.push(cursor.integer());
    offsets.push(first + cursor.integer());
  }
  return { data, objectNumbers, offsets };
}

export /** Minimal tokenizer for the fixed-format parts of a PDF (cross-reference tables, object headers). */
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
