// PAdES long-term validation: after a signature, an incremental update with the document security
// store (DSS: certificates, OCSP responses, CRLs, and a VRI entry for the signature) makes it B-LT;
// a document timestamp over everything (/SubFilter /ETSI.RFC3161) then makes it B-LTA.
import { createHash } from 'node:crypto';
import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFString, type PDFRef } from '@cantoo/pdf-lib';
import { requestTimestamp, type TsaOptions } from './tsa.js';

export interface ValidationData {
  certificates: Uint8Array[];
  ocsps: Uint8Array[];
  crls: Uint8Array[];
}

const BYTE_RANGE_PLACEHOLDER = '9999999999';
const TIMESTAMP_BYTES = 12_288;

async function load(pdf: Uint8Array): Promise<PDFDocument> {
  return PDFDocument.load(pdf, {
    forIncrementalUpdate: true,
    updateMetadata: false,
    ignoreEncryption: true,
    parseSpeed: Number.POSITIVE_INFINITY,
  });
}

const commit = (doc: PDFDocument) => doc.commit({ useObjectStreams: false, objectsPerTick: Number.POSITIVE_INFINITY });

/**
 * B-LT then B-LTA in one pass over the document: it is parsed once; the DSS is appended as one
 * incremental update and the document timestamp (covering it) as the next, the order ETSI EN 319 142-1 describes.
 */
export async function addLongTermValidation(pdf: Uint8Array, data: ValidationData, tsa: TsaOptions): Promise<Uint8Array> {
  return appendLongTermValidation(await load(pdf), pdf, data, tsa);
}

/** addLongTermValidation on a document pdf-lib already holds (loaded from, or committed as, `pdf`). */
export async function appendLongTermValidation(
  doc: PDFDocument,
  pdf: Uint8Array,
  data: ValidationData,
  tsa: TsaOptions,
): Promise<Uint8Array> {
  appendValidationData(doc, pdf, data);
  return appendDocumentTimestamp(doc, await commit(doc), tsa);
}

/**
 * Appends the DSS (B-LT): the catalog's /DSS gains the certificates, OCSP responses and CRLs, and a
 * /VRI entry keyed by the SHA-1 of the last signature's /Contents, as ETSI EN 319 142-1 describes.
 */
export async function addValidationData(pdf: Uint8Array, data: ValidationData): Promise<Uint8Array> {
  const doc = await load(pdf);
  appendValidationData(doc, pdf, data);
  return commit(doc);
}

function appendValidationData(doc: PDFDocument, pdf: Uint8Array, data: ValidationData): void {
  const context = doc.context;
  // Uncompressed: DER certificates, OCSP answers and CRLs barely compress, and deflating them cost more than the rest.
  const streams = (items: Uint8Array[]) => items.map((bytes) => context.register(context.stream(bytes)));
  const existing = doc.catalog.lookupMaybe(PDFName.of('DSS'), PDFDict);
  const list = (key: string, refs: PDFRef[]) => {
    const array = existing?.lookupMaybe(PDFName.of(key), PDFArray) ?? context.obj([]);
    for (const ref of refs) array.push(ref);
    return array;
  };
  const certs = streams(data.certificates);
  const ocsps = streams(data.ocsps);
  const crls = streams(data.crls);
  const vri = existing?.lookupMaybe(PDFName.of('VRI'), PDFDict) ?? context.obj({});
  const contents = lastSignatureContents(pdf);
  if (contents) {
    const key = createHash('sha1').update(contents).digest('hex').toUpperCase();
    vri.set(PDFName.of(key), context.obj({ Cert: certs, OCSP: ocsps, CRL: crls, TU: PDFString.fromDate(new Date()) }));
  }
  const dss = context.obj({ Type: 'DSS', Certs: list('Certs', certs), OCSPs: list('OCSPs', ocsps), CRLs: list('CRLs', crls), VRI: vri });
  doc.catalog.set(PDFName.of('DSS'), context.register(dss));
}

