// Decoding of stream data with bounded output: Flate through fflate's streaming inflater fed in
// small slices (so a "zip bomb" is stopped after at most one slice's worth of excess output), the
// other filters through pdf-lib's decoders block by block, then the PNG/TIFF predictors that
// pdf-lib does not implement but cross-reference streams rely on. Parameters are validated first:
// a predictor with zero columns once made this loop forever.
import { Unzlib } from 'fflate';
import { decodePDFRawStream, PDFArray, PDFContext, PDFDict, PDFName, PDFRawStream } from '@cantoo/pdf-lib';
import { rethrowLimit } from './errors.js';
import type { WorkBudget } from './limits.js';
import { get, nameOf, numberOf } from './pdf-values.js';

/** Flate input is fed this many bytes at a time; deflate expands at most ~1032:1 per slice. */
const FLATE_SLICE = 1024;
const MAX_PREDICTOR_COLUMNS = 1 << 20;
const MAX_COLORS = 32;
const BITS_PER_COMPONENT = new Set([1, 2, 4, 8, 16]);

export class StreamDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamDecodeError';
  }
}

interface DecoderStream {
  eof: boolean;
  bufferLength: number;
  buffer: Uint8Array;
  readBlock(): void;
}

const filterContext = PDFContext.create();

export function decodeStreamData(stream: PDFRawStream, budget: WorkBudget): Uint8Array {
  const filters = filterList(get(stream.dict, 'Filter'));
  const parms = parmsList(get(stream.dict, 'DecodeParms') ?? get(stream.dict, 'DP'), filters.length);
  let data: Uint8Array = stream.contents;
  filters.forEach((filter, i) => {
    data = filter === 'FlateDecode' || filter === 'Fl' ? inflate(data, budget) : decodeWithPdfLib(filter, data, parms[i], budget);
    if (filter === 'FlateDecode' || filter === 'Fl' || filter === 'LZWDecode' || filter === 'LZW') data = undoPredictor(data, parms[i]);
  });
  return data;
}

function filterList(value: unknown): string[] {
  if (value === undefined) return [];
  const single = nameOf(value);
  if (single !== undefined) return [single];
  if (value instanceof PDFArray) {
    if (value.size() > 8) throw new StreamDecodeError('more than 8 filters on one stream');
    return value.asArray().map((entry) => {
      const name = nameOf(entry);
      if (name === undefined) throw new StreamDecodeError('/Filter entry is not a name');
      return name;
    });
  }
  throw new StreamDecodeError('/Filter is neither a name nor an array');
}

function parmsList(value: unknown, count: number): (PDFDict | undefined)[] {
  if (value instanceof PDFDict)
    return count === 1 ? [value] : Array.from({ length: count }, (_, i) => (i === count - 1 ? value : undefined));
  if (value instanceof PDFArray)
    return Array.from({ length: count }, (_, i) => {
      const entry = i < value.size() ? value.get(i) : undefined;
      return entry instanceof PDFDict ? entry : undefined;
    });
  return Array.from({ length: count }, () => undefined);
}

function inflate(input: Uint8Array, budget: WorkBudget): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const inflater = new Unzlib((chunk) => {
    total += chunk.length;
    budget.addDecoded(total, chunk.length);
    chunks.push(chunk);
  });
  try {
    for (let at = 0; at < input.length; at += FLATE_SLICE) {
      inflater.push(input.subarray(at, Math.min(input.length, at + FLATE_SLICE)), at + FLATE_SLICE >= input.length);
    }
    if (input.length === 0) inflater.push(input, true);
  } catch (error) {
    rethrowLimit(error);
    // Writers leave truncated or checksum-less Flate data; keep what inflated, as readers do.
    if (total === 0) throw new StreamDecodeError(`Flate data unreadable: ${error instanceof Error ? error.message : String(error)}`);
  }
  return concat(chunks, total);
}

