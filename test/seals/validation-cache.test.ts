// Validation data (OCSP answer + CRL) embedded by B-LTA stamps is reused for the same certificate,
// but never once the certificate is revoked, even by another instance on the same database.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, issueOcspResponderCertificate, issueSigningCertificate, type IssuedCertificate } from '../../src/pki/index.js';
import type { BuiltinAuthority } from '../../src/seals/authority.js';
import { CertificateRevocation } from '../../src/seals/revocation.js';
import { insertCertificateOnlySeal } from '../helpers/seal-row.js';
import { type Db, openSqlite } from '../../src/store/db.js';

describe('validation data for B-LTA stamps', () => {
  let dir: string;
  let db: Db;
  let seal: IssuedCertificate;
  let instanceA: CertificateRevocation;
  let instanceB: CertificateRevocation;

  /** The certificate status openssl reads from a DER OCSP response. */
  const opensslStatus = (ocsp: Uint8Array, caPem: string) => {
    fs.writeFileSync(path.join(dir, 'resp.der'), ocsp);
    fs.writeFileSync(path.join(dir, 'ca.pem'), caPem);
    fs.writeFileSync(path.join(dir, 'cert.pem'), seal.certificatePem);
    const file = (name: string) => path.join(dir, name);
    const result = spawnSync(
      'openssl',
      [
        'ocsp',
        '-respin',
        file('resp.der'),
        '-issuer',
        file('ca.pem'),
        '-sha256',
        '-cert',
        file('cert.pem'),
        '-CAfile',
        file('ca.pem'),
        '-no_nonce',
      ],
      { encoding: 'utf8' },
    );
    expect(result.stderr).toMatch(/Response verify OK/);
    return result.stdout;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'validation-cache-'));
    db = await openSqlite(dir);
    const ca = await createCa({ commonName: 'Cache Test CA', organization: 'Test', keyAlgorithm: 'ECDSA-P256' });
    const responder = await issueOcspResponderCertificate(ca, 30);
    const authority = { get: async () => ca, ocspResponder: async () => responder } as unknown as BuiltinAuthority;
    seal = await issueSigningCertificate(ca, { commonName: '示范大学', keyAlgorithm: 'ECDSA-P256', validDays: 30 });
    await insertCertificateOnlySeal(db, 'seal-1', seal.certificatePem);
    instanceA = new CertificateRevocation(db, authority);
    instanceB = new CertificateRevocation(db, authority);
  });
  afterAll(async () => {
    await db?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reuses one good answer for the same certificate, and answers afresh once another instance revoked it', async () => {
    const ca = (await instanceA.validationData(seal.certificatePem)).certificates;
    const first = await instanceA.validationData(seal.certificatePem);
    const again = await instanceA.validationData(seal.certificatePem);
    expect(Buffer.from(again.ocsps[0]).equals(Buffer.from(first.ocsps[0]))).toBe(true);
    const caPem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(ca[1]).toString('base64')}\n-----END CERTIFICATE-----\n`;
    expect(opensslStatus(first.ocsps[0], caPem)).toMatch(/: good/);

    await instanceB.revoke('seal-1', seal.certificatePem, 'keyCompromise', new Date(Date.now() - 60_000));

    const after = await instanceA.validationData(seal.certificatePem);
    expect(Buffer.from(after.ocsps[0]).equals(Buffer.from(first.ocsps[0]))).toBe(false);
    expect(opensslStatus(after.ocsps[0], caPem)).toMatch(/: revoked/);
  });
});
