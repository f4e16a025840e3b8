// The attack corpus: PDFs signed by pdfsig and openssl, then changed the way the shadow attacks
// (Mainka, Mladenov, Rohlmann, NDSS 2021), incremental saving, signature wrapping and universal
// signature forgery (CCS 2019) change them, next to the benign updates other signing tools make.
// Each case states the verdict the verifier must give.
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber, PDFRef, PDFString, StandardFonts } from '@cantoo/pdf-lib';
import type { SignatureState, ModificationLevel } from '../../src/index.js';
import { createFormPdf, drawOnFirstPage, opensslSign, pdfsigSign, repointSignatureField, type VerifyFixtures } from '../fixtures/index.js';
import { appendRaw, objectText, update } from './update.js';

export interface CorpusCase {
  name: string;
  kind: 'attack' | 'benign';
  /** What it is, in a line. */
  about: string;
  pdf: Uint8Array;
  expect: {
    /** The report's overall verdict. */
    valid: boolean;
    /** modifiedAfterSigning of the first signature. */
    firstModified: boolean;
    /** A change the first signature must name (attacks). */
    change?: RegExp;
    /** A state some signature must carry. */
    state?: SignatureState;
    /** The level of the last revision. */
    level?: ModificationLevel;
  };
  /** pdfsig judges the signed bytes: true when it must call every signature's bytes valid. */
  pdfsigBytesValid?: boolean;
}

const ATTACK = (
  name: string,
  about: string,
  pdf: Uint8Array,
  change: RegExp,
  extra: Partial<CorpusCase['expect']> = {},
  pdfsigBytesValid = true,
): CorpusCase => ({
  name,
  kind: 'attack',
  about,
  pdf,
  expect: { valid: false, firstModified: true, change, ...extra },
  pdfsigBytesValid,
});
const BENIGN = (
  name: string,
  about: string,
  pdf: Uint8Array,
  extra: Partial<CorpusCase['expect']> = {},
  pdfsigBytesValid = true,
): CorpusCase => ({
  name,
  kind: 'benign',
  about,
  pdf,
  expect: { valid: true, firstModified: false, ...extra },
  pdfsigBytesValid,
});

/** A one-page form with a text field, an indirect /Annots array holding a note, optional content, and prepared orphans. */
async function richForm(): Promise<{ pdf: Uint8Array; shadowCatalog: number; missing: number }> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595, 842]);
  page.drawText('Leave application: 3 days', { x: 72, y: 760, size: 20, font });
  const form = doc.getForm();
  const name = form.createTextField('Name');
  name.setText('Zhang San');
  name.addToPage(page, { x: 72, y: 700, width: 200, height: 20 });
  const context = doc.context;
  const note = context.register(
    context.obj({ Type: 'Annot', Subtype: 'Text', Rect: [500, 800, 520, 820], Contents: PDFString.of('checked') }),
  );
  const annots = page.node.Annots() as PDFArray;
  annots.push(note);
  page.node.set(PDFName.of('Annots'), context.register(annots));
  const layer = context.register(context.obj({ Type: 'OCG', Name: PDFString.of('Watermark') }));
  doc.catalog.set(PDFName.of('OCProperties'), context.register(context.obj({ OCGs: [layer], D: context.obj({ ON: [layer], OFF: [] }) })));
  // "Hide-and-replace": a complete second document prepared in the file, referenced by nothing.
  const shadowContent = context.register(context.stream('BT /F1 20 Tf 72 760 Td (Leave application: 300 days) Tj ET'));
  const shadowPage = context.register(
    context.obj({ Type: 'Page', MediaBox: [0, 0, 595, 842], Contents: shadowContent, Resources: page.node.Resources() as PDFDict }),
  );
  const shadowPages = context.register(context.obj({ Type: 'Pages', Kids: [shadowPage], Count: 1 }));
  context.assign(
    shadowPage,
    context.obj({
      Type: 'Page',
      Parent: shadowPages,
      MediaBox: [0, 0, 595, 842],
      Contents: shadowContent,
      Resources: page.node.Resources() as PDFDict,
    }),
  );
  const shadowCatalog = context.register(context.obj({ Type: 'Catalog', Pages: shadowPages }));
  // A resource that names an object nobody defined yet ("missing when signed").
  const missing = context.largestObjectNumber + 50;
  (page.node.Resources() as PDFDict).set(PDFName.of('XObject'), context.obj({ Later: PDFRef.of(missing) }));
  return { pdf: await doc.save({ useObjectStreams: false }), shadowCatalog: shadowCatalog.objectNumber, missing };
}

