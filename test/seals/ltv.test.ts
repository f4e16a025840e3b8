// PAdES B-LTA: with LTV=true and a TSA, a stamp carries the DSS (certificates, OCSP response, CRL,
// VRI) and a document timestamp. pdfsig accepts both signatures; our verifier finds the revocation
// answer in the file, so the PDF stays verifiable with the responder gone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import { nssDbTrusting, pdfsig } from '../helpers/pdfsig.js';
import { startTestTsa, type TestTsa } from '../helpers/tsa.js';
import { type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';

async function onePagePdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595, 842]).drawText('Enrolment certificate. Registrar: SEAL-HERE', { x: 72, y: 500, size: 12, font });
  return doc.save();
}

describe('PAdES B-LT and B-LTA', () => {
  let tsa: TestTsa;
  let service: TestService;
  let dir: string;
  let pdf: Uint8Array;

  beforeAll(async () => {
    tsa = await startTestTsa();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ltv-'));
    fs.writeFileSync(path.join(dir, 'tsa.pem'), tsa.certificatePem);
    service = await startTestService({ TSA_URL: tsa.url, LTV: 'true', TRUST_ANCHORS: path.join(dir, 'tsa.pem') });
  });
  afterAll(async () => {
    await service?.stop();
    await tsa?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stamps a seal with DSS and a document timestamp that pdfsig and our verifier accept', { timeout: 240_000 }, async () => {
    const seal = (
      await service.json('/seals', jsonInit('POST', { name: '学籍专用章', type: '公章', owner: '示范大学', holders: ['zhaoliu'] }))
    ).body.entities[0];
    const file = (await uploadFile(service, await onePagePdf(), 'cert.pdf')).body.entities[0];
    const signature = (await service.json('/signature', jsonInit('POST', { file: file.id, seals: [{ placeHolder: 'SEAL-HERE' }] }))).body
      .entities[0];
    const ticket = (await service.json(`/signature/${signature.id}/tickets`, jsonInit('POST', { account: 'zhaoliu', name: '赵六' }))).body
      .entities[0].ticket;
    const stamped = await service.json(
      `/sign/${signature.id}/seals/0`,
      jsonInit('POST', { ticket, sealId: seal.id, version: signature.version }, { auth: false }),
    );
    expect(stamped.status, JSON.stringify(stamped.body)).toBe(200);
    const after = (await service.json(`/signature/${signature.id}`)).body.entities[0];
    expect(after.seals[0].algorithm).toMatch(/PAdES-B-LTA/);
    pdf = new Uint8Array(await (await service.api(new URL(after.uri).pathname)).arrayBuffer());
    const text = Buffer.from(pdf).toString('latin1');
    expect(text).toMatch(/\/DSS/);
    expect(text).toMatch(/\/VRI/);
    expect(text).toMatch(/\/ETSI\.RFC3161/);

    const caPem = await (await service.api('/ca.pem', { auth: false })).text();
    fs.writeFileSync(path.join(dir, 'ca.pem'), caPem);
    if (process.env.LTV_DUMP) fs.writeFileSync(process.env.LTV_DUMP, pdf);
    // poppler 22.12 validates the seal's signature but cannot validate document timestamps
    // ("Unimplemented Feature"): the token is checked with `openssl ts -verify` over the signed bytes.
    const verdicts = pdfsig(nssDbTrusting([caPem, tsa.certificatePem]), pdf);
    expect(verdicts.length).toBe(2);
    expect(verdicts[0].signatureValidation).toBe('Signature is Valid.');
    const text2 = Buffer.from(pdf).toString('latin1');
    const range = /\/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
    let last: RegExpExecArray | null = null;
    for (let m = range.exec(text2); m; m = range.exec(text2)) last = m;
    const [gapStart, gapEnd, tail] = [Number(last![1]), Number(last![2]), Number(last![3])];
    expect(gapEnd + tail).toBe(pdf.length);
    fs.writeFileSync(path.join(dir, 'signed.bin'), Buffer.concat([pdf.subarray(0, gapStart), pdf.subarray(gapEnd)]));
    const hex = text2.slice(gapStart + 1, gapEnd - 1).replace(/(00)+$/, '');
    fs.writeFileSync(path.join(dir, 'token.der'), Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex'));
    const { execFileSync } = await import('node:child_process');
    const verified = execFileSync(
      'openssl',
      [
        'ts',
        '-verify',
        '-data',
        path.join(dir, 'signed.bin'),
        '-in',
        path.join(dir, 'token.der'),
        '-token_in',
        '-CAfile',
        path.join(dir, 'tsa.pem'),
      ],
      { encoding: 'utf8' },
    );
    expect(verified).toMatch(/Verification: OK/);

    const report = (await service.json(`/signature/${signature.id}/verify`)).body.entities[0];
    expect(report.valid).toBe(true);
    expect(report.signatures[0]).toMatchObject({
      timestamped: true,
      modifiedAfterSigning: false,
      revocation: { status: 'good', source: 'embedded OCSP' },
    });
    expect(report.signatures[1]).toMatchObject({ subFilter: 'ETSI.RFC3161', valid: true, trusted: true });
    expect(report.revisions.at(-2).level).toBe('LTA_UPDATES');
  });

  it('stays valid with the responder gone: the embedded DSS is enough', async () => {
    await service.stop();
    const other = await startTestService({ TRUST_ANCHORS: `${path.join(dir, 'ca.pem')},${path.join(dir, 'tsa.pem')}` });
    try {
      const report = (
        await other.json('/verify', { method: 'POST', body: pdf, headers: { 'content-type': 'application/pdf' }, auth: false })
      ).body.entities[0];
      expect(report.valid).toBe(true);
      expect(report.signatures[0].revocation).toMatchObject({ status: 'good', source: 'embedded OCSP' });
      expect(report.signatures[0].states).toContain('REVOCATION_GOOD');
    } finally {
      await other.stop();
    }
  });
});
