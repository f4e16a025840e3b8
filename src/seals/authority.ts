import type { Db } from '../store/db.js';
import {
  createCa,
  decryptPrivateKey,
  encryptPrivateKey,
  isLegacyKey,
  issueOcspResponderCertificate,
  type CertifiedKey,
  type RevocationUrls,
} from '../pki/index.js';
import { x509 } from '../pki/webcrypto.js';

export interface Authority {
  certificatePem: string;
  privateKeyPem: string;
}

const BUILTIN = 'builtin';
const OCSP_RESPONDER = 'builtin-ocsp';
const DAY = 24 * 3600 * 1000;
/** The responder certificate is renewed when less than this is left of it. */
const RESPONDER_RENEW_BEFORE_MS = 30 * DAY;

/**
 * The built-in CA that issues certificates for seals registered without a PKCS#12: created on first
 * start, its key encrypted at rest with the master key. Its root certificate is what verifiers trust.
 */
export class BuiltinAuthority {
  private cached: Authority | undefined;

  private responder: CertifiedKey | undefined;

  constructor(
    private readonly db: Db,
    private readonly masterKey: Buffer,
    private readonly subject: { commonName: string; organization: string },
    /** The service's public base URL: certificates name its CRL and OCSP endpoints (none without it). */
    private readonly publicUrl = '',
  ) {}

  /** Where verifiers find this CA's revocation data (undefined without a public URL). */
  revocationUrls(): RevocationUrls | undefined {
    const base = this.publicUrl.replace(/\/+$/, '');
    if (!base) return undefined;
    return { crl: `${base}/ca/crl`, ocsp: `${base}/ca/ocsp`, caIssuers: `${base}/ca.pem` };
  }

  /** The delegated OCSP responder's certificate and key, issued on first use and renewed before it expires. */
  async ocspResponder(): Promise<CertifiedKey> {
    if (
      this.responder &&
      new x509.X509Certificate(this.responder.certificatePem).notAfter.getTime() - Date.now() > RESPONDER_RENEW_BEFORE_MS
    )
      return this.responder;
    const row = await this.db.selectFrom('authorities').selectAll().where('name', '=', OCSP_RESPONDER).executeTakeFirst();
    if (row && new x509.X509Certificate(row.certificate_pem).notAfter.getTime() - Date.now() > RESPONDER_RENEW_BEFORE_MS) {
      this.responder = {
        certificatePem: row.certificate_pem,
        privateKeyPem: decryptPrivateKey(row.encrypted_key, this.masterKey, `authority:${OCSP_RESPONDER}`),
      };
      return this.responder;
    }
    const issued = await issueOcspResponderCertificate(await this.get(), 365);
    const values = {
      certificate_pem: issued.certificatePem,
      encrypted_key: encryptPrivateKey(issued.privateKeyPem, this.masterKey, `authority:${OCSP_RESPONDER}`),
      create_time: Date.now(),
    };
    await this.db
      .insertInto('authorities')
      .values({ name: OCSP_RESPONDER, ...values })
      .onConflict((oc) => oc.column('name').doUpdateSet(values))
      .execute();
    this.responder = issued;
    return issued;
  }

  async get(): Promise<Authority> {
    if (this.cached) return this.cached;
    const row = await this.db.selectFrom('authorities').selectAll().where('name', '=', BUILTIN).executeTakeFirst();
    if (row) {
      const privateKeyPem = decryptPrivateKey(row.encrypted_key, this.masterKey, `authority:${BUILTIN}`);
      if (isLegacyKey(row.encrypted_key)) {
        // Bind the CA key to its owner, as seal keys are (v1 → v2).
        await this.db
          .updateTable('authorities')
          .set({ encrypted_key: encryptPrivateKey(privateKeyPem, this.masterKey, `authority:${BUILTIN}`) })
          .where('name', '=', BUILTIN)
          .where('encrypted_key', '=', row.encrypted_key)
          .execute();
      }
      this.cached = { certificatePem: row.certificate_pem, privateKeyPem };
      return this.cached;
    }
    const ca = await createCa({ ...this.subject, keyAlgorithm: 'ECDSA-P256' });
    await this.db
      .insertInto('authorities')
      .values({
        name: BUILTIN,
        certificate_pem: ca.certificatePem,
        encrypted_key: encryptPrivateKey(ca.privateKeyPem, this.masterKey, `authority:${BUILTIN}`),
        create_time: Date.now(),
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
    this.cached = undefined;
    return this.get();
  }

  async rootCertificatePem(): Promise<string> {
    return (await this.get()).certificatePem;
  }
}
