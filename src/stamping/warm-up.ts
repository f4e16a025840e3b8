import fs from 'node:fs/promises';
import path from 'node:path';
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import type { Logger } from 'pino';
import { resolvePlacement } from '../pdf/placement.js';
import { prepareSealImage, prepareSigner, signPdf } from '../pdf/pades/index.js';
import { verifyPdf } from '@infoplus/pdf-verify';
import type { SealRegistry } from '../seals/registry.js';
import { checkPublicKeyField } from '../signature/key-guard.js';
import { projectRoot } from '../util/project-root.js';

const PLACEHOLDER = '[SEAL]';
const WARM_SEALS = 64;
/** A form as our exporter writes it (LibreOffice: xref and object streams, a subset CJK font, indirect stream lengths). */
export const EXPORTED_FORM = path.join(projectRoot(), 'src', 'stamping', 'assets', 'warm-up.pdf');
export const EXPORTED_FORM_KEYWORD = '【学院盖章】';
/** V8 optimises a function after it has run a few times; one pass leaves the first real stamp half-compiled. */
const ROUNDS = 4;

/**
 * Runs throw-away stamps in memory before the first real one: pdfjs (keyword placement), pdf-lib on
 * both kinds of file it meets, the CJK comment font, the seal images (rasterised once), key import and
 * CMS, and the verifier all load and get optimised here instead of inside a user's first stamp.
 * Nothing is stored.
 */
export async function warmStampPath(registry: SealRegistry, log: Logger): Promise<number> {
  const started = performance.now();
  const seals = (await registry.list()).filter((seal) => seal.provider === 'local' && !seal.disabled);
  if (seals.length === 0) return 0;
  const images = await Promise.all(seals.slice(0, WARM_SEALS).map((seal) => registry.imagePng(seal)));
  // Each seal's image (decoded, compressed), key and certificate, prepared here instead of in its first stamp.
  // Bounded like the caches they fill: a registry of thousands of seals warms only the first ones.
  for (const image of images.slice(0, WARM_SEALS)) await prepareSealImage(image);
  const materials = [];
  for (const seal of seals.slice(0, WARM_SEALS)) {
    const sealMaterial = await registry.signingMaterial(seal);
    prepareSigner(sealMaterial);
    // The S2 of a stamp carries the certificate; the Signature service checks it once per certificate.
    checkPublicKeyField(sealMaterial.certificatePem);
    materials.push(sealMaterial);
  }
  const material = materials[0];
  const documents = [
    { pdf: new Uint8Array(await fs.readFile(EXPORTED_FORM)), keyword: EXPORTED_FORM_KEYWORD },
    ...(await builtDocuments()).map((pdf) => ({ pdf, keyword: PLACEHOLDER })),
  ];
  for (let round = 0; round < ROUNDS; round++) {
    for (const { pdf, keyword } of documents) {
      const byCoordinates = await resolvePlacement(pdf, { x: 400, y: 700 }, { width: 119, height: 119 });
      await signPdf(pdf, material, { placement: byCoordinates, image: images[0], signerName: '预热', reason: 'warm-up' });
      if (round > 0) continue;
      const placement = await resolvePlacement(pdf, { placeHolder: keyword }, { width: 119, height: 119 });
      const signed = await signPdf(pdf, material, {
        placement,
        image: images[0],
        comment: '同意 approved',
        signerName: '预热',
        reason: 'warm-up',
      });
      await verifyPdf(signed.pdf, { trustAnchorsPem: material.chainPem.slice(-1) });
    }
  }
  const ms = performance.now() - started;
  log.info({ ms: Math.round(ms), seals: seals.length }, 'stamp path warmed');
  return ms;
}

/** A classic cross-reference table, then cross-reference and object streams, as pdf-lib writes them. */
async function builtDocuments(): Promise<Uint8Array[]> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  page.drawText(PLACEHOLDER, { x: 400, y: 100, size: 12, font: await doc.embedFont(StandardFonts.Helvetica) });
  return [await doc.save({ useObjectStreams: false }), await doc.save({ useObjectStreams: true })];
}
