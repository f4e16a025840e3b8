// Re-keying a seal: a new key and certificate from the built-in CA; the old certificate stays
// listed and answered for by OCSP and the CRL, and what was signed with the old key still verifies.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonInit, startTestService, type TestService } from '../helpers/service.js';
import { createSeal, stampNew } from './stamp.js';

describe('re-keying a seal', () => {
  let service: TestService;
  let dir: string;
  const file = (name: string) => join(dir, name);

  beforeAll(async () => {
    service = await startTestService();
    dir = mkdtempSync(join(tmpdir(), 'rekey-'));
    writeFileSync(file('ca.pem'), await (await service.api('/ca.pem', { auth: false })).text());
  }, 300_000);
  afterAll(async () => {
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `openssl ocsp` against the service for a certificate (PEM): its status line. */
  async function ocspStatus(certificatePem: string): Promise<string> {
    const path = file(`cert-${Math.random().toString(36).slice(2)}.pem`);
    writeFileSync(path, certificatePem);
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve) =>
      execFile(
        'openssl',
        ['ocsp', '-issuer', file('ca.pem'), '-cert', path, '-url', `${service.url}/ca/ocsp`, '-CAfile', file('ca.pem')],
        { encoding: 'utf8' },
        (_e, out, err) => resolve({ stdout: out, stderr: err }),
      ),
    );
    expect(stderr).toMatch(/Response verify OK/);
    return stdout;
  }

  it('issues a new certificate, keeps the old one good and listed, and old signatures still verify', { timeout: 300_000 }, async () => {
    const seal = await createSeal(service, '换钥章');
    const before = await stampNew(service, seal.id);
    expect(before.stamped.status).toBe(200);

    const rekeyed = await service.json(`/seals/${seal.id}/rekey`, jsonInit('POST', {}));
    expect(rekeyed.status, JSON.stringify(rekeyed.body)).toBe(200);
    const renewed = rekeyed.body.entities[0];
    expect(renewed.certificatePem).not.toBe(seal.certificatePem);
    expect(renewed.id).toBe(seal.id);

    const listed = (await service.json(`/seals/${seal.id}/certificates`)).body;
    expect(listed.total ?? listed.entities.length).toBe(2);
    const [current, old] = listed.entities;
    expect(current).toMatchObject({ current: true, retiredAt: null, certificatePem: renewed.certificatePem, status: { status: 'good' } });
    expect(old).toMatchObject({
      current: false,
      certificatePem: seal.certificatePem,
      serial: renewed.previousSerial,
      status: { status: 'good' },
    });
    expect(await ocspStatus(seal.certificatePem)).toMatch(/: good/);
    expect(await ocspStatus(renewed.certificatePem)).toMatch(/: good/);

    // The document stamped with the old key: valid, its certificate checked online as good.
    const report = (await service.json(`/signature/${before.signature.id}/verify`)).body.entities[0];
    expect(report.valid).toBe(true);
    expect(report.signatures[0].states).toContain('REVOCATION_GOOD');
    expect(report.signatures[0].signerCertificatePem.replace(/\s+/g, '')).toBe(seal.certificatePem.replace(/\s+/g, ''));

    // New stamps use the new key.
    const after = await stampNew(service, seal.id);
    expect(after.stamped.status).toBe(200);
    expect(after.signature.seals[0].privateKey.replace(/\s+/g, '')).toBe(renewed.certificatePem.replace(/\s+/g, ''));
    expect((await service.json(`/signature/${after.signature.id}/verify`)).body.entities[0].valid).toBe(true);
  });

  it('can revoke the previous certificate as it re-keys; the history keeps both answers', { timeout: 300_000 }, async () => {
    const seal = await createSeal(service, '泄露换钥章');
    const rekeyed = await service.json(
      `/seals/${seal.id}/rekey`,
      jsonInit('POST', { keyAlgorithm: 'RSA-2048', revokePrevious: 'keyCompromise' }),
    );
    expect(rekeyed.status).toBe(200);
    expect(rekeyed.body.entities[0]).toMatchObject({ keyAlgorithm: 'RSA-2048', disabled: false });
    const oldAnswer = await ocspStatus(seal.certificatePem);
    expect(oldAnswer).toMatch(/: revoked/);
    expect(oldAnswer).toMatch(/Reason: keyCompromise/);
    expect(await ocspStatus(rekeyed.body.entities[0].certificatePem)).toMatch(/: good/);
    const [current, old] = (await service.json(`/seals/${seal.id}/certificates`)).body.entities;
    expect(current.status.status).toBe('good');
    expect(old.status).toMatchObject({ status: 'revoked', reason: 'keyCompromise' });
    // A second re-key keeps the whole history.
    expect((await service.json(`/seals/${seal.id}/rekey`, jsonInit('POST', {}))).status).toBe(200);
    expect((await service.json(`/seals/${seal.id}/certificates`)).body.entities).toHaveLength(3);
  });

  it('refuses unknown seals, bad input and anonymous callers', { timeout: 120_000 }, async () => {
    const seal = await createSeal(service, '拒绝章');
    expect((await service.json(`/seals/${seal.id}/rekey`, jsonInit('POST', { keyAlgorithm: 'DSA' }))).status).toBe(400);
    expect((await service.json(`/seals/${seal.id}/rekey`, jsonInit('POST', {}, { auth: false }))).status).toBe(401);
    const missing = await service.json('/seals/00000000-0000-4000-8000-000000000000/rekey', jsonInit('POST', {}));
    expect(missing.status).toBe(404);
    expect((await service.json(`/seals/${seal.id}/certificates`)).body.entities).toHaveLength(1);
  });
});