function catalogNumber(pdf: Uint8Array): Promise<number> {
  return PDFDocument.load(pdf, { updateMetadata: false }).then((doc) => (doc.context.trailerInfo.Root as PDFRef).objectNumber);
}

async function firstPage(pdf: Uint8Array): Promise<{ page: number; content: number; font: number }> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const node = doc.getPage(0).node;
  const contents = node.get(PDFName.of('Contents'));
  const content = contents instanceof PDFRef ? contents : ((doc.context.lookup(contents) as PDFArray).get(0) as PDFRef);
  const fonts = (node.Resources() as PDFDict).lookup(PDFName.of('Font'), PDFDict);
  const font = fonts.values()[0] as PDFRef;
  return { page: doc.getPage(0).ref.objectNumber, content: content.objectNumber, font: font.objectNumber };
}

async function fieldObjects(
  pdf: Uint8Array,
  fieldName: string,
): Promise<{ field: number; widget: number; appearance?: number; normal?: number; value: number }> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const fields = doc.catalog.getAcroForm()?.getAllFields() ?? [];
  const [acroField, ref] = fields.find(([f]) => f.getPartialName() === fieldName) ?? [];
  if (!acroField || !ref) throw new Error(`no field ${fieldName}`);
  const kids = acroField.dict.lookupMaybe(PDFName.of('Kids'), PDFArray);
  const widget = kids ? (kids.get(0) as PDFRef) : ref;
  const widgetDict = doc.context.lookup(widget) as PDFDict;
  const ap = widgetDict.get(PDFName.of('AP'));
  const apDict = ap instanceof PDFRef ? (doc.context.lookup(ap) as PDFDict) : undefined;
  const normal = apDict?.get(PDFName.of('N'));
  return {
    field: ref.objectNumber,
    widget: widget.objectNumber,
    appearance: ap instanceof PDFRef ? ap.objectNumber : undefined,
    normal: normal instanceof PDFRef ? normal.objectNumber : undefined,
    value: (acroField.dict.get(PDFName.of('V')) as PDFRef).objectNumber,
  };
}

const stream = (content: string, extra = '') => `<< /Length ${content.length}${extra} >>\nstream\n${content}\nendstream`;

