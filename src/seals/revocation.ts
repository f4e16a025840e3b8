// Revocation published by the built-in CA: revoking a seal's certificate, the signed CRL, and the
// OCSP responder (RFC 6960) answering with a delegated responder certificate. Only certificates the
// built-in CA issued are answered for; imported PKCS#12 seals keep their own CA's services.
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { importSigningKey } from '../pki/index.js';
import { x509 } from '../pki/webcrypto.js';
import type { Db } from '../store/db.js';
import type { ValidationData } from '../pdf/pades/ltv.js';
import type { BuiltinAuthority } from './authority.js';
import { DomainError } from '../errors.js';

export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'privilegeWithdrawn',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];
const REASON_CODES: Record<RevocationReason, number> = {
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  privilegeWithdrawn: 9,
};

const OID_OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';
const OID_OCSP_NONCE = '1.3.6.1.5.5.7.48.1.2';
const HASH_BY_OID: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const HOUR = 3600 * 1000;
/** How long a CRL and an OCSP answer stay current (nextUpdate). */
export const REVOCATION_VALIDITY_MS = 24 * HOUR;
/** How long one OCSP answer and CRL are embedded in new B-LTA signatures of the same certificate. */
const VALIDATION_DATA_REUSE_MS = 10 * 60 * 1000;
const VALIDATION_CACHE_LIMIT = 256;
const PARSED_CERTIFICATE_LIMIT = 50_000;
const MAX_REQUESTS_PER_OCSP = 10;

export class RevocationError extends DomainError<'CERT_NOT_ISSUED_HERE' | 'ALREADY_REVOKED'> {}

export interface RevocationEntry {
  serial: string;
  sealId: string;
  revokedAt: Date;
  reason: RevocationReason;
}

export type CertificateStatus =
  { status: 'good' } | { status: 'revoked'; revokedAt: Date; reason: RevocationReason } | { status: 'unknown' };

/** Lowercase hex of a serial number without leading zero bytes (DER may add or drop one). */
export function normalizeSerial(hex: string): string {
  return hex.toLowerCase().replace(/^(00)+(?=.)/, '');
}

export class CertificateRevocation {
  private crlCache: { der: Uint8Array; thisUpdate: Date; nextUpdate: Date } | undefined;
  /** Validation data per certificate (by PEM digest): every B-LTA stamp of a seal embeds the same answers. */
  private readonly validationCache = new Map<string, { data: ValidationData; serial: string; at: number }>();
  private readonly parsedCertificates = new Map<string, { issuer: string; serial: string }>();

  constructor(
    private readonly db: Db,
    private readonly authority: BuiltinAuthority,
  ) {}

  /** Revokes the certificate `certificatePem` of seal `sealId`; it must have been issued by the built-in CA. */
  async revoke(sealId: string, certificatePem: string, reason: RevocationReason, at: Date): Promise<RevocationEntry> {
    const certificate = new x509.X509Certificate(certificatePem);
    if (!(await this.issuedHere(certificate))) {
      throw new RevocationError(
        'CERT_NOT_ISSUED_HERE',
        "This seal's certificate was not issued by the built-in CA; revoke it at the CA that issued it.",
      );
    }
    const serial = normalizeSerial(certificate.serialNumber);
    const existing = await this.db.selectFrom('certificate_revocations').select('serial').where('serial', '=', serial).executeTakeFirst();
    if (existing) throw new RevocationError('ALREADY_REVOKED', 'This certificate is already revoked.');
    await this.db
      .insertInto('certificate_revocations')
      .values({ serial, seal_id: sealId, revoked_at: at.getTime(), reason, create_time: Date.now() })
      .execute();
    this.crlCache = undefined;
    this.validationCache.clear();
    return { serial, sealId, revokedAt: at, reason };
  }

  async list(): Promise<RevocationEntry[]> {
    const rows = await this.db.selectFrom('certificate_revocations').selectAll().orderBy('revoked_at').execute();
    return rows.map((row) => ({
      serial: row.serial,
      sealId: row.seal_id,
      revokedAt: new Date(Number(row.revoked_at)),
      reason: row.reason as RevocationReason,
    }));
  }

  async status(serialHex: string): Promise<CertificateStatus> {
    const serial = normalizeSerial(serialHex);
    const row = await this.db.selectFrom('certificate_revocations').selectAll().where('serial', '=', serial).executeTakeFirst();
    if (row) return { status: 'revoked', revokedAt: new Date(Number(row.revoked_at)), reason: row.reason as RevocationReason };
    return (await this.issuedSerials()).has(serial) ? { status: 'good' } : { status: 'unknown' };
  }

