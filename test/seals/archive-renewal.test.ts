// Archive renewal (B-LTA): a document whose last document timestamp's TSA certificate expires within
// LTV_RENEWAL_HORIZON_DAYS gets the TSA chain in its DSS and a new document timestamp, once; a TSA
// failure mid-renewal leaves the stored document as it was. pdfsig and `openssl ts -verify` check
// the result independently of our verifier.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nssDbTrusting, pdfsig } from '../helpers/pdfsig.js';
import { createTestDatabase, SHARED_SECRETS, type TestDatabase } from '../helpers/postgres.js';
import { startTestService, type TestService } from '../helpers/service.js';
import type { TestTsa } from '../helpers/tsa.js';
import { createSeal, currentPdf, type ServiceWithTsa, stampNew, startWithTsa } from './stamp.js';

/** Each document timestamp's token and the bytes it covers, from the file itself. */
function documentTimestamps(pdf: Uint8Array): Array<{ signed: Buffer; token: Buffer }> {
  const text = Buffer.from(pdf).toString('latin1');
  const found: Array<{ signed: Buffer; token: Buffer }> = [];
  const dict = /\/SubFilter\s*\/ETSI\.RFC3161[\s\S]*?\/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
  for (let m = dict.exec(text); m; m = dict.exec(text)) {
    const [gapStart, gapEnd, tail] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const hex = text.slice(gapStart + 1, gapEnd - 1).replace(/(00)+$/, '');
    found.push({
      signed: Buffer.concat([pdf.subarray(0, gapStart), pdf.subarray(gapEnd, gapEnd + tail)]),
      token: Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex'),
    });
  }
  return found;
}

describe('archive renewal of B-LTA documents', () => {
  let running: ServiceWithTsa;
  let tsa: TestTsa;
  let service: TestService;
  let dir: string;

  beforeAll(async () => {
    // The test TSA's certificate is valid for 30 days: within a 60-day horizon, renewal is due.
    running = await startWithTsa({ LTV: 'true', LTV_RENEWAL_HORIZON_DAYS: '60', LTV_RENEWAL_INTERVAL_MS: '3600000' });
    ({ tsa, service, dir } = running);
  }, 300_000);
  afterAll(() => running?.stop());

  it('appends one new document timestamp, keeps the file valid, and leaves it alone on failure', { timeout: 300_000 }, async () => {
    const seal = await createSeal(service, '档案章');
    const { stamped, signature } = await stampNew(service, seal.id);
    expect(stamped.status, JSON.stringify(stamped.body)).toBe(200);
    expect(signature.seals[0].algorithm).toMatch(/PAdES-B-LTA$/);
    const original = await currentPdf(service, signature.id);
    expect(documentTimestamps(original)).toHaveLength(1);

    // The TSA fails in the middle (after the DSS was refreshed in memory): nothing is stored.
    tsa.mode = 'error';
    const failed = await service.archives!.runOnce();
    expect(failed.get(signature.id)).toBeUndefined();
    const untouched = (await service.json(`/signature/${signature.id}`)).body.entities[0];
    expect(untouched.version).toBe(signature.version);
    expect(untouched.uri).toBe(signature.uri);
    expect((await service.json(`/signature/${signature.id}/verify`)).body.entities[0].valid).toBe(true);

    tsa.mode = 'ok';
    const first = await service.archives!.runOnce();
    expect(first.get(signature.id)).toBe('renewed');
    const requests = tsa.requests;
    const second = await service.archives!.runOnce();
    expect(second.get(signature.id)).toBe('waiting-for-new-tsa-certificate');
    expect(tsa.requests).toBe(requests);

    const after = (await service.json(`/signature/${signature.id}`)).body.entities[0];
    expect(after.version).toBe(signature.version + 1);
    expect(after.uri).not.toBe(signature.uri);
    expect(after.seals[0].signature).toBe(signature.seals[0].signature);
    const renewed = await currentPdf(service, signature.id);
    expect(Buffer.compare(Buffer.from(renewed.subarray(0, original.length)), Buffer.from(original))).toBe(0);
    const stamps = documentTimestamps(renewed);
    expect(stamps).toHaveLength(2);
    // The refreshed DSS names the last document timestamp in a VRI entry of its own.
    expect(Buffer.from(renewed.subarray(original.length)).toString('latin1')).toMatch(/\/VRI/);

    const report = (await service.json(`/signature/${signature.id}/verify`)).body.entities[0];
    expect(report.valid).toBe(true);
    expect(report.signatures).toHaveLength(3);
    expect(report.signatures[0]).toMatchObject({ modifiedAfterSigning: false, revocation: { status: 'good', source: 'embedded OCSP' } });
    expect(
      report.signatures.slice(1).map((s: { subFilter: string; valid: boolean; trusted: boolean }) => [s.subFilter, s.valid, s.trusted]),
    ).toEqual([
      ['ETSI.RFC3161', true, true],
      ['ETSI.RFC3161', true, true],
    ]);

    const caPem = await (await service.api('/ca.pem', { auth: false })).text();
    const verdicts = pdfsig(nssDbTrusting([caPem, tsa.certificatePem]), renewed);
    expect(verdicts).toHaveLength(3);
    expect(verdicts[0].signatureValidation).toBe('Signature is Valid.');
    for (const [i, stamp] of stamps.entries()) {
      fs.writeFileSync(path.join(dir, `signed-${i}.bin`), stamp.signed);
      fs.writeFileSync(path.join(dir, `token-${i}.der`), stamp.token);
      const verified = execFileSync(
        'openssl',
        [
          'ts',
          '-verify',
          '-data',
          path.join(dir, `signed-${i}.bin`),
          '-in',
          path.join(dir, `token-${i}.der`),
          '-token_in',
          '-CAfile',
          path.join(dir, 'tsa.pem'),
        ],
        { encoding: 'utf8' },
      );
      expect(verified).toMatch(/Verification: OK/);
    }
  });

  it('forgets a document that no longer carries a document timestamp', { timeout: 300_000 }, async () => {
    const other = await createSeal(service, '非长期章', { ltv: false });
    const { signature } = await stampNew(service, other.id);
    await service.archives!.track(signature.id);
    expect((await service.archives!.runOnce()).get(signature.id)).toBe('untracked');
    expect((await service.archives!.runOnce()).has(signature.id)).toBe(false);
  });
});

