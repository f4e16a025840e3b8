import type { Db } from '../store/db.js';
import { createCa, decryptPrivateKey, encryptPrivateKey, isLegacyKey } from '../pki/index.js';

export interface Authority {
  certificatePem: string;
  privateKeyPem: string;
}

const BUILTIN = 'builtin';

/**
 * The built-in CA that issues certificates for seals registered without a PKCS#12: created on first
 * start, its key encrypted at rest with the master key. Its root certificate is what verifiers trust.
 */
export class BuiltinAuthority {
  private cached: Authority | undefined;

  constructor(
    private readonly db: Db,
    private readonly masterKey: Buffer,
    private readonly subject: { commonName: string; organization: string },
  ) {}

  async get(): Promise<Authority> {
    if (this.cached) return this.cached;
    const row = await this.db.selectFrom('authorities').selectAll().where('name', '=', BUILTIN).executeTakeFirst();
    if (row) {
      const privateKeyPem = decryptPrivateKey(row.encrypted_key, this.masterKey, `authority:${BUILTIN}`);
      if (isLegacyKey(row.encrypted_key)) {
        // Bind the CA key to its owner, as seal keys are (v1 → v2).
        await this.db.updateTable('authorities').set({ encrypted_key: encryptPrivateKey(privateKeyPem, this.masterKey, `authority:${BUILTIN}`) }).where('name', '=', BUILTIN).where('encrypted_key', '=', row.encrypted_key).execute();
      }
      this.cached = { certificatePem: row.certificate_pem, privateKeyPem };
      return this.cached;
    }
    const ca = await createCa({ ...this.subject, keyAlgorithm: 'ECDSA-P256' });
    await this.db
      .insertInto('authorities')
      .values({ name: BUILTIN, certificate_pem: ca.certificatePem, encrypted_key: encryptPrivateKey(ca.privateKeyPem, this.masterKey, `authority:${BUILTIN}`), create_time: Date.now() })
      .onConflict((oc) => oc.doNothing())
      .execute();
    this.cached = undefined;
    return this.get();
  }

  async rootCertificatePem(): Promise<string> {
    return (await this.get()).certificatePem;
  }
}
