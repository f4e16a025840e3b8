// The verifier checks revocation: our own CA's OCSP answers good, a revoked seal's signature is
// untrusted unless a trustworthy timestamp proves it came first, a responder that cannot be reached
// gives REVOCATION_UNKNOWN (never valid), and no request goes to an origin that is not allowed.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import { startTestTsa, type TestTsa } from '../helpers/tsa.js';
import { type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';

async function twoSlotPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595, 842]);
  page.drawText('Certificate of enrolment', { x: 72, y: 760, size: 20, font });
  page.drawText('Registrar: SEAL-ONE      Dean: SEAL-TWO', { x: 72, y: 400, size: 12, font });
  return doc.save();
}

describe('revocation in verification reports', () => {
  let tsa: TestTsa;
  let service: TestService;
  let dir: string;
  let signatureId: string;

  const newSeal = async (name: string) =>
    (await service.json('/seals', jsonInit('POST', { name, type: '公章', owner: '示范大学', holders: ['zhaoliu'] }))).body.entities[0];
  const ticket = async (id: string) =>
    (await service.json(`/signature/${id}/tickets`, jsonInit('POST', { account: 'zhaoliu', name: '赵六' }))).body.entities[0]
      .ticket as string;
  const stamp = async (index: number, sealId: string) => {
    const version = (await service.json(`/signature/${signatureId}`)).body.entities[0].version;
    const result = await service.json(
      `/sign/${signatureId}/seals/${index}`,
      jsonInit('POST', { ticket: await ticket(signatureId), sealId, version }, { auth: false }),
    );
    expect(result.status, JSON.stringify(result.body)).toBe(200);
  };
  const report = async () => (await service.json(`/signature/${signatureId}/verify`)).body.entities[0];

  beforeAll(async () => {
    tsa = await startTestTsa();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'revocation-verify-'));
    fs.writeFileSync(path.join(dir, 'tsa.pem'), tsa.certificatePem);
    service = await startTestService({ TSA_URL: tsa.url, TRUST_ANCHORS: path.join(dir, 'tsa.pem') });
    const file = (await uploadFile(service, await twoSlotPdf(), 'enrolment.pdf')).body.entities[0];
    const created = await service.json(
      '/signature',
      jsonInit('POST', { file: file.id, seals: [{ placeHolder: 'SEAL-ONE' }, { placeHolder: 'SEAL-TWO' }] }),
    );
    signatureId = created.body.entities[0].id;
  });
  afterAll(async () => {
    await service?.stop();
    await tsa?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says REVOCATION_GOOD from our own OCSP responder', async () => {
    const registrar = await newSeal('教务处公章');
    await stamp(0, registrar.id);
    const verdict = await report();
    expect(verdict.valid).toBe(true);
    expect(verdict.signatures[0].states).toContain('REVOCATION_GOOD');
    expect(verdict.signatures[0].states).not.toContain('REVOCATION_NOT_CHECKED');
    expect(verdict.signatures[0].revocation).toMatchObject({ status: 'good', source: 'OCSP' });
  });

  it('keeps a timestamped signature valid when the seal is revoked later, and says so', async () => {
    const before = await report();
    const sealId = (await service.json('/seals')).body.entities.find((s: any) => s.name === '教务处公章').id;
    expect((await service.json(`/seals/${sealId}/revoke`, jsonInit('POST', { reason: 'cessationOfOperation' }))).status).toBe(200);
    const verdict = await report();
    const signature = verdict.signatures[0];
    expect(signature.timestamped).toBe(true);
    expect(signature.states).toContain('CERT_REVOKED');
    expect(signature.revocation).toMatchObject({ status: 'revoked', reason: 'cessationOfOperation' });
    expect(new Date(signature.revocation.revokedAt) > new Date(signature.signedAt)).toBe(true);
    expect(signature.trusted).toBe(true);
    expect(signature.problems.join(' ')).toMatch(/stays valid/);
    expect(verdict.valid).toBe(before.valid);
  });

  it('makes a signature made after the revocation time untrusted', async () => {
    const dean = await newSeal('院长签章');
    await stamp(1, dean.id);
    const at = new Date(Date.now() - 3600_000).toISOString(); // key compromised an hour before the stamp
    expect((await service.json(`/seals/${dean.id}/revoke`, jsonInit('POST', { reason: 'keyCompromise', at }))).status).toBe(200);
    const verdict = await report();
    const signature = verdict.signatures[1];
    expect(signature.states).toContain('CERT_REVOKED');
    expect(signature.states).not.toContain('CERT_TRUSTED');
    expect(signature).toMatchObject({ trusted: false, revocation: { status: 'revoked', reason: 'keyCompromise', revokedAt: at } });
    expect(verdict.valid).toBe(false);
  });

  it(
    'says REVOCATION_UNKNOWN (never valid) when the responder is down, and asks no origin that is not allowed',
    { timeout: 240_000 },
    async () => {
      const signature = (await service.json(`/signature/${signatureId}`)).body.entities[0];
      const bytes = new Uint8Array(await (await service.api(new URL(signature.uri).pathname)).arrayBuffer());
      const caPem = await (await service.api('/ca.pem', { auth: false })).text();
      fs.writeFileSync(path.join(dir, 'ca.pem'), caPem);
      const origin = new URL(service.url);
      await service.stop();

      // Something else now answers on the CA's old address, and counts what reaches it.
      let requests = 0;
      const stranger = http.createServer((_req, res) => {
        requests++;
        res.statusCode = 500;
        res.end();
      });
      await new Promise<void>((resolve) => stranger.listen(Number(origin.port), origin.hostname, resolve));
      try {
        const anchors = `${path.join(dir, 'ca.pem')},${path.join(dir, 'tsa.pem')}`;
        const other = await startTestService({ TRUST_ANCHORS: anchors });
        try {
          const verdict = (
            await other.json('/verify', { method: 'POST', body: bytes, headers: { 'content-type': 'application/pdf' }, auth: false })
          ).body.entities[0];
          expect(verdict.signatures[0].states).toContain('REVOCATION_UNKNOWN');
          expect(verdict.signatures[0].revocation.why).toMatch(/not an allowed revocation origin/);
          expect(verdict.signatures[0].trusted).toBe(false);
          expect(verdict.valid).toBe(false);
          expect(requests).toBe(0);
        } finally {
          await other.stop();
        }
        const allowing = await startTestService({ TRUST_ANCHORS: anchors, OCSP_ORIGINS: origin.origin });
        try {
          const verdict = (
            await allowing.json('/verify', { method: 'POST', body: bytes, headers: { 'content-type': 'application/pdf' }, auth: false })
          ).body.entities[0];
          expect(verdict.signatures[0].states).toContain('REVOCATION_UNKNOWN');
          expect(verdict.signatures[0].revocation.why).toMatch(/HTTP 500/);
          expect(verdict.valid).toBe(false);
          expect(requests).toBeGreaterThan(0);
        } finally {
          await allowing.stop();
        }
      } finally {
        await new Promise((resolve) => stranger.close(resolve));
      }
    },
  );
});