describe('archive renewal on two instances sharing PostgreSQL', () => {
  let database: TestDatabase;
  let first: ServiceWithTsa;
  let second: TestService;

  beforeAll(async () => {
    database = await createTestDatabase();
    // One public address for both (as behind a load balancer): file uris resolve on either instance.
    const env = {
      DATABASE_URL: database.url,
      ...SHARED_SECRETS,
      PUBLIC_URL: 'http://archive.invalid',
      LTV: 'true',
      LTV_RENEWAL_HORIZON_DAYS: '60',
      LTV_RENEWAL_INTERVAL_MS: '3600000',
    };
    first = await startWithTsa(env);
    second = await startTestService({ ...env, TSA_URL: first.tsa.url, TRUST_ANCHORS: path.join(first.dir, 'tsa.pem') });
  }, 400_000);
  afterAll(async () => {
    await second?.stop();
    await first?.stop();
    await database?.drop();
  });

  it('renews a document once when both run a pass at the same time', { timeout: 300_000 }, async () => {
    const seal = await createSeal(first.service, '双实例章');
    const { signature } = await stampNew(first.service, seal.id);
    expect(signature.seals[0].algorithm).toMatch(/PAdES-B-LTA$/);
    const [a, b] = await Promise.all([first.service.archives!.runOnce(), second.archives!.runOnce()]);
    expect([a.get(signature.id), b.get(signature.id)].filter((outcome) => outcome === 'renewed')).toHaveLength(1);
    expect((await second.archives!.runOnce()).get(signature.id)).toBe('waiting-for-new-tsa-certificate');
    const pdf = await currentPdf(first.service, signature.id);
    expect(documentTimestamps(pdf)).toHaveLength(2);
    const after = (await first.service.json(`/signature/${signature.id}`)).body.entities[0];
    expect(after.version).toBe(signature.version + 1);
    expect((await second.json(`/signature/${signature.id}/verify`)).body.entities[0].valid).toBe(true);
  });
});
