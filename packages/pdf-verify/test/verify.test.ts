// The verifier against PDFs signed by independent implementations (poppler's pdfsig with NSS,
// openssl cms / openssl ts), every verdict cross-checked with pdfsig where it has an opinion.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PdfParseError, verifyPdf, type VerifyReport } from '../src/index.js';
import { loadTrustAnchorsPem } from '../src/node.js';
import {
  addNoteAndPage,
  buildFixtures,
  createFormPdf,
  createLibreOfficePdf,
  drawOnFirstPage,
  repointSignatureField,
  opensslSign,
  pdfsigDump,
  pdfsigSign,
  pdfsigVerify,
  type VerifyFixtures,
} from './fixtures/index.js';

let fx: VerifyFixtures;

beforeAll(async () => {
  fx = await buildFixtures();
});

afterAll(() => fx?.cleanUp());

const verify = (pdf: Uint8Array, options: { expectedCms?: (Uint8Array | null)[] } = {}): Promise<VerifyReport> =>
  verifyPdf(pdf, { trustAnchorsPem: [fx.pki.rootPem], ...options });

describe('verifyPdf', () => {
  it('accepts three pdfsig signatures: valid, trusted, only the last covering the whole file, earlier ones not flagged', async () => {
    const report = await verify(fx.threeSigned);

    expect(report.valid).toBe(true);
    expect(report.signatureCount).toBe(3);
    expect(report.documentStates).toEqual(['ALL_SIGNATURES_VALID']);
    expect(report.signatures.map((s) => s.field)).toEqual(['Seal1', 'Seal2', 'Seal3']);
    expect(report.signatures.map((s) => s.revision)).toEqual([2, 3, 4]);
    for (const signature of report.signatures) {
      expect(signature).toMatchObject({ valid: true, intact: true, trusted: true, modifiedAfterSigning: false, changes: [] });
      expect(signature.states).toEqual(expect.arrayContaining(['SIGNATURE_VALID', 'CERT_TRUSTED']));
      expect(signature).toMatchObject({ signer: 'RSA Signer (Verify Tests)', issuer: 'Verify Test Root CA (Verify Tests)' });
      expect(signature).toMatchObject({
        subFilter: 'adbe.pkcs7.detached',
        digestAlgorithm: 'SHA-256',
        signatureAlgorithm: 'RSASSA-PKCS1-v1_5 with SHA-256',
      });
      expect(signature.signerCertificatePem).toBe(fx.pki.rsa.certPem);
      expect(Math.abs(Date.parse(signature.signedAt ?? '') - Date.now())).toBeLessThan(10 * 60_000);
    }
    expect(report.signatures.map((s) => s.coversWholeDocument)).toEqual([false, false, true]);
    expect(report.signatures[2].byteRange[2] + report.signatures[2].byteRange[3]).toBe(fx.threeSigned.length);

    const pdfsig = pdfsigVerify(fx.pki.nssDir, fx.threeSigned, fx.workDir);
    expect(pdfsig.map((s) => [s.field, s.signatureValidation, s.certificateValidation, s.totalDocumentSigned])).toEqual(
      report.signatures.map((s) => [s.field, 'Signature is Valid.', 'Certificate is Trusted.', s.coversWholeDocument]),
    );
  });

  it('keeps LibreOffice output valid through pdf-lib signing updates (which rewrite the page) and pdfsig', async () => {
    let pdf = createLibreOfficePdf(fx.workDir);
    pdf = await opensslSign(pdf, { signer: fx.pki.rsa, fieldName: 'Applicant', subFilter: 'ETSI.CAdES.detached', workDir: fx.workDir });
    pdf = await opensslSign(pdf, { signer: fx.pki.ec, fieldName: 'Department', subFilter: 'ETSI.CAdES.detached', workDir: fx.workDir });
    pdf = pdfsigSign(fx.pki.nssDir, fx.pki.rsa.nick, 'Office', pdf, fx.workDir);

    const report = await verify(pdf);
    expect(report.valid).toBe(true);
    expect(report.revisions.map((revision) => revision.changes)).toEqual([[], [], [], []]);
    expect(pdfsigVerify(fx.pki.nssDir, pdf, fx.workDir).map((s) => [s.field, s.signatureValidation, s.certificateValidation])).toEqual([
      ['Applicant', 'Signature is Valid.', 'Certificate is Trusted.'],
      ['Department', 'Signature is Valid.', 'Certificate is Trusted.'],
      ['Office', 'Signature is Valid.', 'Certificate is Trusted.'],
    ]);

    const tampered = await verify(await drawOnFirstPage(pdf, 'Days: 30'));
    expect(tampered.signatures.map((s) => s.changes.includes('page 1 content'))).toEqual([true, true, true]);
  });

  it('reports DIGEST_MISMATCH for every signature when one signed byte is flipped', async () => {
    const tampered = fx.threeSigned.slice();
    const mediaBox = Buffer.from(tampered).indexOf('/MediaBox [ 0 0 595 842 ]');
    expect(mediaBox).toBeGreaterThan(0);
    tampered[mediaBox + '/MediaBox [ 0 0 59'.length] = '4'.charCodeAt(0); // page width 595 → 594 in revision 1

    const report = await verify(tampered);

    expect(report.valid).toBe(false);
    for (const signature of report.signatures) {
      expect(signature).toMatchObject({ intact: false, valid: false });
      expect(signature.states).toEqual(expect.arrayContaining(['DIGEST_MISMATCH', 'SIGNATURE_INVALID']));
      expect(signature.states).not.toContain('SIGNATURE_VALID');
    }
    expect(pdfsigVerify(fx.pki.nssDir, tampered, fx.workDir).map((s) => s.signatureValidation)).toEqual(Array(3).fill('Digest Mismatch.'));
  });

  it('flags earlier signatures when a later update draws on page 1, and does not flag a signature added after that', async () => {
    const drawn = await drawOnFirstPage(fx.threeSigned, 'Approved: 30 days');
    const tampered = await verify(drawn);

    expect(tampered.valid).toBe(false);
    expect(tampered.documentStates).toContain('UPDATED_AFTER_LAST_SIGNATURE');
    for (const signature of tampered.signatures) {
      expect(signature.valid).toBe(true); // the signed bytes themselves are untouched
      expect(signature.modifiedAfterSigning).toBe(true);
      expect(signature.states).toContain('MODIFIED_AFTER_SIGNING');
      expect(signature.changes).toContain('page 1 content');
    }
    expect(tampered.revisions.at(-1)?.changes).toEqual(expect.arrayContaining(['page 1 content', 'page 1 resources']));

    const signedAgain = await verify(pdfsigSign(fx.pki.nssDir, fx.pki.rsa.nick, 'Seal4', drawn, fx.workDir));
    expect(signedAgain.signatures.map((s) => [s.field, s.modifiedAfterSigning])).toEqual([
      ['Seal1', true],
      ['Seal2', true],
      ['Seal3', true],
      ['Seal4', false],
    ]);
    expect(signedAgain.signatures[3]).toMatchObject({ valid: true, trusted: true, coversWholeDocument: true, changes: [] });
    expect(signedAgain.valid).toBe(false);
  });

  it('reads object streams and cross-reference streams, and rebuilds a broken cross-reference', async () => {
    let pdf = await createFormPdf({ objectStreams: true });
    expect(Buffer.from(pdf).includes('/ObjStm')).toBe(true);
    for (const field of ['Seal1', 'Seal2']) pdf = pdfsigSign(fx.pki.nssDir, fx.pki.rsa.nick, field, pdf, fx.workDir);
    const signed = await verify(pdf);
    expect(signed.valid).toBe(true);
    expect(pdfsigVerify(fx.pki.nssDir, pdf, fx.workDir).map((s) => s.signatureValidation)).toEqual([
      'Signature is Valid.',
      'Signature is Valid.',
    ]);

    // An update drawing on page 1 whose startxref points nowhere: the table is rebuilt by scanning.
    const drawn = Buffer.from(await drawOnFirstPage(pdf, 'Approved: 30 days')).toString('latin1');
    const broken = drawn.replace(/startxref\s+(\d+)\s+%%EOF\s*$/, (match, offset: string) =>
      match.replace(offset, '10'.padStart(offset.length, ' ')),
    );
    expect(broken).not.toBe(drawn);
    const report = await verify(new Uint8Array(Buffer.from(broken, 'latin1')));
    expect(report.documentStates).toContain('XREF_RECONSTRUCTED');
    expect(report.signatures.map((s) => [s.valid, s.modifiedAfterSigning, s.changes.includes('page 1 content')])).toEqual([
      [true, true, true],
      [true, true, true],
    ]);
  });

  it('names a new non-widget annotation and a new page as changes after signing', async () => {
    const report = await verify(await addNoteAndPage(fx.threeSigned));

    expect(report.valid).toBe(false);
    for (const signature of report.signatures) {
      expect(signature.modifiedAfterSigning).toBe(true);
      expect(signature.changes).toEqual(expect.arrayContaining(['page 1 annotation added (Text)', 'page tree']));
    }
  });

  it('says CERT_ISSUER_UNKNOWN for a signer from a CA that is not a trust anchor', async () => {
    const pdf = pdfsigSign(fx.pki.nssDir, fx.pki.stranger.nick, 'Stranger', fx.form, fx.workDir);
    const [signature] = (await verify(pdf)).signatures;

    expect(signature).toMatchObject({ valid: true, trusted: false, signer: 'Stranger (Elsewhere)', issuer: 'Unknown CA (Elsewhere)' });
    expect(signature.states).toContain('CERT_ISSUER_UNKNOWN');
    expect(signature.states).not.toContain('CERT_TRUSTED');
    expect(pdfsigVerify(fx.pki.nssDir, pdf, fx.workDir)[0].certificateValidation).toBe("Certificate issuer isn't Trusted.");
  });

  it('still reports a signature whose field a later update points elsewhere, as modified after signing', async () => {
    const report = await verify(await repointSignatureField(fx.threeSigned, 'Seal1', 'Seal2'));

    expect(report.valid).toBe(false);
    expect(report.signatureCount).toBe(3);
    const displaced = report.signatures[0];
    expect(displaced).toMatchObject({ revision: 2, valid: true, modifiedAfterSigning: true });
    expect(displaced.changes).toContain('signature field Seal1 changed');
  });

  it('trusts anchors loaded from a directory of PEM files, and nothing without them', async () => {
    const dir = join(fx.workDir, 'anchors');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'root.pem'), fx.pki.rootPem);
    writeFileSync(join(dir, 'notes.txt'), 'not a certificate');

    const anchors = await loadTrustAnchorsPem([dir]);
    expect(anchors).toEqual([fx.pki.rootPem]);
    expect((await verifyPdf(fx.threeSigned, { trustAnchorsPem: anchors })).valid).toBe(true);
    const untrusted = await verifyPdf(fx.threeSigned, { trustAnchorsPem: [] });
    expect(untrusted.valid).toBe(false);
    expect(untrusted.signatures.every((s) => s.valid && !s.trusted && s.states.includes('CERT_ISSUER_UNKNOWN'))).toBe(true);
  });

  it('says CERT_EXPIRED for a certificate that expired before the signing time', async () => {
    const pdf = pdfsigSign(fx.pki.nssDir, fx.pki.expired.nick, 'Late', fx.form, fx.workDir);
    const report = await verify(pdf);

    expect(report.valid).toBe(false);
    expect(report.signatures[0]).toMatchObject({ valid: true, trusted: false });
    expect(report.signatures[0].states).toContain('CERT_EXPIRED');
    expect(pdfsigVerify(fx.pki.nssDir, pdf, fx.workDir)[0].certificateValidation).toBe('Certificate has Expired');
  });

  it('verifies ECDSA P-256 (ETSI.CAdES.detached, signing-certificate-v2) on top of RSA signatures', async () => {
    const pdf = await opensslSign(fx.threeSigned, {
      signer: fx.pki.ec,
      fieldName: 'EcSeal',
      subFilter: 'ETSI.CAdES.detached',
      workDir: fx.workDir,
    });
    const report = await verify(pdf);

    expect(report.valid).toBe(true);
    expect(report.signatures.map((s) => s.modifiedAfterSigning)).toEqual([false, false, false, false]);
    expect(report.signatures[3]).toMatchObject({
      field: 'EcSeal',
      subFilter: 'ETSI.CAdES.detached',
      signatureAlgorithm: 'ECDSA P-256 with SHA-256',
      signer: 'EC Signer (Verify Tests)',
      valid: true,
      trusted: true,
      coversWholeDocument: true,
    });
    expect(pdfsigVerify(fx.pki.nssDir, pdf, fx.workDir)[3]).toMatchObject({
      signatureValidation: 'Signature is Valid.',
      certificateValidation: 'Certificate is Trusted.',
    });
  });

  it('takes signedAt from a valid signature timestamp (RSA-PSS, SHA-384) and rejects a token over other data', async () => {
    const stamped = await opensslSign(fx.form, {
      signer: fx.pki.rsa,
      fieldName: 'Stamped',
      subFilter: 'ETSI.CAdES.detached',
      digest: 'sha384',
      pss: true,
      timestampAuthority: fx.pki.tsa,
      workDir: fx.workDir,
    });
    const [good] = (await verify(stamped)).signatures;
    expect(good).toMatchObject({
      valid: true,
      trusted: true,
      timestamped: true,
      signedAtSource: 'timestamp',
      digestAlgorithm: 'SHA-384',
      signatureAlgorithm: 'RSA-PSS with SHA-384',
    });
    expect(good.states).toContain('TIMESTAMP_VALID');
    expect(good.timestamp).toMatchObject({ valid: true, authority: 'Test TSA (Verify Tests)', imprintMatches: true });
    expect(good.signedAt).toBe(good.timestamp?.genTime);
    expect(pdfsigVerify(fx.pki.nssDir, stamped, fx.workDir)[0].signatureValidation).toBe('Signature is Valid.');

    const misstamped = await opensslSign(fx.form, {
      signer: fx.pki.rsa,
      fieldName: 'Misstamped',
      subFilter: 'ETSI.CAdES.detached',
      timestampAuthority: fx.pki.tsa,
      timestampWrongData: true,
      workDir: fx.workDir,
    });
    const [bad] = (await verify(misstamped)).signatures;
    expect(bad).toMatchObject({ valid: true, timestamped: false, signedAtSource: 'signature-dictionary' });
    expect(bad.states).toContain('TIMESTAMP_INVALID');
    expect(bad.timestamp).toMatchObject({ valid: false, imprintMatches: false });
  });

  it('verifies a document timestamp (/SubFilter /ETSI.RFC3161)', async () => {
    const pdf = await opensslSign(fx.threeSigned, {
      fieldName: 'DocTimeStamp',
      subFilter: 'ETSI.RFC3161',
      timestampAuthority: fx.pki.tsa,
      workDir: fx.workDir,
    });
    const report = await verify(pdf);

    expect(report.valid).toBe(true);
    expect(report.signatures[3]).toMatchObject({
      field: 'DocTimeStamp',
      valid: true,
      intact: true,
      trusted: true,
      timestamped: true,
      signer: 'Test TSA (Verify Tests)',
    });
    expect(report.signatures[3].states).toContain('TIMESTAMP_VALID');
  });

  it('says BYTE_RANGE_INVALID when the signed ranges do not start at byte 0, even though the CMS matches them', async () => {
    const pdf = await opensslSign(fx.form, {
      signer: fx.pki.rsa,
      fieldName: 'Shifted',
      subFilter: 'ETSI.CAdES.detached',
      workDir: fx.workDir,
      mutateByteRange: ([, length1, start2, length2]) => [100, length1 - 100, start2, length2],
    });
    const [signature] = (await verify(pdf)).signatures;

    expect(signature.intact).toBe(true);
    expect(signature.valid).toBe(false);
    expect(signature.states).toEqual(expect.arrayContaining(['BYTE_RANGE_INVALID', 'SIGNATURE_INVALID']));
    expect(signature.problems).toContain('first range does not start at byte 0');
  });

  it('maps each signature to the stored CMS of its seal (expectedCms)', async () => {
    const [first, , third] = pdfsigDump(fx.threeSigned, fx.workDir);

    const report = await verify(fx.threeSigned, { expectedCms: [third, null, first] });
    expect(report.matchesRecord).toBe(true);
    expect(report.signatures.map((s) => [s.field, s.sealIndex, s.matchesRecord])).toEqual([
      ['Seal1', 2, true],
      ['Seal2', null, false],
      ['Seal3', 0, true],
    ]);

    const unknownSeal = await verify(fx.threeSigned, { expectedCms: [first, new Uint8Array(randomBytes(64))] });
    expect(unknownSeal.matchesRecord).toBe(false);

    // An odd-length BMPString makes asn1js throw instead of reporting a parse failure.
    const malformedRecord = await verify(fx.threeSigned, { expectedCms: [first, new Uint8Array([0x1e, 0x01, 0x41])] });
    expect(malformedRecord.matchesRecord).toBe(false);
    expect(malformedRecord.signatures[0].matchesRecord).toBe(true);
  });

  it('reports an unsigned PDF as not valid, with NO_SIGNATURES', async () => {
    const report = await verify(fx.form);
    expect(report).toMatchObject({ valid: false, signatureCount: 0, signatures: [] });
    expect(report.documentStates).toContain('NO_SIGNATURES');
    expect(pdfsigVerify(fx.pki.nssDir, fx.form, fx.workDir)).toEqual([]);
  });

  it('throws PdfParseError (PDF_UNREADABLE) for bytes that are not a PDF', async () => {
    for (const input of [new Uint8Array(randomBytes(4096)), new TextEncoder().encode('%PDF-1.7\nnothing else')]) {
      const error = await verify(input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PdfParseError);
      expect(error).toMatchObject({ code: 'PDF_UNREADABLE' });
    }
  });
});
