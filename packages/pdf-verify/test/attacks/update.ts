// Writers of incremental updates for the attack corpus: one through @cantoo/pdf-lib (it appends
// exactly the objects an edit touched), one byte by byte for what no library writes (a trailer
// re-pointed to an object that was already in the signed file, redefinitions under old numbers).
import { PDFDocument, PDFRef } from '@cantoo/pdf-lib';

/** Appends an incremental update with whatever `edit` changes (classic cross-reference table). */
export async function update(
  pdf: Uint8Array,
  edit: (doc: PDFDocument) => void | Promise<void>,
  objectStreams = false,
): Promise<Uint8Array> {
  const doc = await PDFDocument.load(pdf, { forIncrementalUpdate: true, updateMetadata: false });
  await edit(doc);
  return doc.save({ useObjectStreams: objectStreams });
}

export interface RawObject {
  number: number;
  /** The object's body between `N 0 obj` and `endobj`, as PDF syntax. */
  body: string;
}

/**
 * Appends `objects` and a cross-reference table and trailer by hand. `root` defaults to the
 * current catalog; `extraTrailer` is added to the trailer dictionary verbatim.
 */
export async function appendRaw(
  pdf: Uint8Array,
  objects: RawObject[],
  options: { root?: number; extraTrailer?: string } = {},
): Promise<Uint8Array> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const size = Math.max(doc.context.largestObjectNumber + 1, ...objects.map((o) => o.number + 1));
  const root = options.root ?? (doc.context.trailerInfo.Root as PDFRef).objectNumber;
  const info = doc.context.trailerInfo.Info instanceof PDFRef ? ` /Info ${doc.context.trailerInfo.Info.objectNumber} 0 R` : '';
  const tail = Buffer.from(pdf.subarray(Math.max(0, pdf.length - 64))).toString('latin1');
  const prev = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail)?.[1]);
  const parts: Buffer[] = [Buffer.from(pdf)];
  let offset = pdf.length;
  const push = (text: string) => {
    const chunk = Buffer.from(text, 'latin1');
    parts.push(chunk);
    offset += chunk.length;
  };
  if (pdf[pdf.length - 1] !== 0x0a) push('\n');
  const offsets = new Map<number, number>();
  for (const object of objects) {
    offsets.set(object.number, offset);
    push(`${object.number} 0 obj\n${object.body}\nendobj\n`);
  }
  const xrefAt = offset;
  let table = 'xref\n';
  for (const [number, at] of [...offsets].sort((a, b) => a[0] - b[0])) table += `${number} 1\n${String(at).padStart(10, '0')} 00000 n \n`;
  push(
    `${table}trailer\n<< /Size ${size} /Root ${root} 0 R${info} /Prev ${prev}${options.extraTrailer ?? ''} >>\nstartxref\n${xrefAt}\n%%EOF\n`,
  );
  return new Uint8Array(Buffer.concat(parts));
}

/** The PDF syntax of an object of the last revision, as pdf-lib serialises it (streams excluded). */
export async function objectText(pdf: Uint8Array, number: number): Promise<string> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const value = doc.context.lookup(PDFRef.of(number));
  if (!value) throw new Error(`no object ${number}`);
  return value.toString();
}
