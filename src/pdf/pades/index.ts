import { createHash } from 'node:crypto';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  PDFRef,
  PDFString,
  type PDFFont,
  type PDFPage,
} from '@cantoo/pdf-lib';
import { anchorToUserSpace, pageBoxOf, type Anchor, type PageBox, type Placement } from '../placement.js';
import { appearanceSize, createAppearance, embedCommentFont, layoutComment, type CommentBlock, type Rect } from './appearance.js';
import { embedSealImage } from './image.js';
import { assembleCms, prepareSigner, signAttributes, type SignerMaterial } from './cms.js';

export { prepareSigner } from './cms.js';
export { prepareSealImage } from './image.js';
import { requestTimestamp, type TsaOptions } from './tsa.js';
import { DomainError } from '../../errors.js';

export { TsaError, type TsaOptions } from './tsa.js';
import { appendLongTermValidation, type ValidationData } from './ltv.js';
export { addDocumentTimestamp, addLongTermValidation, addValidationData, type ValidationData } from './ltv.js';

export class SignPdfError extends DomainError<'PDF_UNREADABLE' | 'PDF_ENCRYPTED' | 'PAGE_OUT_OF_RANGE' | 'SIGNATURE_TOO_LARGE'> {}

export type SigningMaterial = SignerMaterial;

export interface SignPdfOptions {
  placement: Placement;
  image: { bytes: Uint8Array; mime: 'image/png' | 'image/jpeg' };
  /** Approval comment drawn beside the seal (e.g. 同意), with the signer and date under it. */
  comment?: string;
  /**
   * Draw the comment here instead of beside the seal: its own widget of the same signature field,
   * the comment block's left edge at the anchor, vertically centred on it.
   */
  commentAt?: Anchor;
  /** /Reason of the signature (e.g. the seal's name). */
  reason?: string;
  /** /Name of the signature and the caption under a comment. */
  signerName?: string;
  location?: string;
  /** RFC 3161 TSA: adds a signature timestamp (PAdES-B-T); its failure fails the signing. */
  tsa?: TsaOptions;
  /**
   * PAdES B-LTA (needs `tsa`): right after the signature, in the same pass over the document, an
   * update with the DSS (this validation data) and a document timestamp.
   */
  longTerm?: ValidationData;
  /** Claimed signing time (/M); default now. */
  signedAt?: Date;
  /** Time zone for the date in the comment caption. */
  timeZone?: string;
  /** Field name; default `Seal <n>` (first free). */
  fieldName?: string;
}

export interface SignedPdf {
  pdf: Uint8Array;
  /** The CMS SignedData (DER) embedded in /Contents. */
  cms: Uint8Array;
  fieldName: string;
  /** Each widget's page (0-based) and rectangle in PDF user space. */
  widgets: Array<{ page: number; rect: Rect }>;
  /** e.g. `SHA256withECDSA; PAdES-B-B`. */
  algorithm: string;
  signedAt: Date;
}

const BYTE_RANGE_PLACEHOLDER = '**********';

/**
 * Applies one seal as one PAdES signature, written as an incremental update: the original bytes are
 * kept as they are and only new objects follow (the signature dictionary, its field and widgets with
 * their appearances, the page's /Annots and the AcroForm's /Fields), so every earlier signature
 * still covers exactly what it signed and no page content changes.
 */