export async function buildCorpus(fx: VerifyFixtures): Promise<CorpusCase[]> {
  const { pki, workDir } = fx;
  const sign = (pdf: Uint8Array, field: string) => pdfsigSign(pki.nssDir, pki.rsa.nick, field, pdf, workDir);
  const base = await createFormPdf();
  const signed = sign(base, 'Seal1');
  const rich = await richForm();
  const richSigned = sign(rich.pdf, 'Seal1');
  const withAppearance = await opensslSign(base, {
    signer: pki.rsa,
    fieldName: 'Seal1',
    subFilter: 'ETSI.CAdES.detached',
    appearance: true,
    workDir,
  });
  const withKid = await opensslSign(base, {
    signer: pki.rsa,
    fieldName: 'Seal1',
    subFilter: 'ETSI.CAdES.detached',
    appearance: true,
    separateWidget: true,
    workDir,
  });
  const locked = await opensslSign(rich.pdf, {
    signer: pki.rsa,
    fieldName: 'Seal1',
    subFilter: 'ETSI.CAdES.detached',
    lock: { action: 'Include', fields: ['Name'] },
    workDir,
  });
  const certified = (p: 1 | 2 | 3) =>
    opensslSign(rich.pdf, { signer: pki.rsa, fieldName: 'Seal1', subFilter: 'ETSI.CAdES.detached', certify: p, workDir });
  const page = await firstPage(signed);
  const catalog = await catalogNumber(signed);
  const richCatalog = await catalogNumber(richSigned);
  const catalogText = await objectText(signed, catalog);
  const sealOfAppearance = await fieldObjects(withAppearance, 'Seal1');
  const sealOfKid = await fieldObjects(withKid, 'Seal1');
  const sealOfSigned = await fieldObjects(signed, 'Seal1');
  const fillName = (pdf: Uint8Array, value: string) => update(pdf, (doc) => doc.getForm().getTextField('Name').setText(value));
  const cases: CorpusCase[] = [];

  // --- Attacks -------------------------------------------------------------------------------
  cases.push(
    ATTACK(
      'content-replaced',
      'the page content stream redefined under its old number',
      await appendRaw(signed, [{ number: page.content, body: stream('BT /F1 20 Tf 72 760 Td (Leave application: 300 days) Tj ET') }]),
      /page 1 content/,
    ),
  );
  cases.push(
    ATTACK(
      'content-overlay',
      'a content stream appended to the page draws over the signed text',
      await drawOnFirstPage(signed, 'APPROVED: 300 days'),
      /page 1 content/,
    ),
  );
  cases.push(
    ATTACK(
      'annotation-overlay',
      'a FreeText annotation covers the signed text (annotations are not allowed after an approval signature)',
      await update(signed, (doc) => {
        const note = doc.context.register(
          doc.context.obj({
            Type: 'Annot',
            Subtype: 'FreeText',
            Rect: [72, 750, 400, 790],
            Contents: PDFString.of('300 days'),
            DA: PDFString.of('/Helv 20 Tf 0 g'),
          }),
        );
        doc.getPage(0).node.addAnnot(note);
      }),
      /annotation added \(FreeText\)/,
      { level: 'ANNOTATIONS' },
    ),
  );
  cases.push(
    ATTACK(
      'signed-appearance-stream',
      'the appearance stream of a signed field redefined directly',
      await appendRaw(withAppearance, [
        {
          number: sealOfAppearance.normal as number,
          body: stream('BT /Helv 12 Tf 2 20 Td (REJECTED) Tj ET', ' /Type /XObject /Subtype /Form /BBox [0 0 100 50]'),
        },
      ]),
      /signature field Seal1 appearance changed/,
    ),
  );
  cases.push(
    ATTACK(
      'signed-appearance-indirect-ap',
      'the indirect /AP of a signed field re-pointed to a new /N stream',
      await appendRaw(withAppearance, [
        { number: 900, body: stream('BT /Helv 12 Tf 2 20 Td (REJECTED) Tj ET', ' /Type /XObject /Subtype /Form /BBox [0 0 100 50]') },
        { number: sealOfAppearance.appearance as number, body: '<< /N 900 0 R >>' },
      ]),
      /signature field Seal1 appearance changed/,
    ),
  );
  cases.push(
    ATTACK(
      'signed-kid-widget',
      'the widget kid of a signed field moved and given another appearance',
      await appendRaw(withKid, [
        { number: 901, body: stream('BT /Helv 12 Tf 2 20 Td (VOID) Tj ET', ' /Type /XObject /Subtype /Form /BBox [0 0 100 50]') },
        {
          number: sealOfKid.widget,
          body: `<< /Type /Annot /Subtype /Widget /Rect [72 750 172 800] /F 132 /P ${page.page} 0 R /Parent ${sealOfKid.field} 0 R /AP << /N 901 0 R >> >>`,
        },
      ]),
      /signature field Seal1 changed/,
      {},
      false,
    ),
  ); // pdfsig finds no signature in a field with a widget kid
  cases.push(
    ATTACK(
      'locked-field-filled',
      'a form field the signature locks (/Lock /Include [Name]) is filled in later',
      await fillName(locked, 'Li Si'),
      /form field Name filled in \(locked by this signature\)/,
    ),
  );
  cases.push(
    ATTACK(
      'certified-p1-filled',
      'a form field filled in after a certification that allows no changes (P=1)',
      await fillName(await certified(1), 'Li Si'),
      /form field Name filled in/,
      { state: 'CERTIFICATION' },
    ),
  );
  cases.push(
    ATTACK(
      'font-redefined',
      'the page font redefined under its old number (a "replace" shadow attack)',
      await appendRaw(signed, [
        { number: page.font, body: '<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>' },
      ]),
      /page 1 resources/,
    ),
  );
  cases.push(
    ATTACK(
      'hide-and-replace',
      'the trailer re-pointed to a catalog that was already in the signed file, unused',
      await appendRaw(richSigned, [], { root: rich.shadowCatalog }),
      /unused when signed, used later/,
      {},
      false,
    ),
  ); // pdfsig follows the shadow catalog and sees no signature at all
  cases.push(
    ATTACK(
      'shadow-catalog-new',
      'the trailer re-pointed to a new catalog with its own page tree',
      await appendRaw(
        signed,
        [
          { number: 902, body: stream('BT /F1 20 Tf 72 760 Td (Other document) Tj ET') },
          { number: 903, body: '<< /Type /Page /Parent 904 0 R /MediaBox [0 0 595 842] /Contents 902 0 R >>' },
          { number: 904, body: '<< /Type /Pages /Kids [903 0 R] /Count 1 >>' },
          { number: 905, body: catalogText.replace(/\/Pages \d+ 0 R/, '/Pages 904 0 R') },
        ],
        { root: 905 },
      ),
      /page tree/,
    ),
  );
  cases.push(
    ATTACK(
      'open-action-javascript',
      'a catalog /OpenAction running JavaScript added',
      await update(signed, (doc) => {
        doc.catalog.set(PDFName.of('OpenAction'), doc.context.obj({ S: 'JavaScript', JS: PDFString.of('app.alert("paid")') }));
      }),
      /catalog \/OpenAction/,
    ),
  );
  cases.push(
    ATTACK(
      'names-javascript',
      'a document-level JavaScript added through /Names',
      await update(signed, (doc) => {
        const js = doc.context.register(doc.context.obj({ S: 'JavaScript', JS: PDFString.of('this.print()') }));
        doc.catalog.set(PDFName.of('Names'), doc.context.obj({ JavaScript: doc.context.obj({ Names: [PDFString.of('x'), js] }) }));
      }),
      /catalog \/Names/,
    ),
  );
  cases.push(
    ATTACK(
      'embedded-file',
      'a file attached after signing',
      await update(signed, async (doc) => {
        await doc.attach(new TextEncoder().encode('invoice: 999'), 'invoice.txt', { mimeType: 'text/plain' });
      }),
      /catalog \/Names/,
    ),
  );
  const ocText = await objectText(richSigned, await ocPropertiesNumber(richSigned));
  const layer = /\/OCGs \[\s*(\d+ 0 R)\s*\]/.exec(ocText)?.[1];
  cases.push(
    ATTACK(
      'optional-content-state',
      'an optional-content layer switched off after signing',
      await appendRaw(richSigned, [
        { number: await ocPropertiesNumber(richSigned), body: `<< /OCGs [${layer}] /D << /ON [] /OFF [${layer}] >> >>` },
      ]),
      /catalog \/OCProperties changed/,
    ),
  );
  cases.push(
    ATTACK(
      'byte-range-short',
      'the /ByteRange stops before the end of the revision that holds the signature',
      await opensslSign(base, {
        signer: pki.rsa,
        fieldName: 'Seal1',
        subFilter: 'ETSI.CAdES.detached',
        workDir,
        mutateByteRange: ([a, b, c, d]) => [a, b, c, d - 40],
      }),
      /stop before the end of their revision/,
      {},
      false,
    ),
  );
  cases.push(
    ATTACK(
      'signature-wrapping',
      'the field re-pointed to a copy of its signature dictionary in a later update',
      await appendRaw(signed, [
        { number: 906, body: (await objectText(signed, sealOfSigned.value)).replace(/\/Reason \([^)]*\)/, '') },
        { number: sealOfSigned.field, body: (await objectText(signed, sealOfSigned.field)).replace(/\/V \d+ 0 R/, '/V 906 0 R') },
      ]),
      /signature field Seal1 changed/,
      { state: 'BYTE_RANGE_INVALID' },
      false,
    ),
  );
  cases.push(
    ATTACK(
      'signature-in-object-stream',
      'the field re-pointed to a copy of its signature dictionary inside an object stream',
      await update(
        signed,
        (doc) => {
          const [field] =
            doc.catalog
              .getAcroForm()
              ?.getAllFields()
              .find(([f]) => f.getPartialName() === 'Seal1') ?? [];
          const original = doc.context.lookup(field?.dict.get(PDFName.of('V')) as PDFRef) as PDFDict;
          field?.dict.set(PDFName.of('V'), doc.context.register(original.clone(doc.context)));
        },
        true,
      ),
      /signature field Seal1 changed/,
      { state: 'BYTE_RANGE_INVALID' },
      false,
    ),
  );
  cases.push(
    ATTACK(
      'signature-replaced',
      "a signed field pointed at another field's signature",
      await repointSignatureField(sign(signed, 'Seal2'), 'Seal1', 'Seal2'),
      /signature field Seal1 changed/,
      {},
      false,
    ),
  );
  cases.push(ATTACK('page-added', 'a page added after signing', await update(signed, (doc) => void doc.addPage([595, 842])), /page tree/));
  cases.push(
    ATTACK(
      'annotation-removed',
      'an annotation that was signed removed',
      await update(richSigned, (doc) => {
        const annots = doc.getPage(0).node.Annots() as PDFArray;
        annots.remove(annots.size() - 1);
      }),
      /annotation removed/,
    ),
  );
  cases.push(
    ATTACK(
      'form-field-added',
      'a new text field added after signing',
      await update(signed, (doc) => {
        doc.getForm().createTextField('Days').addToPage(doc.getPage(0), { x: 72, y: 600, width: 100, height: 20 });
      }),
      /form field Days added/,
    ),
  );
  cases.push(
    ATTACK(
      'missing-when-signed',
      'an object the signed page referred to, undefined then, defined later',
      await appendRaw(richSigned, [
        { number: rich.missing, body: stream('BT /F1 30 Tf 72 400 Td (PAID) Tj ET', ' /Type /XObject /Subtype /Form /BBox [0 0 595 842]') },
      ]),
      /missing when signed, defined later/,
    ),
  );
  cases.push(
    ATTACK(
      'page-rotated',
      'the page rotated after signing',
      await update(signed, (doc) => doc.getPage(0).node.set(PDFName.of('Rotate'), PDFNumber.of(180))),
      /page 1 \/Rotate/,
    ),
  );
  cases.push(
    ATTACK(
      'encrypted-later',
      'an /Encrypt entry added to the trailer',
      await appendRaw(signed, [{ number: 907, body: '<< /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>' }], {
        extraTrailer: ' /Encrypt 907 0 R',
      }),
      /encryption/,
      {},
      false,
    ),
  ); // pdfsig cannot open it

  // --- Benign updates ------------------------------------------------------------------------
  cases.push(
    BENIGN(
      'version-bumped',
      'a later signer raises the catalog /Version',
      await update(signed, (doc) => doc.catalog.set(PDFName.of('Version'), PDFName.of('2.0'))),
      { level: 'LTA_UPDATES' },
    ),
  );
  cases.push(
    BENIGN(
      'extensions-added',
      'a later signer declares /Extensions (ESIC)',
      await update(signed, (doc) => {
        doc.catalog.set(
          PDFName.of('Extensions'),
          doc.context.obj({ ESIC: doc.context.obj({ BaseVersion: PDFName.of('1.7'), ExtensionLevel: 2 }) }),
        );
      }),
      { level: 'LTA_UPDATES' },
    ),
  );
  cases.push(
    BENIGN(
      'metadata-updated',
      'XMP metadata added by a later tool',
      await update(signed, (doc) => {
        const xmp = doc.context.register(doc.context.stream('<x:xmpmeta xmlns:x="adobe:ns:meta/"/>', { Type: 'Metadata', Subtype: 'XML' }));
        doc.catalog.set(PDFName.of('Metadata'), xmp);
      }),
      { level: 'LTA_UPDATES' },
    ),
  );
  cases.push(
    BENIGN(
      'info-updated',
      '/Info gets a new ModDate and Producer',
      await update(signed, (doc) => {
        doc.setProducer('Other signing tool 9.1');
        doc.setModificationDate(new Date('2026-12-01T00:00:00Z'));
      }),
    ),
  );
  cases.push(
    BENIGN(
      'signature-via-indirect-annots',
      'a second signature whose widget is added through the indirect /Annots array',
      await opensslSign(richSigned, {
        signer: pki.ec,
        fieldName: 'Seal2',
        subFilter: 'ETSI.CAdES.detached',
        workDir,
      }),
    ),
  );
  cases.push(
    BENIGN(
      'signature-via-indirect-kids',
      'a second signature as the widget kid of a new field (indirect /Kids)',
      await opensslSign(signed, {
        signer: pki.ec,
        fieldName: 'Seal2',
        subFilter: 'ETSI.CAdES.detached',
        separateWidget: true,
        appearance: true,
        workDir,
      }),
      {},
      false,
    ),
  );
  cases.push(
    BENIGN(
      'dss-added',
      'a DSS with certificates and a VRI (PAdES B-LT)',
      await update(signed, (doc) => {
        const cert = doc.context.register(doc.context.stream(Buffer.from(pki.rootPem.replace(/-----[^-]+-----|\s/g, ''), 'base64')));
        doc.catalog.set(PDFName.of('DSS'), doc.context.obj({ Certs: [cert], VRI: doc.context.obj({}) }));
      }),
      { level: 'LTA_UPDATES' },
    ),
  );
  cases.push(
    BENIGN(
      'document-timestamp',
      'a document timestamp (PAdES B-LTA)',
      await opensslSign(signed, { fieldName: 'DocTs', subFilter: 'ETSI.RFC3161', timestampAuthority: pki.tsa, workDir }),
    ),
  );
  cases.push(
    BENIGN(
      'equal-rewrite',
      'the catalog rewritten with other white space, same meaning',
      await appendRaw(signed, [{ number: catalog, body: catalogText.replace(/ /g, '  ') }]),
      { level: 'NONE' },
    ),
  );
  cases.push(
    BENIGN(
      'acroform-housekeeping',
      '/AcroForm gains /NeedAppearances false, /DR and /SigFlags',
      await update(richSigned, (doc) => {
        const form = doc.catalog.getOrCreateAcroForm().dict;
        form.set(PDFName.of('NeedAppearances'), doc.context.obj(false));
        form.set(PDFName.of('SigFlags'), PDFNumber.of(3));
        form.set(PDFName.of('DR'), doc.context.obj({ Font: doc.context.obj({}) }));
      }),
    ),
  );
  cases.push(
    BENIGN(
      'field-filled',
      'a form field filled in after an approval signature (form filling is allowed)',
      await fillName(richSigned, 'Li Si'),
      { level: 'FORM_FILLING' },
    ),
  );
  cases.push(
    BENIGN(
      'certified-p3-annotated',
      'a note added to a document certified with P=3 (annotations allowed)',
      await update(await certified(3), (doc) => {
        const note = doc.context.register(
          doc.context.obj({ Type: 'Annot', Subtype: 'Text', Rect: [72, 600, 92, 620], Contents: PDFString.of('ok') }),
        );
        doc.getPage(0).node.addAnnot(note);
      }),
      { state: 'CERTIFICATION', level: 'ANNOTATIONS' },
    ),
  );
  cases.push(
    BENIGN(
      'certified-p2-countersigned',
      'an approval signature after a certification with P=2',
      await opensslSign(await certified(2), {
        signer: pki.ec,
        fieldName: 'Seal2',
        subFilter: 'ETSI.CAdES.detached',
        workDir,
      }),
      { state: 'CERTIFICATION' },
    ),
  );
  cases.push(
    BENIGN(
      'ed25519',
      'an Ed25519 signature (RFC 8419)',
      await opensslSign(signed, { signer: pki.ed25519, fieldName: 'EdSeal', subFilter: 'ETSI.CAdES.detached', digest: 'sha512', workDir }),
    ),
  );
  cases.push(
    BENIGN(
      'untrusted-timestamp',
      'a signature timestamp from an authority outside the trust list: valid, untrusted',
      await opensslSign(signed, {
        signer: pki.ec,
        fieldName: 'Seal2',
        subFilter: 'ETSI.CAdES.detached',
        timestampAuthority: pki.strangerTsa,
        workDir,
      }),
      { state: 'TIMESTAMP_UNTRUSTED' },
    ),
  );
  cases.push(
    BENIGN(
      'our-seal-on-pdfsig',
      'our own kind of seal (pdf-lib incremental update) on top of pdfsig seals',
      await opensslSign(sign(signed, 'Seal2'), {
        signer: pki.ec,
        fieldName: 'Seal3',
        subFilter: 'ETSI.CAdES.detached',
        appearance: true,
        workDir,
      }),
    ),
  );
  void richCatalog;
  return cases;
}

async function ocPropertiesNumber(pdf: Uint8Array): Promise<number> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  return (doc.catalog.get(PDFName.of('OCProperties')) as PDFRef).objectNumber;
}
