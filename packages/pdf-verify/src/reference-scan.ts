// A lean scan of PDF object syntax that only collects indirect references (`N G R`). Used to
// learn which object numbers a revision refers to without building every value with the full
// parser (fonts with tens of thousands of glyph widths made that the slowest step).

const enum Byte {
  Percent = 0x25,
  LeftParen = 0x28,
  RightParen = 0x29,
  Backslash = 0x5c,
  Less = 0x3c,
  Greater = 0x3e,
  Slash = 0x2f,
  LF = 0x0a,
  CR = 0x0d,
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0x0c || byte === 0x00;
}

function isDelimiter(byte: number): boolean {
  return (
    byte === 0x28 ||
    byte === 0x29 ||
    byte === 0x3c ||
    byte === 0x3e ||
    byte === 0x5b ||
    byte === 0x5d ||
    byte === 0x7b ||
    byte === 0x7d ||
    byte === 0x2f ||
    byte === 0x25
  );
}

/**
 * Appends to `out` the object number of every `N G R` in `bytes[start, end)`, stopping at the
 * keywords `stream` or `endobj` (stream data is not PDF syntax).
 */
export function scanReferences(bytes: Uint8Array, start: number, end: number, out: number[]): void {
  // The two previous tokens when they were non-negative integers, else -1.
  let previous = -1;
  let beforePrevious = -1;
  let i = start;
  while (i < end) {
    const byte = bytes[i];
    if (isWhitespace(byte)) {
      i++;
    } else if (byte === Byte.Percent) {
      while (i < end && bytes[i] !== Byte.LF && bytes[i] !== Byte.CR) i++;
    } else if (byte === Byte.LeftParen) {
      let depth = 0;
      for (; i < end; i++) {
        const c = bytes[i];
        if (c === Byte.Backslash) i++;
        else if (c === Byte.LeftParen) depth++;
        else if (c === Byte.RightParen && --depth === 0) break;
      }
      i++;
      previous = beforePrevious = -1;
    } else if (byte === Byte.Less && bytes[i + 1] !== Byte.Less) {
      while (i < end && bytes[i] !== Byte.Greater) i++;
      i++;
      previous = beforePrevious = -1;
    } else if (byte === Byte.Slash) {
      i++;
      while (i < end && !isWhitespace(bytes[i]) && !isDelimiter(bytes[i])) i++;
      previous = beforePrevious = -1;
    } else if (isDelimiter(byte)) {
      i += byte === Byte.Less || byte === Byte.Greater ? (bytes[i + 1] === byte ? 2 : 1) : 1;
      previous = beforePrevious = -1;
    } else {
      const tokenStart = i;
      let integer = 0;
      let isInteger = true;
      while (i < end && !isWhitespace(bytes[i]) && !isDelimiter(bytes[i])) {
        const c = bytes[i];
        if (c >= 0x30 && c <= 0x39) integer = integer * 10 + (c - 0x30);
        else isInteger = false;
        i++;
      }
      const length = i - tokenStart;
      if (isInteger) {
        beforePrevious = previous;
        previous = integer;
        continue;
      }
      if (length === 1 && byte === 0x52 /* R */ && beforePrevious >= 0 && previous >= 0) out.push(beforePrevious);
      else if (matches(bytes, tokenStart, length, 'stream') || matches(bytes, tokenStart, length, 'endobj')) return;
      previous = beforePrevious = -1;
    }
  }
}

function matches(bytes: Uint8Array, start: number, length: number, keyword: string): boolean {
  if (length !== keyword.length) return false;
  for (let i = 0; i < length; i++) if (bytes[start + i] !== keyword.charCodeAt(i)) return false;
  return true;
}