  /** The current CRL (DER), signed by the CA, regenerated after a revocation or an hour. */
  async crl(): Promise<{ der: Uint8Array; thisUpdate: Date; nextUpdate: Date }> {
    if (this.crlCache && this.crlCache.thisUpdate.getTime() + HOUR > Date.now()) return this.crlCache;
    const ca = await this.authority.get();
    const caCertificate = new x509.X509Certificate(ca.certificatePem);
    const thisUpdate = new Date();
    const nextUpdate = new Date(thisUpdate.getTime() + REVOCATION_VALIDITY_MS);
    const crl = await x509.X509CrlGenerator.create({
      issuer: caCertificate.subject,
      thisUpdate,
      nextUpdate,
      signingAlgorithm: signingAlgorithmOf(caCertificate),
      signingKey: await importSigningKey(ca.privateKeyPem, caCertificate),
      extensions: [await x509.AuthorityKeyIdentifierExtension.create(caCertificate)],
      entries: (await this.list()).map((entry) => ({
        serialNumber: entry.serial,
        revocationDate: entry.revokedAt,
        reason: REASON_CODES[entry.reason],
      })),
    });
    this.crlCache = { der: new Uint8Array(crl.rawData), thisUpdate, nextUpdate };
    return this.crlCache;
  }

  /** Answers a DER OCSPRequest with a DER OCSPResponse (malformedRequest for unreadable ones). */
  async ocsp(requestDer: Uint8Array): Promise<{ der: Uint8Array; nextUpdate?: Date }> {
    let request: pkijs.OCSPRequest;
    try {
      request = pkijs.OCSPRequest.fromBER(new Uint8Array(requestDer));
    } catch {
      return { der: errorResponse(1) };
    }
    const singles = request.tbsRequest.requestList;
    if (singles.length === 0 || singles.length > MAX_REQUESTS_PER_OCSP) return { der: errorResponse(1) };
    const ca = await this.authority.get();
    const caCertificate = pkijs.Certificate.fromBER(new x509.X509Certificate(ca.certificatePem).rawData);
    const responder = await this.authority.ocspResponder();
    const responderCertificate = pkijs.Certificate.fromBER(new x509.X509Certificate(responder.certificatePem).rawData);
    const now = new Date();
    const nextUpdate = new Date(now.getTime() + REVOCATION_VALIDITY_MS);
    const responses: pkijs.SingleResponse[] = [];
    for (const single of singles) {
      const certId = single.reqCert;
      const hash = HASH_BY_OID[certId.hashAlgorithm.algorithmId];
      let status: CertificateStatus = { status: 'unknown' };
      if (hash && this.matchesIssuer(certId, caCertificate, hash)) {
        status = await this.status(Buffer.from(certId.serialNumber.valueBlock.valueHexView).toString('hex'));
      }
      responses.push(new pkijs.SingleResponse({ certID: certId, certStatus: certStatusOf(status), thisUpdate: now, nextUpdate }));
    }
    const basic = new pkijs.BasicOCSPResponse();
    basic.tbsResponseData.responderID = responderCertificate.subject;
    basic.tbsResponseData.producedAt = now;
    basic.tbsResponseData.responses = responses;
    const nonce = request.tbsRequest.requestExtensions?.find((extension) => extension.extnID === OID_OCSP_NONCE);
    if (nonce)
      basic.tbsResponseData.responseExtensions = [
        new pkijs.Extension({ extnID: OID_OCSP_NONCE, extnValue: nonce.extnValue.valueBlock.valueHexView.slice().buffer }),
      ];
    basic.certs = [responderCertificate];
    const key = await importSigningKey(responder.privateKeyPem, new x509.X509Certificate(responder.certificatePem));
    await basic.sign(key, 'SHA-256');
    const response = new pkijs.OCSPResponse({
      responseStatus: new asn1js.Enumerated({ value: 0 }),
      responseBytes: new pkijs.ResponseBytes({
        responseType: OID_OCSP_BASIC,
        response: new asn1js.OctetString({ valueHex: basic.toSchema().toBER(false) }),
      }),
    });
    // A response carrying a nonce answers one request only: it must not be cached.
    return { der: new Uint8Array(response.toSchema().toBER(false)), nextUpdate: nonce ? undefined : nextUpdate };
  }

  /**
   * What a verifier needs to validate a certificate of ours without asking anyone (for a DSS):
   * the certificate and the CA's, a fresh OCSP response for it, and the CRL.
   */
  async validationData(certificatePem: string): Promise<ValidationData> {
    const key = createHash('sha256').update(certificatePem).digest('hex');
    const cached = this.validationCache.get(key);
    // A cached "good" answer is reused only while this certificate is still not revoked in the
    // database (a revocation on any instance is seen at once) and the answer is young.
    if (cached && cached.at + VALIDATION_DATA_REUSE_MS > Date.now() && !(await this.isRevoked(cached.serial))) {
      return cached.data;
    }
    this.validationCache.delete(key);
    const { data, serial, good } = await this.freshValidationData(certificatePem);
    if (good) {
      this.validationCache.set(key, { data, serial, at: Date.now() });
      if (this.validationCache.size > VALIDATION_CACHE_LIMIT) this.validationCache.delete(this.validationCache.keys().next().value!);
    }
    return data;
  }

