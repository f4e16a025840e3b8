// LTV per seal: a seal's own `ltv` overrides the global LTV setting (both ways); a seal asking for
// B-LTA on a service without a TSA is refused at stamping, not silently downgraded.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonInit, startTestService, type TestService } from '../helpers/service.js';
import type { TestTsa } from '../helpers/tsa.js';
import { createSeal, currentPdf, type ServiceWithTsa, stampNew, startWithTsa } from './stamp.js';

const documentTimestamps = (pdf: Uint8Array) => Buffer.from(pdf).toString('latin1').split('/ETSI.RFC3161').length - 1;

describe('LTV per seal', () => {
  let running: ServiceWithTsa;
  let tsa: TestTsa;
  let service: TestService;
  let dir: string;

  beforeAll(async () => {
    running = await startWithTsa();
    ({ tsa, service, dir } = running);
  }, 300_000);
  afterAll(() => running?.stop());

  it('follows the global setting (off) unless the seal says ltv: true, and PATCH /seals/:id changes it', { timeout: 300_000 }, async () => {
    const plain = await createSeal(service, '普通章');
    expect(plain.ltv).toBeNull();
    const longTerm = await createSeal(service, '长期章', { ltv: true });
    expect(longTerm.ltv).toBe(true);

    const a = await stampNew(service, plain.id);
    expect(a.stamped.status, JSON.stringify(a.stamped.body)).toBe(200);
    expect(a.signature.seals[0].algorithm).toMatch(/PAdES-B-T$/);
    expect(documentTimestamps(await currentPdf(service, a.signature.id))).toBe(0);

    const b = await stampNew(service, longTerm.id);
    expect(b.signature.seals[0].algorithm).toMatch(/PAdES-B-LTA$/);
    const pdf = await currentPdf(service, b.signature.id);
    expect(documentTimestamps(pdf)).toBe(1);
    expect(Buffer.from(pdf).toString('latin1')).toMatch(/\/DSS/);
    const report = (await service.json(`/signature/${b.signature.id}/verify`)).body.entities[0];
    expect(report.valid).toBe(true);
    expect(report.signatures[0].revocation).toMatchObject({ status: 'good', source: 'embedded OCSP' });

    const patched = await service.json(`/seals/${plain.id}`, jsonInit('PATCH', { ltv: true }));
    expect(patched.status).toBe(200);
    expect(patched.body.entities[0].ltv).toBe(true);
    expect((await service.json(`/seals/${plain.id}`)).body.entities[0].ltv).toBe(true);
    expect((await stampNew(service, plain.id)).signature.seals[0].algorithm).toMatch(/PAdES-B-LTA$/);

    const reset = await service.json(`/seals/${plain.id}`, jsonInit('PATCH', { ltv: null }));
    expect(reset.body.entities[0].ltv).toBeNull();
    expect((await stampNew(service, plain.id)).signature.seals[0].algorithm).toMatch(/PAdES-B-T$/);

    expect((await service.json(`/seals/${plain.id}`, jsonInit('PATCH', { ltv: 'yes' }))).status).toBe(400);
    expect((await service.json(`/seals/${plain.id}`, jsonInit('PATCH', { name: 'x', ltv: true }))).status).toBe(400);
    expect((await service.json(`/seals/${plain.id}`, jsonInit('PATCH', { ltv: true }, { auth: false }))).status).toBe(401);
  });

  it('a seal with ltv: false stays B-T on a service whose global LTV is on', { timeout: 300_000 }, async () => {
    const other = await startTestService({ TSA_URL: tsa.url, LTV: 'true', TRUST_ANCHORS: path.join(dir, 'tsa.pem') });
    try {
      const off = await createSeal(other, '不留存章', { ltv: false });
      expect((await stampNew(other, off.id)).signature.seals[0].algorithm).toMatch(/PAdES-B-T$/);
      const global = await createSeal(other, '默认章');
      expect((await stampNew(other, global.id)).signature.seals[0].algorithm).toMatch(/PAdES-B-LTA$/);
    } finally {
      await other.stop();
    }
  });

  it('refuses to stamp with an ltv seal where no TSA is configured', { timeout: 300_000 }, async () => {
    const other = await startTestService();
    try {
      const seal = await createSeal(other, '无时间戳章', { ltv: true });
      const { stamped, signature } = await stampNew(other, seal.id);
      expect(stamped.status).toBe(422);
      expect(stamped.body.ecode).toBe('LTV_NEEDS_TSA');
      expect(signature.seals[0].signature).toBeFalsy();
    } finally {
      await other.stop();
    }
  });
});
