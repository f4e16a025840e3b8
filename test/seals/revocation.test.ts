// The built-in CA publishes revocation: seal certificates name its CRL and OCSP URLs; revoking a
// seal shows in the CRL and in OCSP answers. OpenSSL is the independent checker throughout.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestService, jsonInit, startTestService } from '../helpers/service.js';

describe('revocation published by the built-in CA', () => {
  let service: TestService;
  let dir: string;
  let caPath: string;
  const file = (name: string) => join(dir, name);
  const openssl = (args: string[]) => spawnSync('openssl', args, { encoding: 'utf8' });

  beforeAll(async () => {
    service = await startTestService();
    dir = mkdtempSync(join(tmpdir(), 'revocation-'));
    caPath = file('ca.pem');
    writeFileSync(caPath, await (await service.api('/ca.pem', { auth: false })).text());
  });
  afterAll(async () => {
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function newSeal(name: string) {
    const { status, body } = await service.json(
      '/seals',
      jsonInit('POST', { name, type: '公章', owner: '示范大学', holders: ['zhaoliu'] }),
    );
    expect(status).toBe(200);
    const seal = body.entities[0];
    writeFileSync(file(`${seal.id}.pem`), seal.certificatePem);
    return { seal, certPath: file(`${seal.id}.pem`) };
  }

  /** openssl asking the in-process service: must not block this process's event loop. */
  const opensslAsync = (args: string[]) =>
    new Promise<{ stdout: string; stderr: string }>((resolve) =>
      execFile('openssl', args, { encoding: 'utf8' }, (_error, stdout, stderr) => resolve({ stdout, stderr })),
    );

  /** `openssl ocsp` against the service: the status line it prints for the certificate. */
  async function ocspStatus(certPath: string, extra: string[] = []): Promise<string> {
    const result = await opensslAsync([
      'ocsp',
      '-issuer',
      caPath,
      '-cert',
      certPath,
      '-url',
      `${service.url}/ca/ocsp`,
      '-CAfile',
      caPath,
      ...extra,
    ]);
    expect(result.stderr).toMatch(/Response verify OK/);
    return result.stdout;
  }

  it('names the CRL and OCSP responder in seal certificates', async () => {
    const { certPath } = await newSeal('证书测试章');
    const text = openssl(['x509', '-in', certPath, '-noout', '-text']).stdout;
    expect(text).toContain(`URI:${service.url}/ca/crl`);
    expect(text).toContain(`OCSP - URI:${service.url}/ca/ocsp`);
    expect(text).toContain(`CA Issuers - URI:${service.url}/ca.pem`);
  });

  it('answers good, then revoked with time and reason; the CRL lists it; nonces are echoed', async () => {
    const { seal, certPath } = await newSeal('吊销测试章');
    expect(await ocspStatus(certPath)).toMatch(/: good/);

    const at = new Date(Date.now() - 3600_000).toISOString();
    const revoked = await service.json(`/seals/${seal.id}/revoke`, jsonInit('POST', { reason: 'keyCompromise', at }));
    expect(revoked.status).toBe(200);
    expect(revoked.body.entities[0]).toMatchObject({ disabled: true, revocation: { reason: 'keyCompromise', revokedAt: at } });

    const answer = await ocspStatus(certPath);
    expect(answer).toMatch(/: revoked/);
    expect(answer).toMatch(/Reason: keyCompromise/);
    expect(answer).toMatch(new RegExp(`Revocation Time: ${new Date(at).toUTCString().slice(8, 11)}`));

    const crlResponse = await service.api('/ca/crl', { auth: false });
    expect(crlResponse.headers.get('content-type')).toBe('application/pkix-crl');
    expect(crlResponse.headers.get('cache-control')).toMatch(/max-age=\d+/);
    writeFileSync(file('ca.crl'), Buffer.from(await crlResponse.arrayBuffer()));
    const crl = openssl(['crl', '-inform', 'DER', '-in', file('ca.crl'), '-CAfile', caPath, '-noout', '-text']);
    expect(crl.stderr).toMatch(/verify OK/);
    const serial = openssl(['x509', '-in', certPath, '-noout', '-serial']).stdout.trim().replace('serial=', '').replace(/^0+/, '');
    expect(crl.stdout.toUpperCase()).toContain(serial.toUpperCase());
    expect(crl.stdout).toMatch(/Key Compromise/);
    expect(crl.stdout).toMatch(/Next Update/);

    // Revoking twice is refused; the seal can no longer be revoked into a different state.
    const again = await service.json(`/seals/${seal.id}/revoke`, jsonInit('POST', { reason: 'superseded' }));
    expect(again.status).toBe(409);
    expect(again.body.ecode).toBe('ALREADY_REVOKED');
  });

  it('answers the RFC 6960 GET form, cacheably when there is no nonce', async () => {
    const { certPath } = await newSeal('GET 测试章');
    execFileSync('openssl', ['ocsp', '-issuer', caPath, '-cert', certPath, '-no_nonce', '-reqout', file('req.der')]);
    const encoded = encodeURIComponent(readFileSync(file('req.der')).toString('base64'));
    const response = await service.api(`/ca/ocsp/${encoded}`, { auth: false });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/ocsp-response');
    expect(response.headers.get('cache-control')).toMatch(/public, max-age=\d+/);
    writeFileSync(file('resp.der'), Buffer.from(await response.arrayBuffer()));
    const parsed = openssl(['ocsp', '-respin', file('resp.der'), '-issuer', caPath, '-cert', certPath, '-CAfile', caPath, '-no_nonce']);
    expect(parsed.stderr).toMatch(/Response verify OK/);
    expect(parsed.stdout).toMatch(/: good/);
  });

  it('answers unknown for a certificate it did not issue, and refuses bad requests', async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        file('other.key'),
        '-subj',
        '/CN=Other',
        '-days',
        '2',
        '-out',
        file('other.pem'),
      ],
      { stdio: 'ignore' },
    );
    const result = await opensslAsync([
      'ocsp',
      '-issuer',
      caPath,
      '-cert',
      file('other.pem'),
      '-url',
      `${service.url}/ca/ocsp`,
      '-CAfile',
      caPath,
    ]);
    expect(result.stdout).toMatch(/: unknown/);

    const malformed = await service.api('/ca/ocsp', {
      method: 'POST',
      body: new Uint8Array([1, 2, 3]),
      headers: { 'content-type': 'application/ocsp-request' },
      auth: false,
    });
    expect(malformed.status).toBe(200);
    expect(new Uint8Array(await malformed.arrayBuffer())).toEqual(new Uint8Array([0x30, 0x03, 0x0a, 0x01, 0x01])); // malformedRequest

    const { seal } = await newSeal('未来吊销章');
    const future = await service.json(
      `/seals/${seal.id}/revoke`,
      jsonInit('POST', { reason: 'superseded', at: new Date(Date.now() + 86_400_000).toISOString() }),
    );
    expect(future.status).toBe(400);
    const badReason = await service.json(`/seals/${seal.id}/revoke`, jsonInit('POST', { reason: 'because' }));
    expect(badReason.status).toBe(400);
    const anonymous = await service.json(`/seals/${seal.id}/revoke`, jsonInit('POST', { reason: 'superseded' }, { auth: false }));
    expect(anonymous.status).toBe(401);
    expect((await service.json(`/seals/${seal.id}`)).body.entities[0].disabled).toBe(false);
  });
});
