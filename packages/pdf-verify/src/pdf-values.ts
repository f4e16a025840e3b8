// Small typed accessors over @cantoo/pdf-lib's object model. The verifier resolves references
// itself (per revision), so these helpers never touch a PDFContext.
import {
  PDFArray,
  PDFBool,
  PDFDict,
  PDFHexString,
  PDFName,
  PDFNull,
  PDFNumber,
  PDFObject,
  PDFRawStream,
  PDFRef,
  PDFString,
} from '@cantoo/pdf-lib';

export type { PDFObject };

export const isDict = (value: unknown): value is PDFDict => value instanceof PDFDict;
export const isArray = (value: unknown): value is PDFArray => value instanceof PDFArray;
export const isRef = (value: unknown): value is PDFRef => value instanceof PDFRef;
export const isStream = (value: unknown): value is PDFRawStream => value instanceof PDFRawStream;

export function dictOf(value: unknown): PDFDict | undefined {
  if (value instanceof PDFRawStream) return value.dict;
  return value instanceof PDFDict ? value : undefined;
}

export function get(dict: PDFDict | undefined, key: string): PDFObject | undefined {
  return dict?.get(PDFName.of(key));
}

export function nameOf(value: unknown): string | undefined {
  return value instanceof PDFName ? value.decodeText() : undefined;
}

export function numberOf(value: unknown): number | undefined {
  return value instanceof PDFNumber ? value.asNumber() : undefined;
}

export function bytesOf(value: unknown): Uint8Array | undefined {
  if (value instanceof PDFString || value instanceof PDFHexString) return value.asBytes();
  return undefined;
}

export function textOf(value: unknown): string | undefined {
  if (value instanceof PDFString || value instanceof PDFHexString) return value.decodeText();
  return undefined;
}

/** Keys of a dictionary as plain names (without the slash). */
export function keysOf(dict: PDFDict): string[] {
  return dict.keys().map((key) => key.decodeText());
}

/** Values nested deeper than this are never equal (a hostile file could nest arrays a million deep). */
const MAX_COMPARE_DEPTH = 256;

/**
 * Structural equality of two parsed PDF values: references compare by object number (they are
 * resolved separately), strings by their decoded bytes, streams by dictionary and raw bytes.
 */
export function pdfValuesEqual(a: PDFObject | undefined, b: PDFObject | undefined, depth = 0): boolean {
  if (a === b) return true;
  if (depth > MAX_COMPARE_DEPTH) return false; // absurdly deep values are judged changed
  if (a === undefined || b === undefined) return false;
  if (a instanceof PDFRef || b instanceof PDFRef) {
    return a instanceof PDFRef && b instanceof PDFRef && a.objectNumber === b.objectNumber && a.generationNumber === b.generationNumber;
  }
  if (a instanceof PDFNumber) return b instanceof PDFNumber && numbersEqual(a.asNumber(), b.asNumber());
  if (a instanceof PDFName || b instanceof PDFName) return false; // names are interned: a === b handled above
  if (a instanceof PDFBool) return b instanceof PDFBool && a.asBoolean() === b.asBoolean();
  if (a === PDFNull || b === PDFNull) return false;
  const aBytes = bytesOf(a);
  if (aBytes) {
    const bBytes = bytesOf(b);
    return bBytes !== undefined && aBytes.length === bBytes.length && aBytes.every((byte, i) => byte === bBytes[i]);
  }
  if (a instanceof PDFArray) {
    if (!(b instanceof PDFArray) || a.size() !== b.size()) return false;
    for (let i = 0; i < a.size(); i++) if (!pdfValuesEqual(a.get(i), b.get(i), depth + 1)) return false;
    return true;
  }
  if (a instanceof PDFRawStream) {
    if (!(b instanceof PDFRawStream)) return false;
    const x = a.contents;
    const y = b.contents;
    return pdfValuesEqual(a.dict, b.dict, depth + 1) && x.length === y.length && x.every((byte, i) => byte === y[i]);
  }
  if (a instanceof PDFDict) {
    if (!(b instanceof PDFDict) || b instanceof PDFRawStream) return false;
    const aKeys = a.keys();
    if (aKeys.length !== b.keys().length) return false;
    return aKeys.every((key) => pdfValuesEqual(a.get(key), b.get(key), depth + 1));
  }
  return false;
}

/**
 * Writers round reals differently when they rewrite an object (poppler writes 595.303937007874 as
 * 595.3039370079); differences far below what a PDF consumer can resolve are not changes.
 */
function numbersEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Names of the keys whose values differ between two dictionaries (added, removed or changed). */
export function changedKeys(before: PDFDict, after: PDFDict): string[] {
  const names = new Set([...keysOf(before), ...keysOf(after)]);
  return [...names].filter((name) => !pdfValuesEqual(get(before, name), get(after, name)));
}