/** Appends a document timestamp (B-LTA): an invisible signature field whose /Contents is a TSA token over the file. */
export async function addDocumentTimestamp(pdf: Uint8Array, tsa: TsaOptions): Promise<Uint8Array> {
  return appendDocumentTimestamp(await load(pdf), pdf, tsa);
}

/** The document timestamp as the next update of `doc`, whose bytes so far are `pdf`. */
async function appendDocumentTimestamp(doc: PDFDocument, pdf: Uint8Array, tsa: TsaOptions): Promise<Uint8Array> {
  const context = doc.context;
  const signature = context.register(
    context.obj({
      Type: 'DocTimeStamp',
      Filter: 'Adobe.PPKLite',
      SubFilter: 'ETSI.RFC3161',
      ByteRange: [0, PDFName.of(BYTE_RANGE_PLACEHOLDER), PDFName.of(BYTE_RANGE_PLACEHOLDER), PDFName.of(BYTE_RANGE_PLACEHOLDER)],
      Contents: PDFHexString.of('0'.repeat(TIMESTAMP_BYTES * 2)),
    }),
  );
  const page = doc.getPage(0);
  const names = new Set((doc.catalog.getAcroForm()?.getAllFields() ?? []).map(([field]) => field.getPartialName()));
  let n = 1;
  while (names.has(`DocTimeStamp ${n}`)) n++;
  const widget = context.register(
    context.obj({
      Type: 'Annot',
      Subtype: 'Widget',
      FT: 'Sig',
      T: PDFHexString.fromText(`DocTimeStamp ${n}`),
      V: signature,
      Rect: [0, 0, 0, 0],
      F: 132,
      P: page.ref,
    }),
  );
  const annots = page.node.lookupMaybe(PDFName.of('Annots'), PDFArray);
  if (annots) annots.push(widget);
  else page.node.set(PDFName.of('Annots'), context.obj([widget]));
  const form = doc.catalog.getOrCreateAcroForm();
  form.addField(widget);
  const bytes = await commit(doc);

  const text = Buffer.from(bytes.buffer, bytes.byteOffset + pdf.length, bytes.length - pdf.length).toString('latin1');
  const open = text.indexOf('[', text.indexOf('/ByteRange'));
  const close = text.indexOf(']', open);
  const contents = /\/Contents\s*<(0+)>/.exec(text);
  if (open < 0 || close < 0 || !contents) throw new Error('The document timestamp placeholder was not written.');
  const gapStart = pdf.length + contents.index + contents[0].indexOf('<');
  const gapEnd = gapStart + contents[1].length + 2;
  const byteRange = [0, gapStart, gapEnd, bytes.length - gapEnd];
  const width = close - open + 1;
  Buffer.from(bytes.buffer, bytes.byteOffset + pdf.length + open, width).write(`[${byteRange.join(' ')}]`.padEnd(width, ' '), 'latin1');
  const signed = Buffer.concat([bytes.subarray(0, gapStart), bytes.subarray(gapEnd)]);
  const token = await requestTimestamp(signed, tsa);
  if (token.length > TIMESTAMP_BYTES) throw new Error('The timestamp token does not fit its placeholder.');
  Buffer.from(bytes.buffer, bytes.byteOffset + gapStart + 1, token.length * 2).write(
    Buffer.from(token).toString('hex').toUpperCase(),
    'latin1',
  );
  return bytes;
}

/** The decoded /Contents of the signature in the last incremental update (padding included). */
function lastSignatureContents(pdf: Uint8Array): Uint8Array | undefined {
  const buffer = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.length);
  const at = buffer.lastIndexOf('/Contents', undefined, 'latin1');
  const match = at < 0 ? null : /^\/Contents\s*<([0-9A-Fa-f]+)>/.exec(buffer.toString('latin1', at, Math.min(buffer.length, at + 200_000)));
  return match ? new Uint8Array(Buffer.from(match[1], 'hex')) : undefined;
}
