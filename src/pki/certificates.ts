import { randomBytes, webcrypto } from 'node:crypto';
import { type KeyAlgorithmName, algorithmFor, fromPem, subtle, toPem, x509 } from './webcrypto.js';

export interface CertifiedKey {
  certificatePem: string;
  /** PKCS#8 PEM. Never log or return it. */
  privateKeyPem: string;
}

export interface IssuedCertificate extends CertifiedKey {
  /** Issuer chain, nearest first (for the built-in CA: its root). */
  chainPem: string[];
}

const DAY = 24 * 3600 * 1000;

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f; // positive INTEGER
  return bytes.toString('hex');
}

function distinguishedName(parts: { commonName: string; organization?: string; organizationalUnit?: string }): x509.JsonName {
  const name: x509.JsonName = [];
  if (parts.organization) name.push({ O: [parts.organization] });
  if (parts.organizationalUnit) name.push({ OU: [parts.organizationalUnit] });
  name.push({ CN: [parts.commonName] });
  return name;
}

async function exportPrivateKey(key: CryptoKey): Promise<string> {
  return toPem(await subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** Imports a PKCS#8 PEM key for signing with the algorithm of the given certificate. */
export async function importSigningKey(privateKeyPem: string, certificate: x509.X509Certificate): Promise<CryptoKey> {
  const algorithm = certificate.publicKey.algorithm as RsaHashedImportParams | EcKeyImportParams;
  const params =
    algorithm.name === 'ECDSA'
      ? { name: 'ECDSA', namedCurve: (algorithm as EcKeyImportParams).namedCurve }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  return subtle.importKey('pkcs8', fromPem(privateKeyPem, 'PRIVATE KEY'), params, false, ['sign']);
}

/** A self-signed root CA (10 years) for issuing seal certificates. */
export async function createCa(options: {
  commonName: string;
  organization: string;
  keyAlgorithm: KeyAlgorithmName;
}): Promise<CertifiedKey> {
  const algorithm = algorithmFor(options.keyAlgorithm);
  const keys = await subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: distinguishedName({ commonName: options.commonName, organization: options.organization }),
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 3650 * DAY),
    signingAlgorithm: algorithm,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificatePem: certificate.toString('pem'), privateKeyPem: await exportPrivateKey(keys.privateKey) };
}

/**
 * A signing certificate for a seal, issued by `ca`: key usage digitalSignature + nonRepudiation, and
 * extended key usage emailProtection + Adobe/Microsoft document signing (NSS, which poppler uses,
 * checks e-mail-signer usage).
 */
export interface RevocationUrls {
  /** CRL distribution point. */
  crl: string;
  /** OCSP responder (authority information access). */
  ocsp: string;
  /** Where the issuer's certificate can be downloaded. */
  caIssuers: string;
}

export async function issueSigningCertificate(
  ca: CertifiedKey,
  options: {
    commonName: string;
    organization?: string;
    organizationalUnit?: string;
    keyAlgorithm: KeyAlgorithmName;
    validDays: number;
    revocationUrls?: RevocationUrls;
  },
): Promise<IssuedCertificate> {
  const caCertificate = new x509.X509Certificate(ca.certificatePem);
  const caKey = await importSigningKey(ca.privateKeyPem, caCertificate);
  const algorithm = algorithmFor(options.keyAlgorithm);
  const keys = await subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const caAlgorithm =
    caCertificate.publicKey.algorithm.name === 'ECDSA'
      ? { name: 'ECDSA', hash: 'SHA-256' }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: distinguishedName(options),
    issuer: caCertificate.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(Math.min(now + options.validDays * DAY, caCertificate.notAfter.getTime())),
    signingAlgorithm: caAlgorithm,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
      new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.4', '1.2.840.113583.1.1.5', '1.3.6.1.4.1.311.10.3.12'], false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCertificate),
      ...(options.revocationUrls
        ? [
            new x509.CRLDistributionPointsExtension([options.revocationUrls.crl]),
            new x509.AuthorityInfoAccessExtension({ ocsp: [options.revocationUrls.ocsp], caIssuers: [options.revocationUrls.caIssuers] }),
          ]
        : []),
    ],
  });
  return {
    certificatePem: certificate.toString('pem'),
    privateKeyPem: await exportPrivateKey(keys.privateKey),
    chainPem: [ca.certificatePem],
  };
}

/**
 * The CA's delegated OCSP responder (RFC 6960 §4.2.2.2): extended key usage OCSPSigning and
 * id-pkix-ocsp-nocheck, so that clients need not check the responder's own revocation.
 */
export async function issueOcspResponderCertificate(ca: CertifiedKey, validDays: number): Promise<CertifiedKey> {
  const caCertificate = new x509.X509Certificate(ca.certificatePem);
  const caKey = await importSigningKey(ca.privateKeyPem, caCertificate);
  const algorithm = algorithmFor('ECDSA-P256');
  const keys = await subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const caAlgorithm =
    caCertificate.publicKey.algorithm.name === 'ECDSA'
      ? { name: 'ECDSA', hash: 'SHA-256' }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: distinguishedName({
      commonName: `${caCertificate.subjectName.getField('CN')[0] ?? 'CA'} OCSP Responder`,
      organization: caCertificate.subjectName.getField('O')[0],
    }),
    issuer: caCertificate.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(Math.min(now + validDays * DAY, caCertificate.notAfter.getTime())),
    signingAlgorithm: caAlgorithm,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.9'], true),
      new x509.Extension('1.3.6.1.5.5.7.48.1.5', false, new Uint8Array([0x05, 0x00])),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCertificate),
    ],
  });
  return { certificatePem: certificate.toString('pem'), privateKeyPem: await exportPrivateKey(keys.privateKey) };
}

void webcrypto;