function decodeWithPdfLib(filter: string, input: Uint8Array, parms: PDFDict | undefined, budget: WorkBudget): Uint8Array {
  const dict = filterContext.obj({});
  dict.set(PDFName.of('Filter'), PDFName.of(filter));
  if (parms) dict.set(PDFName.of('DecodeParms'), parms);
  let decoder: DecoderStream;
  try {
    decoder = decodePDFRawStream(PDFRawStream.of(dict, input)) as unknown as DecoderStream;
  } catch (error) {
    throw new StreamDecodeError(`unsupported filter ${filter}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof decoder.readBlock !== 'function') return input;
  let seen = 0;
  while (!decoder.eof) {
    decoder.readBlock();
    budget.addDecoded(decoder.bufferLength, decoder.bufferLength - seen);
    seen = decoder.bufferLength;
  }
  return decoder.buffer.subarray(0, decoder.bufferLength);
}

function undoPredictor(data: Uint8Array, params: PDFDict | undefined): Uint8Array {
  const predictor = numberOf(get(params, 'Predictor')) ?? 1;
  if (predictor <= 1) return data;
  const columns = numberOf(get(params, 'Columns')) ?? 1;
  const colors = numberOf(get(params, 'Colors')) ?? 1;
  const bits = numberOf(get(params, 'BitsPerComponent')) ?? 8;
  if (!Number.isInteger(columns) || columns < 1 || columns > MAX_PREDICTOR_COLUMNS)
    throw new StreamDecodeError(`predictor /Columns ${columns} out of range`);
  if (!Number.isInteger(colors) || colors < 1 || colors > MAX_COLORS)
    throw new StreamDecodeError(`predictor /Colors ${colors} out of range`);
  if (!BITS_PER_COMPONENT.has(bits)) throw new StreamDecodeError(`predictor /BitsPerComponent ${bits} invalid`);
  if (predictor === 2) return undoTiffPredictor(data, columns, colors, bits);
  if (predictor >= 10 && predictor <= 15) {
    return undoPngPredictor(data, columns, colors, bits);
  }
  throw new StreamDecodeError(`unknown /Predictor ${predictor}`);
}

function undoPngPredictor(data: Uint8Array, columns: number, colors: number, bits: number): Uint8Array {
  const bytesPerPixel = Math.max(1, Math.ceil((colors * bits) / 8));
  const rowLength = Math.ceil((columns * colors * bits) / 8);
  const rows = Math.floor(data.length / (rowLength + 1));
  const out = new Uint8Array(rows * rowLength);
  for (let row = 0; row < rows; row++) {
    const filter = data[row * (rowLength + 1)];
    const src = row * (rowLength + 1) + 1;
    const dst = row * rowLength;
    for (let i = 0; i < rowLength; i++) {
      const raw = data[src + i];
      const left = i >= bytesPerPixel ? out[dst + i - bytesPerPixel] : 0;
      const up = row > 0 ? out[dst - rowLength + i] : 0;
      const upLeft = row > 0 && i >= bytesPerPixel ? out[dst - rowLength + i - bytesPerPixel] : 0;
      let value: number;
      switch (filter) {
        case 1:
          value = raw + left;
          break;
        case 2:
          value = raw + up;
          break;
        case 3:
          value = raw + ((left + up) >> 1);
          break;
        case 4:
          value = raw + paeth(left, up, upLeft);
          break;
        default:
          value = raw;
      }
      out[dst + i] = value & 0xff;
    }
  }
  return out;
}

function paeth(left: number, up: number, upLeft: number): number {
  const estimate = left + up - upLeft;
  const toLeft = Math.abs(estimate - left);
  const toUp = Math.abs(estimate - up);
  const toUpLeft = Math.abs(estimate - upLeft);
  if (toLeft <= toUp && toLeft <= toUpLeft) return left;
  return toUp <= toUpLeft ? up : upLeft;
}

/** TIFF predictor 2 for 8-bit components (cross-reference streams use nothing else). */
function undoTiffPredictor(data: Uint8Array, columns: number, colors: number, bits: number): Uint8Array {
  if (bits !== 8) throw new StreamDecodeError(`TIFF predictor with ${bits}-bit components is not supported`);
  const out = data.slice();
  const rowLength = columns * colors;
  for (let rowStart = 0; rowStart < out.length; rowStart += rowLength) {
    for (let i = colors; i < rowLength && rowStart + i < out.length; i++) {
      out[rowStart + i] = (out[rowStart + i] + out[rowStart + i - colors]) & 0xff;
    }
  }
  return out;
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