  private async freshValidationData(certificatePem: string): Promise<{ data: ValidationData; serial: string; good: boolean }> {
    const ca = await this.authority.get();
    const certificate = new x509.X509Certificate(certificatePem);
    const caCertificate = new x509.X509Certificate(ca.certificatePem);
    const serial = normalizeSerial(certificate.serialNumber);
    const certificates = [new Uint8Array(certificate.rawData), new Uint8Array(caCertificate.rawData)];
    if (!(await this.issuedHere(certificate))) return { data: { certificates, ocsps: [], crls: [] }, serial, good: false };
    const good = !(await this.isRevoked(serial));
    const request = new pkijs.OCSPRequest();
    await request.createForCertificate(pkijs.Certificate.fromBER(certificate.rawData), {
      hashAlgorithm: 'SHA-256',
      issuerCertificate: pkijs.Certificate.fromBER(caCertificate.rawData),
    });
    const ocsp = await this.ocsp(new Uint8Array(request.toSchema(true).toBER(false)));
    const responder = new x509.X509Certificate((await this.authority.ocspResponder()).certificatePem);
    return {
      data: { certificates: [...certificates, new Uint8Array(responder.rawData)], ocsps: [ocsp.der], crls: [(await this.crl()).der] },
      serial,
      good,
    };
  }

  private matchesIssuer(certId: pkijs.CertID, ca: pkijs.Certificate, hash: string): boolean {
    const nameHash = createHash(hash)
      .update(new Uint8Array(ca.subject.toSchema().toBER(false)))
      .digest();
    const keyHash = createHash(hash).update(ca.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView).digest();
    return (
      Buffer.from(certId.issuerNameHash.valueBlock.valueHexView).equals(nameHash) &&
      Buffer.from(certId.issuerKeyHash.valueBlock.valueHexView).equals(keyHash)
    );
  }

  async issuedHere(certificate: x509.X509Certificate): Promise<boolean> {
    const ca = new x509.X509Certificate((await this.authority.get()).certificatePem);
    return certificate.issuer === ca.subject && (await certificate.verify({ publicKey: ca.publicKey, signatureOnly: true }));
  }

  /** Serials of the certificates the built-in CA issued to seals (current ones and those replaced by a re-key). */
  private async isRevoked(serial: string): Promise<boolean> {
    const row = await this.db.selectFrom('certificate_revocations').select('serial').where('serial', '=', serial).executeTakeFirst();
    return row !== undefined;
  }

  private async issuedSerials(): Promise<Set<string>> {
    const ca = new x509.X509Certificate((await this.authority.get()).certificatePem);
    const rows = await this.db.selectFrom('seals').select('certificate_pem').where('certificate_pem', 'is not', null).execute();
    const serials = new Set<string>();
    for (const row of rows) {
      const serial = this.serialIfIssuedBy(row.certificate_pem as string, ca.subject);
      if (serial) serials.add(serial);
    }
    for (const row of await this.db.selectFrom('seal_certificates').select('serial').execute()) serials.add(row.serial);
    return serials;
  }

  /**
   * The certificate's serial when `issuer` issued it. Parsing is remembered by the PEM's digest: the
   * public OCSP responder asks this for every seal on every request, and parsing dominated that.
   */
  private serialIfIssuedBy(certificatePem: string, issuer: string): string | undefined {
    const key = createHash('sha256').update(certificatePem).digest('hex');
    let parsed = this.parsedCertificates.get(key);
    if (!parsed) {
      const certificate = new x509.X509Certificate(certificatePem);
      parsed = { issuer: certificate.issuer, serial: normalizeSerial(certificate.serialNumber) };
      this.parsedCertificates.set(key, parsed);
      if (this.parsedCertificates.size > PARSED_CERTIFICATE_LIMIT)
        this.parsedCertificates.delete(this.parsedCertificates.keys().next().value!);
    }
    return parsed.issuer === issuer ? parsed.serial : undefined;
  }
}

function signingAlgorithmOf(certificate: x509.X509Certificate): Algorithm | EcdsaParams {
  return certificate.publicKey.algorithm.name === 'ECDSA'
    ? { name: 'ECDSA', hash: 'SHA-256' }
    : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
}

function certStatusOf(status: CertificateStatus): asn1js.AsnType {
  if (status.status === 'good') return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 } });
  if (status.status === 'unknown') return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 } });
  return new asn1js.Constructed({
    idBlock: { tagClass: 3, tagNumber: 1 },
    value: [
      new asn1js.GeneralizedTime({ valueDate: status.revokedAt }),
      new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 0 },
        value: [new asn1js.Enumerated({ value: REASON_CODES[status.reason] })],
      }),
    ],
  });
}

/** An OCSPResponse with an error status and no body (1 = malformedRequest). */
function errorResponse(status: number): Uint8Array {
  return new Uint8Array(new pkijs.OCSPResponse({ responseStatus: new asn1js.Enumerated({ value: status }) }).toSchema().toBER(false));
}
