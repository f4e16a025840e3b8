import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PDFDocument, StandardFonts, rgb } from '@cantoo/pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePlacement, type PlacementSlot } from '../../src/pdf/placement.js';
import { signPdf, type SigningMaterial } from '../../src/pdf/pades/index.js';
import { verifyPdf } from '@infoplus/pdf-verify';
import { createCa, issueSigningCertificate, type CertifiedKey } from '../../src/pki/index.js';
import { officialSealSvg, rasterizeSvg } from '../../src/seals/seal-image.js';
import { docxOf, sofficePdf } from '../helpers/office.js';
import { nssDbTrusting, pdfsig } from '../helpers/pdfsig.js';
import { startTestTsa, type TestTsa } from '../helpers/tsa.js';

const SEAL = 119;

/** Word boxes (PDF user space) of a page as poppler's pdftotext sees them: an independent text locator. */
function popplerWords(pdf: Uint8Array, page: number): Array<{ text: string; x1: number; x2: number; y1: number; y2: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bbox-'));
  try {
    fs.writeFileSync(path.join(dir, 'in.pdf'), pdf);
    const html = execFileSync('pdftotext', ['-bbox', '-f', String(page), '-l', String(page), path.join(dir, 'in.pdf'), '-'], {
      encoding: 'utf8',
    });
    const height = Number(/<page width="[\d.]+" height="([\d.]+)"/.exec(html)![1]);
    return [...html.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)].map((m) => ({
      text: m[5],
      x1: Number(m[1]),
      x2: Number(m[3]),
      y1: height - Number(m[4]),
      y2: height - Number(m[2]),
    }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const centre = (rect: number[]) => ({ x: (rect[0] + rect[2]) / 2, y: (rect[1] + rect[3]) / 2 });

describe('PAdES signing of seals (incremental updates)', () => {
  let ca: CertifiedKey;
  let ecdsa: SigningMaterial;
  let rsa: SigningMaterial;
  let image: { bytes: Uint8Array; mime: 'image/png' };
  let agreement: Uint8Array;
  let repeated: Uint8Array;
  let fiftyPages: Uint8Array;
  let nss: string;
  let tsa: TestTsa;

  beforeAll(async () => {
    ca = await createCa({ commonName: 'Test Seal CA', organization: '示范大学', keyAlgorithm: 'ECDSA-P256' });
    ecdsa = await issueSigningCertificate(ca, {
      commonName: '示范大学',
      organization: '示范大学',
      keyAlgorithm: 'ECDSA-P256',
      validDays: 30,
    });
    rsa = await issueSigningCertificate(ca, {
      commonName: '星河科技有限公司',
      organization: '星河科技有限公司',
      keyAlgorithm: 'RSA-2048',
      validDays: 30,
    });
    image = { bytes: await rasterizeSvg(officialSealSvg({ organization: '示范大学', kind: '合同专用章' }), 400), mime: 'image/png' };
    agreement = sofficePdf(
      docxOf(['技术服务合同', '甲方：示范大学', '\f', '甲方（盖章）：【甲方盖章】', '【乙方盖章】', '日期：2026年11月22日']),
    );
    repeated = sofficePdf(docxOf(['审批人：【签】', '复核人：【签】', '批准人：【签】']));
    const pages: string[] = [];
    for (let i = 1; i <= 50; i++) pages.push(`第${i}页`, ...(i < 50 ? ['\f'] : []));
    fiftyPages = sofficePdf(docxOf(pages));
    nss = nssDbTrusting([ca.certificatePem]);
    tsa = await startTestTsa();
  });
  afterAll(async () => {
    await tsa?.close();
    fs.rmSync(nss, { recursive: true, force: true });
  });

  const place = (pdf: Uint8Array, slot: PlacementSlot) => resolvePlacement(pdf, slot, { width: SEAL, height: SEAL });

  it('keeps every earlier byte and signature: RSA then ECDSA, both valid in pdfsig and our verifier', async () => {
    const first = await signPdf(agreement, rsa, {
      placement: await place(agreement, { placeHolder: '【乙方盖章】' }),
      image,
      signerName: '陈七',
    });
    const second = await signPdf(first.pdf, ecdsa, {
      placement: await place(first.pdf, { placeHolder: '【甲方盖章】' }),
      image,
      signerName: '赵六',
    });
    expect(first.algorithm).toBe('SHA256withRSA; PAdES-B-B');
    expect(second.algorithm).toBe('SHA256withECDSA; PAdES-B-B');
    expect(Buffer.from(second.pdf.subarray(0, agreement.length)).equals(Buffer.from(agreement))).toBe(true);
    expect(Buffer.from(second.pdf.subarray(0, first.pdf.length)).equals(Buffer.from(first.pdf))).toBe(true);
    expect([first.fieldName, second.fieldName]).toEqual(['Seal 1', 'Seal 2']);

    const poppler = pdfsig(nss, second.pdf);
    expect(poppler.map((s) => [s.field, s.signatureValidation, s.certificateValidation])).toEqual([
      ['Seal 1', 'Signature is Valid.', 'Certificate is Trusted.'],
      ['Seal 2', 'Signature is Valid.', 'Certificate is Trusted.'],
    ]);
    expect(poppler[1].totalDocumentSigned).toBe(true);
    const report = await verifyPdf(second.pdf, { trustAnchorsPem: [ca.certificatePem] });
    expect(report.valid).toBe(true);
    expect(report.signatures.map((s) => [s.field, s.valid, s.trusted, s.modifiedAfterSigning, s.changes])).toEqual([
      ['Seal 1', true, true, false, []],
      ['Seal 2', true, true, false, []],
    ]);
  });

  it('writes PAdES-B-B CMS: content-type, message-digest, signing-certificate-v2 and no signing-time; openssl verifies it', async () => {
    for (const material of [ecdsa, rsa]) {
      const signed = await signPdf(agreement, material, { placement: await place(agreement, {}), image });
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cms-'));
      const file = (name: string) => path.join(dir, name);
      fs.writeFileSync(file('sig.der'), signed.cms);
      const dump = execFileSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', file('sig.der')], { encoding: 'utf8' });
      expect(dump).toContain('object: contentType');
      expect(dump).toContain('object: messageDigest');
      expect(dump).toMatch(/id-smime-aa-signingCertificateV2|1\.2\.840\.113549\.1\.9\.16\.2\.47/);
      expect(dump).not.toContain('signingTime');
      expect(dump).toContain('eContent: <ABSENT>');
      expect(new TextDecoder('latin1').decode(signed.pdf.subarray(agreement.length))).toContain('/SubFilter /ETSI.CAdES.detached');

      // The signed bytes (ByteRange) as detached content: openssl checks the signature, the
      // message digest and the chain to the CA on its own.
      const range = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/
        .exec(new TextDecoder('latin1').decode(signed.pdf))!
        .slice(1)
        .map(Number);
      const content = Buffer.concat([
        signed.pdf.subarray(range[0], range[0] + range[1]),
        signed.pdf.subarray(range[2], range[2] + range[3]),
      ]);
      fs.writeFileSync(file('content.bin'), content);
      fs.writeFileSync(file('ca.pem'), ca.certificatePem);
      const args = [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        file('sig.der'),
        '-content',
        file('content.bin'),
        '-CAfile',
        file('ca.pem'),
        '-purpose',
        'any',
        '-out',
        file('out.bin'),
      ];
      expect(execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })).toBe('');
      content[content.length - 1] ^= 1;
      fs.writeFileSync(file('content.bin'), content);
      expect(() => execFileSync('openssl', args, { stdio: 'pipe' })).toThrow(/verification failure|digest failure/i);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses signing material whose key does not belong to its certificate', async () => {
    const mixed = { ...ecdsa, privateKeyPem: rsa.privateKeyPem };
    await expect(signPdf(agreement, mixed, { placement: await place(agreement, {}), image })).rejects.toThrow(/does not belong/);
  });

  it('centres a keyword-placed seal on the placeholder, where poppler finds the text', async () => {
    const signed = await signPdf(agreement, ecdsa, { placement: await place(agreement, { placeHolder: '【乙方盖章】' }), image });
    const word = popplerWords(agreement, 2).find((w) => w.text === '【乙方盖章】')!;
    expect(word).toBeDefined();
    expect(signed.widgets).toHaveLength(1);
    expect(signed.widgets[0].page).toBe(1);
    const seal = centre(signed.widgets[0].rect);
    expect(Math.abs(seal.x - (word.x1 + word.x2) / 2)).toBeLessThan(1.5);
    expect(Math.abs(seal.y - (word.y1 + word.y2) / 2)).toBeLessThan(2);
    expect(signed.widgets[0].rect[2] - signed.widgets[0].rect[0]).toBeCloseTo(SEAL, 1);

    // Inside a longer line: the placeholder is the last 6 of 13 full-width characters of poppler's word.
    const inline = await signPdf(agreement, ecdsa, { placement: await place(agreement, { placeHolder: '【甲方盖章】' }), image });
    const line = popplerWords(agreement, 2).find((w) => w.text.endsWith('【甲方盖章】'))!;
    const perChar = (line.x2 - line.x1) / Array.from(line.text).length;
    expect(Math.abs(centre(inline.widgets[0].rect).x - (line.x2 - 3 * perChar))).toBeLessThan(1.5);
  });

  it('follows keywordOrder and keywordSeq, and refuses a placeholder that is not there', async () => {
    const words = popplerWords(repeated, 1)
      .filter((w) => w.text.endsWith('【签】'))
      .sort((a, b) => b.y1 - a.y1);
    expect(words).toHaveLength(3);
    const yOf = async (slot: PlacementSlot) =>
      (await signPdf(repeated, ecdsa, { placement: await place(repeated, slot), image })).widgets.map((w) => centre(w.rect).y);
    const near = (actual: number[], expected: number[]) => actual.forEach((y, i) => expect(Math.abs(y - expected[i])).toBeLessThan(2));
    const lineY = words.map((w) => (w.y1 + w.y2) / 2);
    near(await yOf({ placeHolder: '【签】' }), [lineY[2]]); // default: the first match counted from the end
    near(await yOf({ placeHolder: '【签】', keywordOrder: 1, keywordSeq: 2 }), [lineY[1]]);
    near(await yOf({ placeHolder: '【签】', keywordOrder: 2, keywordSeq: 3 }), [lineY[0]]);
    const all = await signPdf(repeated, ecdsa, { placement: await place(repeated, { placeHolder: '【签】', keywordOrder: 0 }), image });
    near(
      all.widgets.map((w) => centre(w.rect).y),
      lineY,
    );
    expect(pdfsig(nss, all.pdf).map((s) => s.signatureValidation)).toEqual(Array(3).fill('Signature is Valid.'));
    expect((await verifyPdf(all.pdf, { trustAnchorsPem: [ca.certificatePem] })).signatures).toHaveLength(1);

    await expect(place(repeated, { placeHolder: '【盖章】' })).rejects.toMatchObject({ code: 'PLACEHOLDER_NOT_FOUND' });
    await expect(place(repeated, { placeHolder: '【签】', keywordOrder: 1, keywordSeq: 4 })).rejects.toMatchObject({
      code: 'PLACEHOLDER_NOT_FOUND',
    });
  });

  it('places by coordinates from the top-left (centre of the seal), default last page bottom-right', async () => {
    const byXY = await signPdf(agreement, ecdsa, { placement: await place(agreement, { x: 100, y: 200, page: 1 }), image });
    expect(byXY.widgets[0].page).toBe(0);
    expect(centre(byXY.widgets[0].rect).x).toBeCloseTo(100, 1);
    expect(centre(byXY.widgets[0].rect).y).toBeCloseTo(841.89 - 200, 0);
    const byDefault = await signPdf(agreement, ecdsa, { placement: await place(agreement, {}), image });
    expect(byDefault.widgets[0].page).toBe(1);
    expect(byDefault.widgets[0].rect[2]).toBeCloseTo(595.3 - 72, 0);
    expect(byDefault.widgets[0].rect[1]).toBeCloseTo(72, 0);
    await expect(
      signPdf(agreement, ecdsa, { placement: await place(agreement, { x: 100, y: 100, page: 3 }), image }),
    ).rejects.toMatchObject({ code: 'PAGE_OUT_OF_RANGE' });
  });

  it('splits a cross-page seal into one slice per page along the right edge, as one signature', async () => {
    const signed = await signPdf(fiftyPages, ecdsa, { placement: await place(fiftyPages, { crossPage: true }), image });
    expect(signed.widgets).toHaveLength(50);
    expect(new Set(signed.widgets.map((w) => w.page)).size).toBe(50);
    for (const widget of signed.widgets) {
      expect(widget.rect[2]).toBeCloseTo(595.3, 0);
      expect(widget.rect[2] - widget.rect[0]).toBeCloseTo(SEAL / 50, 2);
    }
    const report = await verifyPdf(signed.pdf, { trustAnchorsPem: [ca.certificatePem] });
    expect(report.signatures.map((s) => [s.valid, s.trusted, s.coversWholeDocument])).toEqual([[true, true, true]]);
    expect(pdfsig(nss, signed.pdf).every((s) => s.signatureValidation === 'Signature is Valid.')).toBe(true);
  });

  it('draws the approval comment beside the seal in an embedded subset CJK font', async () => {
    const signed = await signPdf(agreement, ecdsa, {
      placement: await place(agreement, { placeHolder: '【甲方盖章】' }),
      image,
      comment: '同意，按合同执行。',
      signerName: '赵六',
    });
    const rect = signed.widgets[0].rect;
    expect(rect[2] - rect[0]).toBeGreaterThan(SEAL + 40);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'font-'));
    fs.writeFileSync(path.join(dir, 'signed.pdf'), signed.pdf);
    const fonts = execFileSync('pdffonts', [path.join(dir, 'signed.pdf')], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    // name, type, encoding, emb, sub, uni: the comment font is an embedded subset (XXXXXX+ prefix).
    expect(fonts).toMatch(/[A-Z]{6}\+NotoSansCJKsc-Regular\s+CID Type 0C\s+Identity-H\s+yes\s+yes\s+yes/);
    expect((await verifyPdf(signed.pdf, { trustAnchorsPem: [ca.certificatePem] })).valid).toBe(true);
  });

  it('detects a flipped byte and a later update that draws on the page', async () => {
    const signed = await signPdf(agreement, ecdsa, { placement: await place(agreement, { placeHolder: '【甲方盖章】' }), image });
    const flipped = signed.pdf.slice();
    const at = agreement.length - 200;
    flipped[at] ^= 0x01;
    const broken = await verifyPdf(flipped, { trustAnchorsPem: [ca.certificatePem] });
    expect(broken.valid).toBe(false);
    expect(broken.signatures[0]).toMatchObject({ intact: false, valid: false });
    expect(broken.signatures[0].states).toContain('DIGEST_MISMATCH');
    expect(pdfsig(nss, flipped)[0].signatureValidation).not.toBe('Signature is Valid.');

    const doc = await PDFDocument.load(signed.pdf, { forIncrementalUpdate: true, updateMetadata: false });
    doc.getPage(0).drawText('VOID', { x: 200, y: 400, size: 60, color: rgb(1, 0, 0), font: await doc.embedFont(StandardFonts.Helvetica) });
    const tampered = await doc.commit({ useObjectStreams: false });
    const report = await verifyPdf(tampered, { trustAnchorsPem: [ca.certificatePem] });
    expect(report.signatures[0].valid).toBe(true);
    expect(report.signatures[0].modifiedAfterSigning).toBe(true);
    expect(report.signatures[0].changes.join(' ')).toMatch(/page 1/);
    expect(report.valid).toBe(false);
  });

  it('adds an RFC 3161 signature timestamp when a TSA is configured, and fails loudly when it fails', async () => {
    tsa.mode = 'ok';
    const placement = await place(agreement, {});
    const stamped = await signPdf(agreement, ecdsa, { placement, image, tsa: { url: tsa.url } });
    expect(stamped.algorithm).toBe('SHA256withECDSA; PAdES-B-T');
    const report = await verifyPdf(stamped.pdf, { trustAnchorsPem: [ca.certificatePem, tsa.certificatePem] });
    expect(report.signatures[0].states).toContain('TIMESTAMP_VALID');
    expect(report.valid).toBe(true);
    expect(pdfsig(nss, stamped.pdf)[0].signatureValidation).toBe('Signature is Valid.');

    tsa.mode = 'error';
    await expect(signPdf(agreement, ecdsa, { placement, image, tsa: { url: tsa.url } })).rejects.toMatchObject({ code: 'TSA_FAILED' });
    tsa.mode = 'rejection';
    await expect(signPdf(agreement, ecdsa, { placement, image, tsa: { url: tsa.url } })).rejects.toMatchObject({
      code: 'TSA_FAILED',
      message: expect.stringMatching(/imprint/),
    });
    await expect(
      signPdf(agreement, ecdsa, { placement, image, tsa: { url: 'http://127.0.0.1:9/tsa', timeoutMs: 2000 } }),
    ).rejects.toMatchObject({ code: 'TSA_FAILED' });
  });

  it('refuses bytes that are not a PDF', async () => {
    await expect(
      signPdf(new TextEncoder().encode('not a pdf at all'), ecdsa, {
        placement: { kind: 'anchors', anchors: [{ page: 'last', x: 100, y: 100, origin: 'top-left' }], width: SEAL, height: SEAL },
        image,
      }),
    ).rejects.toMatchObject({ code: 'PDF_UNREADABLE' });
  });
});
