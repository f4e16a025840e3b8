// Just enough DER to assemble a CMS SignedData from parts that are already encoded (certificates,
// names, serials are copied byte for byte from the certificate; nothing is re-encoded).

export const TAG = {
  integer: 0x02,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  sequence: 0x30,
  set: 0x31,
  /** [n] IMPLICIT/EXPLICIT, constructed. */
  context: (n: number) => 0xa0 | n,
} as const;

function lengthBytes(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

/** One element: tag, definite length, then the concatenated contents. */
export function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const size = contents.reduce((sum, part) => sum + part.length, 0);
  const header = [tag, ...lengthBytes(size)];
  const out = new Uint8Array(header.length + size);
  out.set(header, 0);
  let at = header.length;
  for (const part of contents) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const body: number[] = [arcs[0] * 40 + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) chunk.unshift(0x80 | (rest & 0x7f));
    body.push(...chunk);
  }
  return tlv(TAG.oid, Uint8Array.from(body));
}

export interface Element {
  tag: number;
  /** Offset of the tag. */
  start: number;
  /** Offset of the contents. */
  contentStart: number;
  /** Offset just after the element. */
  end: number;
}

/** Reads the element at `at` (definite lengths only, as DER requires). Throws on truncated input. */
export function readElement(bytes: Uint8Array, at: number): Element {
  if (at + 2 > bytes.length) throw new RangeError('DER element truncated');
  const tag = bytes[at];
  let length = bytes[at + 1];
  let contentStart = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || contentStart + count > bytes.length) throw new RangeError('DER length not definite');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[contentStart + i];
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > bytes.length) throw new RangeError('DER element truncated');
  return { tag, start: at, contentStart, end };
}

/** The children of a constructed element. */
export function children(bytes: Uint8Array, parent: Element): Element[] {
  const out: Element[] = [];
  for (let at = parent.contentStart; at < parent.end;) {
    const child = readElement(bytes, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

export const slice = (bytes: Uint8Array, element: Element): Uint8Array => bytes.subarray(element.start, element.end);
