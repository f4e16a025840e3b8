import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';
import { expect } from 'vitest';
import { type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';
import { startTestTsa, type TestTsa } from '../helpers/tsa.js';

export async function onePagePdf(text = 'Enrolment certificate. Registrar: SEAL-HERE'): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595, 842]).drawText(text, { x: 72, y: 500, size: 12, font });
  return doc.save();
}

export async function createSeal(service: TestService, name: string, extra: Record<string, unknown> = {}) {
  const { status, body } = await service.json(
    '/seals',
    jsonInit('POST', { name, type: '公章', owner: '示范大学', holders: ['zhaoliu'], ...extra }),
  );
  expect(status, JSON.stringify(body)).toBe(200);
  return body.entities[0];
}

/** A new Signature over a one-page PDF, stamped by zhaoliu with `sealId`: the answer and the Signature after it. */
export async function stampNew(service: TestService, sealId: string) {
  const file = (await uploadFile(service, await onePagePdf(), 'cert.pdf')).body.entities[0];
  const signature = (await service.json('/signature', jsonInit('POST', { file: file.id, seals: [{ placeHolder: 'SEAL-HERE' }] }))).body
    .entities[0];
  const ticket = (await service.json(`/signature/${signature.id}/tickets`, jsonInit('POST', { account: 'zhaoliu', name: '赵六' }))).body
    .entities[0].ticket;
  const stamped = await service.json(
    `/sign/${signature.id}/seals/0`,
    jsonInit('POST', { ticket, sealId, version: signature.version }, { auth: false }),
  );
  const after = (await service.json(`/signature/${signature.id}`)).body.entities[0];
  return { stamped, signature: after };
}

export async function currentPdf(service: TestService, signatureId: string): Promise<Uint8Array> {
  const signature = (await service.json(`/signature/${signatureId}`)).body.entities[0];
  return new Uint8Array(await (await service.api(new URL(signature.uri).pathname)).arrayBuffer());
}

export interface ServiceWithTsa {
  tsa: TestTsa;
  service: TestService;
  /** A temporary directory holding `tsa.pem` (trusted by the service), removed by stop(). */
  dir: string;
  stop(): Promise<void>;
}

/** The service with the tests' OpenSSL TSA (`TSA_URL`) whose certificate it trusts, plus `env`. */
export async function startWithTsa(env: Record<string, string> = {}): Promise<ServiceWithTsa> {
  const tsa = await startTestTsa();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ltv-'));
  fs.writeFileSync(path.join(dir, 'tsa.pem'), tsa.certificatePem);
  const service = await startTestService({ TSA_URL: tsa.url, TRUST_ANCHORS: path.join(dir, 'tsa.pem'), ...env });
  return {
    tsa,
    service,
    dir,
    async stop() {
      await service.stop();
      await tsa.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
