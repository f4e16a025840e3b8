// Checks a signature's /ByteRange against the file: two ranges, the first starting at byte 0, the
// gap between them being exactly the hex string of /Contents, nothing beyond the end of the file.
import { bytesEqual, decodePdfHex } from './bytes.js';

export interface ByteRangeCheck {
  /** True when the ranges have the shape PAdES requires and the gap is exactly /Contents. */
  wellFormed: boolean;
  problems: string[];
  /** Offset just past the last signed byte. */
  coveredEnd: number;
  /** The signed bytes (both ranges joined), when the ranges lie inside the file. */
  signedBytes?: Uint8Array<ArrayBuffer>;
}

export function checkByteRange(
  pdf: Uint8Array,
  byteRange: number[] | null,
  contents: Uint8Array | undefined,
  definedAt?: number | 'compressed' | 'direct',
): ByteRangeCheck {
  if (!byteRange) return { wellFormed: false, problems: ['no /ByteRange array of integers'], coveredEnd: 0 };
  if (byteRange.length !== 4) {
    return { wellFormed: false, problems: [`/ByteRange has ${byteRange.length} numbers, expected 4`], coveredEnd: 0 };
  }
  const [start1, length1, start2, length2] = byteRange;
  const problems: string[] = [];
  if (byteRange.some((n) => n < 0)) problems.push('negative /ByteRange value');
  if (start1 !== 0) problems.push('first range does not start at byte 0');
  const gapStart = start1 + length1;
  if (start2 < gapStart) problems.push('ranges overlap');
  const coveredEnd = start2 + length2;
  if (coveredEnd > pdf.length) problems.push('ranges reach beyond the end of the file');
  if (problems.length === 0) {
    const gapProblem = checkGap(pdf, gapStart, start2, contents) ?? checkEnclosingDictionary(pdf, gapStart, definedAt);
    if (gapProblem) problems.push(gapProblem);
  }
  const inside = byteRange.every((n) => n >= 0) && gapStart <= start2 && coveredEnd <= pdf.length;
  const signedBytes = inside ? joinRanges(pdf, start1, length1, start2, length2) : undefined;
  return { wellFormed: problems.length === 0, problems, coveredEnd: Math.min(coveredEnd, pdf.length), signedBytes };
}

function checkGap(pdf: Uint8Array, gapStart: number, gapEnd: number, contents: Uint8Array | undefined): string | undefined {
  if (gapEnd - gapStart < 2 || pdf[gapStart] !== 0x3c /* < */ || pdf[gapEnd - 1] !== 0x3e /* > */) {
    return 'the gap between the ranges is not a hex string';
  }
  const gapValue = decodePdfHex(pdf, gapStart + 1, gapEnd - 1);
  if (!gapValue) return 'the gap between the ranges is not a hex string';
  if (!contents || !bytesEqual(gapValue, contents)) return 'the gap between the ranges is not the /Contents of the signature';
  return undefined;
}

/**
 * The gap must be the /Contents of the very dictionary that claims the signature, so that the
 * rest of that dictionary (/ByteRange, /Reference, /M, ...) is signed. A copy of a signature
 * dictionary in a later update, or one inside an object stream, encloses no gap: signature
 * wrapping and universal-forgery variants rely on exactly that.
 */
function checkEnclosingDictionary(
  pdf: Uint8Array,
  gapStart: number,
  definedAt: number | 'compressed' | 'direct' | undefined,
): string | undefined {
  if (definedAt === undefined) return undefined;
  if (definedAt === 'direct') return 'the signature dictionary is not an indirect object';
  if (definedAt === 'compressed') return 'the signature dictionary is inside an object stream, so its /Contents cannot be the signed gap';
  if (definedAt >= gapStart || gapStart - definedAt > MAX_DICTIONARY_PREFIX) return 'the gap is not inside the signature dictionary';
  for (let i = definedAt; i + 6 <= gapStart; i++) {
    if (
      pdf[i] === 0x65 &&
      pdf[i + 1] === 0x6e &&
      pdf[i + 2] === 0x64 &&
      pdf[i + 3] === 0x6f &&
      pdf[i + 4] === 0x62 &&
      pdf[i + 5] === 0x6a
    ) {
      return 'the gap is not inside the signature dictionary'; // "endobj" before the gap
    }
  }
  return undefined;
}

/** How far before its /Contents a signature dictionary may start (its other entries are small). */
const MAX_DICTIONARY_PREFIX = 1 << 20;

function joinRanges(pdf: Uint8Array, start1: number, length1: number, start2: number, length2: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length1 + length2);
  out.set(pdf.subarray(start1, start1 + length1), 0);
  out.set(pdf.subarray(start2, start2 + length2), length1);
  return out;
}
