// Byte helpers shared by the verifier. Only Uint8Array and standard web APIs: this code also runs in
// browsers.

const latin1Decoder = new TextDecoder('latin1');

/** One character per byte; string indexes equal byte offsets. */
export function latin1(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return latin1Decoder.decode(bytes.subarray(start, end));
}

export function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

export function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  const last = haystack.length - needle.length;
  for (let i = haystack.indexOf(first, from); i !== -1 && i <= last; i = haystack.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[65 + i] = 10 + i;
  HEX_VALUE[97 + i] = 10 + i;
}

export function isPdfWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0x0c || byte === 0x00;
}

/**
 * Decodes PDF hex-string digits (without the angle brackets). Whitespace is skipped, an odd final
 * digit is padded with 0 as the PDF spec says. Returns null when a non-hex character occurs.
 */
export function decodePdfHex(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array | null {
  const out = new Uint8Array((end - start + 1) >> 1);
  let count = 0;
  let high = -1;
  for (let i = start; i < end; i++) {
    const byte = bytes[i];
    const value = HEX_VALUE[byte];
    if (value < 0) {
      if (isPdfWhitespace(byte)) continue;
      return null;
    }
    if (high < 0) high = value;
    else {
      out[count++] = (high << 4) | value;
      high = -1;
    }
  }
  if (high >= 0) out[count++] = high << 4;
  return out.subarray(0, count);
}

/** Exact-size ArrayBuffer copy, for APIs (WebCrypto, asn1js) that take a buffer. */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer;
}

/** Base64 of bytes, in Node and browsers alike (btoa over latin-1 chunks). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