export async function signPdf(input: Uint8Array, material: SigningMaterial, options: SignPdfOptions): Promise<SignedPdf> {
  const signedAt = options.signedAt ?? new Date(Math.floor(Date.now() / 1000) * 1000);
  const doc = await load(input);
  const signer = prepareSigner(material);

  const fieldName = options.fieldName ?? nextFieldName(doc);
  const image = await embedSealImage(doc, options.image);
  const widgets = await placeWidgets(doc, image, options, signedAt);

  const reserved = contentsSize(signer.certificateDer, signer.chainDer, Boolean(options.tsa));

  const context = doc.context;
  const signatureDict = context.obj({
    Type: 'Sig',
    Filter: 'Adobe.PPKLite',
    SubFilter: 'ETSI.CAdES.detached',
    ByteRange: [0, PDFName.of(BYTE_RANGE_PLACEHOLDER), PDFName.of(BYTE_RANGE_PLACEHOLDER), PDFName.of(BYTE_RANGE_PLACEHOLDER)],
    Contents: PDFHexString.of('0'.repeat(reserved * 2)),
    M: PDFString.fromDate(signedAt),
    Prop_Build: { App: { Name: 'InfoPlus_Signature_Service' } },
  });
  if (options.signerName) signatureDict.set(PDFName.of('Name'), PDFHexString.fromText(options.signerName));
  if (options.reason) signatureDict.set(PDFName.of('Reason'), PDFHexString.fromText(options.reason));
  if (options.location) signatureDict.set(PDFName.of('Location'), PDFHexString.fromText(options.location));
  const signatureRef = context.register(signatureDict);
  const fieldRef = addField(doc, fieldName, signatureRef, widgets);

  const catalog = doc.catalog;
  let acroForm = catalog.lookupMaybe(PDFName.of('AcroForm'), PDFDict);
  if (!acroForm) {
    acroForm = context.obj({ Fields: [], SigFlags: 3 });
    catalog.set(PDFName.of('AcroForm'), context.register(acroForm));
  }
  let fields = acroForm.lookupMaybe(PDFName.of('Fields'), PDFArray);
  if (!fields) {
    fields = context.obj([]);
    acroForm.set(PDFName.of('Fields'), fields);
  }
  fields.push(fieldRef);
  const sigFlags = acroForm.lookupMaybe(PDFName.of('SigFlags'), PDFNumber)?.asNumber() ?? 0;
  if ((sigFlags & 3) !== 3) acroForm.set(PDFName.of('SigFlags'), PDFNumber.of(sigFlags | 3));

  // Classic cross-reference table: readers and our verifier follow it most reliably in updates.
  // commit() keeps pdf-lib's view of the file current, so a B-LTA update can follow without parsing
  // the document again; the placeholders are patched in place in the very bytes it holds.
  const bytes = options.longTerm ? await doc.commit(SAVE) : await appendUpdate(doc, input);
  const { byteRange, contentsStart, contentsEnd } = patchByteRange(bytes, input.length);

  const hash = createHash('sha256');
  hash.update(bytes.subarray(byteRange[0], byteRange[0] + byteRange[1]));
  hash.update(bytes.subarray(byteRange[2], byteRange[2] + byteRange[3]));
  const digest = new Uint8Array(hash.digest());

  const signed = await signAttributes(digest, signer);
  const cms = assembleCms(signer, signed, options.tsa ? await requestTimestamp(signed.signature, options.tsa) : undefined);
  if (cms.length > reserved)
    throw new SignPdfError(
      'SIGNATURE_TOO_LARGE',
      `The signature (${cms.length} bytes) does not fit the ${reserved} bytes reserved for it.`,
    );
  const hex = Buffer.from(cms).toString('hex').toUpperCase();
  Buffer.from(bytes.buffer, bytes.byteOffset + contentsStart + 1, hex.length).write(hex, 'latin1');
  if (contentsEnd - contentsStart - 2 !== reserved * 2) throw new Error('Signature placeholder size changed while writing.');

  const longTerm = options.longTerm && options.tsa ? await appendLongTermValidation(doc, bytes, options.longTerm, options.tsa) : undefined;
  return {
    pdf: longTerm ?? bytes,
    cms,
    fieldName,
    widgets: widgets.map((widget) => ({ page: widget.pageIndex, rect: widget.rect })),
    algorithm: `${signer.algorithm}; ${longTerm ? 'PAdES-B-LTA' : options.tsa ? 'PAdES-B-T' : 'PAdES-B-B'}`,
    signedAt,
  };
}

async function load(input: Uint8Array): Promise<PDFDocument> {
  let doc: PDFDocument;
  try {
    // updateMetadata false: the Info dictionary and XMP must not change (a verifier flags that).
    doc = await PDFDocument.load(input, {
      forIncrementalUpdate: true,
      updateMetadata: false,
      ignoreEncryption: true,
      throwOnInvalidObject: false,
      // Parse without yielding to the event loop every 100 objects: the whole parse is a few ms.
      parseSpeed: Number.POSITIVE_INFINITY,
    });
  } catch (error) {
    throw new SignPdfError('PDF_UNREADABLE', `The document is not a readable PDF: ${(error as Error).message}`);
  }
  if (doc.isEncrypted) throw new SignPdfError('PDF_ENCRYPTED', 'The document is encrypted; seals can only be applied to unencrypted PDFs.');
  if (doc.getPageCount() === 0) throw new SignPdfError('PDF_UNREADABLE', 'The document has no pages.');
  return doc;
}

/** The first free `Seal <n>` among the document's field names. */
function nextFieldName(doc: PDFDocument): string {
  const names = new Set<string>();
  const fields = doc.catalog.lookupMaybe(PDFName.of('AcroForm'), PDFDict)?.lookupMaybe(PDFName.of('Fields'), PDFArray);
  for (let i = 0; i < (fields?.size() ?? 0); i++) {
    const field = fields!.lookupMaybe(i, PDFDict);
    const name = field?.lookupMaybe(PDFName.of('T'), PDFString, PDFHexString);
    if (name) names.add(name.decodeText());
  }
  let n = 1;
  while (names.has(`Seal ${n}`)) n++;
  return `Seal ${n}`;
}

