// Hostile PDFs written byte by byte: each aims at unbounded work in a PDF parser (an endless
// predictor loop, a decompression bomb, tens of thousands of revisions, absurd nesting, a /Prev
// loop, object streams and cross-reference streams that claim billions of entries).
import { constants, deflateRawSync, deflateSync } from 'node:zlib';

const latin1 = (text: string) => Buffer.from(text, 'latin1');

/** Objects, then a cross-reference stream object whose dictionary and data are given; startxref points at it. */
function withXrefStream(objects: string[], xrefDict: string, xrefData: Buffer): Buffer {
  const parts = [latin1('%PDF-1.7\n')];
  let offset = parts[0].length;
  for (const object of objects) {
    const chunk = latin1(object);
    parts.push(chunk);
    offset += chunk.length;
  }
  const xrefAt = offset;
  parts.push(
    latin1(`9 0 obj\n<< ${xrefDict} /Length ${xrefData.length} >>\nstream\n`),
    xrefData,
    latin1(`\nendstream\nendobj\nstartxref\n${xrefAt}\n%%EOF\n`),
  );
  return Buffer.concat(parts);
}

/** The verifier once looped forever on a TIFF predictor with /Columns 0 (a 168-byte file did it). */
export function predictorZeroColumns(): Uint8Array {
  return new Uint8Array(
    withXrefStream(
      ['1 0 obj<</Type/Catalog>>endobj\n'],
      '/Type/XRef/Size 10/W[1 1 1]/Root 1 0 R/Filter/FlateDecode/DecodeParms<</Predictor 2/Columns 0>>',
      deflateSync(Buffer.alloc(3)),
    ),
  );
}

/**
 * A cross-reference stream that inflates to `gib` GiB of zeros from about 1 MB per GiB: the same
 * full-flushed deflate block repeated, then a final empty block and the Adler-32 of all the zeros.
 */
export function flateBomb(gib = 2): Uint8Array {
  const block = deflateRawSync(Buffer.alloc(16 * 1024 * 1024), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const repeats = gib * 64;
  const total = repeats * 16 * 1024 * 1024;
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((total % 65521) << 16) | 1) >>> 0);
  const data = Buffer.concat([
    Buffer.from([0x78, 0xda]),
    ...Array.from({ length: repeats }, () => block),
    Buffer.from([0x03, 0x00]),
    adler,
  ]);
  return new Uint8Array(
    withXrefStream(['1 0 obj<</Type/Catalog>>endobj\n'], '/Type/XRef/Size 10/W[1 4 2]/Root 1 0 R/Filter/FlateDecode', data),
  );
}

/** A valid one-object PDF followed by `count` more `startxref … %%EOF` markers, each a "revision". */
export function manyEofMarkers(count = 50_000): Uint8Array {
  const head = '%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n';
  const xrefAt = head.length;
  const table = `xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n${String(head.indexOf('2 0 obj')).padStart(10, '0')} 00000 n \ntrailer<</Size 3/Root 1 0 R>>\n`;
  const marker = `startxref\n${xrefAt}\n%%EOF\n`;
  return new Uint8Array(latin1(head + table + marker.repeat(count + 1)));
}

/** An array nested `depth` levels deep, referenced from the catalog. */
export function deepNesting(depth = 200_000): Uint8Array {
  const head = `%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R/Deep 3 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n3 0 obj\n${'['.repeat(depth)}${']'.repeat(depth)}\nendobj\n`;
  const offsets = [9, head.indexOf('2 0 obj'), head.indexOf('3 0 obj')];
  const table = `xref\n0 4\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}trailer<</Size 4/Root 1 0 R>>\nstartxref\n${head.length}\n%%EOF\n`;
  return new Uint8Array(latin1(head + table));
}

/** Two cross-reference sections whose /Prev point at each other. */
export function prevLoop(): Uint8Array {
  const head = '%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n';
  const first = head.length;
  const sectionA = (prev: number) =>
    `xref\n0 1\n0000000000 65535 f \ntrailer<</Size 3/Root 1 0 R/Prev ${String(prev).padStart(10, '0')}>>\n`;
  const second = first + sectionA(0).length;
  return new Uint8Array(latin1(head + sectionA(second) + sectionA(first) + `startxref\n${second}\n%%EOF\n`));
}

/** An object stream that declares a billion objects, and a cross-reference stream with /W [1 0 0] and /Index [0 1000000000]. */
export function hugeCounts(): Uint8Array {
  const objStm = `3 0 obj\n<</Type/ObjStm/N 1000000000/First 4/Length 8>>\nstream\n1 0 2 0 \nendstream\nendobj\n`;
  return new Uint8Array(
    withXrefStream(
      ['1 0 obj<</Type/Catalog>>endobj\n', objStm],
      '/Type/XRef/Size 1000000000/W[1 0 0]/Index[0 1000000000]/Root 1 0 R',
      Buffer.alloc(1000, 2),
    ),
  );
}

export const HOSTILE_INPUTS: Record<string, () => Uint8Array> = {
  predictorZeroColumns,
  flateBomb: () => flateBomb(2),
  manyEofMarkers: () => manyEofMarkers(),
  deepNesting: () => deepNesting(),
  prevLoop,
  hugeCounts,
};
