// Decoding of stream data: pdf-lib's filters (Flate, LZW, ASCII85, ASCIIHex, RunLength) followed by
// the PNG/TIFF predictors that pdf-lib does not implement but cross-reference streams rely on.
import { decodePDFRawStream, PDFArray, PDFDict, PDFRawStream } from '@cantoo/pdf-lib';
import { get, numberOf } from './pdf-values.js';

export function decodeStreamData(stream: PDFRawStream): Uint8Array {
  const decoded = decodePDFRawStream(stream).decode();
  const params = lastDecodeParms(stream.dict);
  const predictor = numberOf(get(params, 'Predictor')) ?? 1;
  if (predictor <= 1) return decoded;
  const columns = numberOf(get(params, 'Columns')) ?? 1;
  const colors = numberOf(get(params, 'Colors')) ?? 1;
  const bitsPerComponent = numberOf(get(params, 'BitsPerComponent')) ?? 8;
  if (predictor === 2) return undoTiffPredictor(decoded, columns, colors, bitsPerComponent);
  return undoPngPredictor(decoded, columns, colors, bitsPerComponent);
}

function lastDecodeParms(dict: PDFDict): PDFDict | undefined {
  const parms = get(dict, 'DecodeParms');
  if (parms instanceof PDFDict) return parms;
  if (parms instanceof PDFArray && parms.size() > 0) {
    const last = parms.get(parms.size() - 1);
    return last instanceof PDFDict ? last : undefined;
  }
  return undefined;
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
        case 1: value = raw + left; break;
        case 2: value = raw + up; break;
        case 3: value = raw + ((left + up) >> 1); break;
        case 4: value = raw + paeth(left, up, upLeft); break;
        default: value = raw;
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

function undoTiffPredictor(data: Uint8Array, columns: number, colors: number, bits: number): Uint8Array {
  if (bits !== 8) return data;
  const out = data.slice();
  const rowLength = columns * colors;
  for (let rowStart = 0; rowStart < out.length; rowStart += rowLength) {
    for (let i = colors; i < rowLength && rowStart + i < out.length; i++) {
      out[rowStart + i] = (out[rowStart + i] + out[rowStart + i - colors]) & 0xff;
    }
  }
  return out;
}