interface PlacedWidget {
  pageIndex: number;
  page: PDFPage;
  rect: Rect;
  appearance: PDFRef;
}

async function placeWidgets(doc: PDFDocument, image: PDFRef, options: SignPdfOptions, signedAt: Date): Promise<PlacedWidget[]> {
  const { placement } = options;
  const pageCount = doc.getPageCount();
  if (placement.kind === 'cross-page') {
    const widgets: PlacedWidget[] = [];
    for (let index = 0; index < pageCount; index++) {
      const page = doc.getPage(index);
      const box = visibleBox(page);
      const slice = { index, count: pageCount };
      const appearance = createAppearance(doc, { image, sealWidth: placement.width, sealHeight: placement.height, slice });
      const centreY = placement.yFromTop === undefined ? (box.y1 + box.y2) / 2 : box.y2 - placement.yFromTop;
      const rect: Rect = [box.x2 - appearance.width, centreY - appearance.height / 2, box.x2, centreY + appearance.height / 2];
      widgets.push({ pageIndex: index, page, rect, appearance: appearance.ref });
    }
    return widgets;
  }

  let commentBlock: { block: CommentBlock; font: PDFFont } | undefined;
  if (options.comment?.trim()) {
    const font = await embedCommentFont(doc);
    const date = new Intl.DateTimeFormat('zh-CN', {
      timeZone: options.timeZone ?? 'Asia/Shanghai',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    })
      .format(signedAt)
      .replace(/\//g, '-');
    const caption = [options.signerName, date].filter(Boolean).join(' ');
    commentBlock = { block: layoutComment(font, options.comment.trim(), caption), font };
  }

  const commentWidget = (anchor: Anchor, block: { block: CommentBlock; font: PDFFont }): PlacedWidget => {
    const pageIndex = pageIndexOf(anchor, pageCount);
    const page = doc.getPage(pageIndex);
    const point = anchorToUserSpace(anchor, visibleBox(page));
    const appearance = createAppearance(doc, {
      image,
      sealWidth: 0,
      sealHeight: 0,
      comment: { ...block, side: 'right' },
      commentOnly: true,
    });
    const y1 = point.y - appearance.height / 2;
    return { pageIndex, page, rect: [point.x, y1, point.x + appearance.width, y1 + appearance.height] as Rect, appearance: appearance.ref };
  };
  const separateComment = options.commentAt && commentBlock ? commentWidget(options.commentAt, commentBlock) : undefined;
  if (separateComment) commentBlock = undefined;

  const sealWidgets = placement.anchors.map((anchor) => {
    const pageIndex = pageIndexOf(anchor, pageCount);
    const page = doc.getPage(pageIndex);
    const box = visibleBox(page);
    const centre = anchorToUserSpace(anchor, box);
    let side: 'right' | 'left' = 'right';
    const base = { sealWidth: placement.width, sealHeight: placement.height };
    if (commentBlock) {
      const size = appearanceSize({ ...base, comment: { ...commentBlock, side } });
      if (centre.x - placement.width / 2 + size.width > box.x2) side = 'left';
    }
    const appearance = createAppearance(doc, { image, ...base, comment: commentBlock ? { ...commentBlock, side } : undefined });
    // The seal (not the whole widget) is centred on the anchor; the comment extends to one side.
    const sealLeft = centre.x - placement.width / 2;
    const x1 = side === 'right' ? sealLeft : sealLeft + placement.width - appearance.width;
    const y1 = centre.y - appearance.height / 2;
    return { pageIndex, page, rect: [x1, y1, x1 + appearance.width, y1 + appearance.height] as Rect, appearance: appearance.ref };
  });
  return separateComment ? [...sealWidgets, separateComment] : sealWidgets;
}

function pageIndexOf(anchor: Anchor, pageCount: number): number {
  const index = anchor.page === 'last' ? pageCount - 1 : anchor.page;
  if (index < 0 || index >= pageCount) {
    throw new SignPdfError('PAGE_OUT_OF_RANGE', `The seal is placed on page ${index + 1}, but the document has ${pageCount} page(s).`);
  }
  return index;
}

function visibleBox(page: PDFPage): PageBox {
  return pageBoxOf(page.getCropBox());
}

/** The signature field: one merged field/widget, or (several widgets, e.g. 骑缝章) a field with /Kids. */
function addField(doc: PDFDocument, fieldName: string, signatureRef: PDFRef, widgets: PlacedWidget[]): PDFRef {
  const context = doc.context;
  // Print (4) + Locked (128): the seal prints and cannot be moved or deleted in a viewer.
  const widgetEntries = (widget: PlacedWidget) => ({
    Type: 'Annot',
    Subtype: 'Widget',
    Rect: widget.rect.map((n) => Math.round(n * 1000) / 1000),
    F: 132,
    P: widget.page.ref,
    AP: { N: widget.appearance },
  });
  if (widgets.length === 1) {
    const ref = context.register(
      context.obj({ ...widgetEntries(widgets[0]), FT: 'Sig', T: PDFHexString.fromText(fieldName), V: signatureRef }),
    );
    addAnnotation(doc, widgets[0].page, ref);
    return ref;
  }
  const fieldRef = context.nextRef();
  const kids = widgets.map((widget) => {
    // /V repeated on each widget: poppler reads a kid that has /Parent as a field of its own and would
    // otherwise report it unsigned; the value is the same signature, so every reader agrees.
    const ref = context.register(context.obj({ ...widgetEntries(widget), Parent: fieldRef, V: signatureRef }));
    addAnnotation(doc, widget.page, ref);
    return ref;
  });
  context.assign(fieldRef, context.obj({ FT: 'Sig', T: PDFHexString.fromText(fieldName), V: signatureRef, Kids: kids }));
  return fieldRef;
}

/** Appends to the page's /Annots without normalising the page (which would rewrite its content). */
function addAnnotation(doc: PDFDocument, page: PDFPage, ref: PDFRef): void {
  const annots = page.node.lookupMaybe(PDFName.of('Annots'), PDFArray);
  if (annots) annots.push(ref);
  else page.node.set(PDFName.of('Annots'), doc.context.obj([ref]));
}

/** Bytes reserved for the CMS: certificates + signature + attributes, plus room for a timestamp token. */
function contentsSize(certificate: Uint8Array, chain: Uint8Array[], timestamped: boolean): number {
  const certificates = certificate.length + chain.reduce((sum, der) => sum + der.length, 0);
  const estimate = certificates + 2048 + (timestamped ? 12_288 : 0);
  return Math.ceil(estimate / 1024) * 1024;
}

const SAVE = { useObjectStreams: false, objectsPerTick: Number.POSITIVE_INFINITY };

/**
 * The input followed by the update pdf-lib writes for the objects changed since loading (what
 * `commit()` does, without re-reading the update as text and snapshotting the document again).
 */
async function appendUpdate(doc: PDFDocument, input: Uint8Array): Promise<Uint8Array> {
  const snapshot = doc.context.snapshot;
  if (!snapshot) throw new Error('The document was not loaded for an incremental update.');
  const update = await doc.saveIncremental(snapshot, SAVE);
  const bytes = new Uint8Array(input.length + update.length);
  bytes.set(input);
  bytes.set(update, input.length);
  return bytes;
}

/**
 * Finds the placeholders of the new signature dictionary in the update appended after `from`,
 * writes the real /ByteRange (padded to the placeholder's length) and returns it.
 */
function patchByteRange(
  bytes: Uint8Array,
  from: number,
): { byteRange: [number, number, number, number]; contentsStart: number; contentsEnd: number } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rangeAt = buffer.indexOf('/ByteRange', from, 'latin1');
  const open = rangeAt < 0 ? -1 : buffer.indexOf('[', rangeAt, 'latin1');
  const close = open < 0 ? -1 : buffer.indexOf(']', open, 'latin1');
  if (close < 0 || !buffer.toString('latin1', open, close).includes(BYTE_RANGE_PLACEHOLDER)) {
    throw new Error('The signature placeholder (/ByteRange) was not written.');
  }
  // The page's own /Contents (a reference) may come first: the placeholder is the one holding zeros.
  let contentsStart = -1;
  let contentsEnd = -1;
  for (
    let at = buffer.indexOf('/Contents', from, 'latin1');
    at >= 0 && contentsStart < 0;
    at = buffer.indexOf('/Contents', at + 1, 'latin1')
  ) {
    const open = buffer.indexOf('<', at, 'latin1');
    const close = open < 0 ? -1 : buffer.indexOf('>', open, 'latin1');
    if (close < 0) break;
    const between = buffer.toString('latin1', at + '/Contents'.length, open);
    if (/^\s*$/.test(between) && close - open > 1 && /^0+$/.test(buffer.toString('latin1', open + 1, close))) {
      contentsStart = open;
      contentsEnd = close + 1;
    }
  }
  if (contentsStart < 0) throw new Error('The signature placeholder (/Contents) was not written.');
  const byteRange: [number, number, number, number] = [0, contentsStart, contentsEnd, bytes.length - contentsEnd];
  const width = close - open + 1;
  const written = `[${byteRange.join(' ')}]`;
  if (written.length > width) throw new Error('The /ByteRange placeholder is too short.');
  buffer.write(written.padEnd(width, ' '), open, width, 'latin1');
  return { byteRange, contentsStart, contentsEnd };
}
