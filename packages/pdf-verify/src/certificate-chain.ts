// Builds a certificate path from a signer (or TSA) certificate to one of the configured trust
// anchors and checks it at a given time. Revocation (CRL/OCSP) is not checked: the verifier runs
// offline and in browsers; reports say so explicitly.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { KeyCache, signatureScheme, UnsupportedAlgorithmError, verifySignature } from './algorithms.js';
import { bytesEqual } from './bytes.js';
import { certificateDer, OID } from './cms.js';

export type ChainState =
  'CERT_TRUSTED' | 'CERT_ISSUER_UNKNOWN' | 'CERT_EXPIRED' | 'CERT_NOT_YET_VALID' | 'CERT_CHAIN_INVALID' | 'KEY_USAGE_INVALID';

export interface ChainCheck {
  trusted: boolean;
  states: ChainState[];
  /** Signer first, trust anchor last (empty anchor when no path was found). */
  path: pkijs.Certificate[];
}

/** What the end-entity certificate is used for, which decides the key usage it needs. */
export type CertificatePurpose = 'document-signing' | 'timestamping';

const MAX_PATH_LENGTH = 8;

// KeyUsage BIT STRING bits (RFC 5280 §4.2.1.3), bit 0 being the most significant bit of byte 0.
const DIGITAL_SIGNATURE = 0;
const NON_REPUDIATION = 1;
const KEY_CERT_SIGN = 5;

export class ChainValidator {
  private readonly issuedBy = new Map<string, Promise<boolean>>();

  constructor(
    private readonly anchors: pkijs.Certificate[],
    private readonly keys: KeyCache,
  ) {}

  async check(leaf: pkijs.Certificate, intermediates: pkijs.Certificate[], at: Date, purpose: CertificatePurpose): Promise<ChainCheck> {
    const states = new Set<ChainState>();
    if (!keyUsageAllows(leaf, purpose)) states.add('KEY_USAGE_INVALID');
    const path = await this.buildPath(leaf, intermediates, []);
    if (!path) {
      states.add('CERT_ISSUER_UNKNOWN');
      addValidityState(states, leaf, at);
      return { trusted: false, states: [...states], path: [] };
    }
    // Dates of the signer and the intermediates; the trust anchor is trusted by configuration
    // (unless it is the signer certificate itself).
    addValidityState(states, leaf, at);
    path.slice(1, -1).forEach((cert) => addValidityState(states, cert, at));
    path.slice(1, -1).forEach((issuer, i) => {
      if (!mayIssueCertificates(issuer, i)) states.add('CERT_CHAIN_INVALID');
    });
    const trusted = states.size === 0;
    if (trusted) states.add('CERT_TRUSTED');
    return { trusted, states: [...states], path };
  }

  /** A path from `cert` up to a trust anchor, or undefined. */
  private async buildPath(
    cert: pkijs.Certificate,
    pool: pkijs.Certificate[],
    below: pkijs.Certificate[],
  ): Promise<pkijs.Certificate[] | undefined> {
    if (this.anchors.some((anchor) => sameCertificate(anchor, cert))) return [...below, cert];
    if (below.length >= MAX_PATH_LENGTH) return undefined;
    const candidates = [...this.anchors, ...pool].filter(
      (issuer) =>
        issuer.subject.isEqual(cert.issuer) &&
        keyIdentifiersAgree(cert, issuer) &&
        ![...below, cert].some((seen) => sameCertificate(seen, issuer)),
    );
    for (const issuer of candidates) {
      if (!(await this.isIssuedBy(cert, issuer))) continue;
      const path = await this.buildPath(issuer, pool, [...below, cert]);
      if (path) return path;
    }
    return undefined;
  }

  private isIssuedBy(cert: pkijs.Certificate, issuer: pkijs.Certificate): Promise<boolean> {
    const key = `${toKey(cert.signatureValue.valueBlock.valueHexView)}|${toKey(certificateDer(issuer))}`;
    let result = this.issuedBy.get(key);
    if (!result) {
      result = verifyCertificateSignature(cert, issuer, this.keys);
      this.issuedBy.set(key, result);
    }
    return result;
  }
}

async function verifyCertificateSignature(cert: pkijs.Certificate, issuer: pkijs.Certificate, keys: KeyCache): Promise<boolean> {
  try {
    const scheme = signatureScheme(cert.signatureAlgorithm, issuer.subjectPublicKeyInfo);
    return await verifySignature(
      keys,
      issuer.subjectPublicKeyInfo,
      scheme,
      new Uint8Array(cert.tbsView),
      new Uint8Array(cert.signatureValue.valueBlock.valueHexView),
    );
  } catch (error) {
    if (error instanceof UnsupportedAlgorithmError) return false;
    throw error;
  }
}

function toKey(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes);
}

function sameCertificate(a: pkijs.Certificate, b: pkijs.Certificate): boolean {
  return a === b || bytesEqual(certificateDer(a), certificateDer(b));
}

function extension(cert: pkijs.Certificate, oid: string): pkijs.Extension | undefined {
  return cert.extensions?.find((ext) => ext.extnID === oid);
}

function keyIdentifiersAgree(cert: pkijs.Certificate, issuer: pkijs.Certificate): boolean {
  const authorityKeyId = extension(cert, OID.authorityKeyId)?.parsedValue;
  const subjectKeyId = extension(issuer, OID.subjectKeyId)?.parsedValue;
  if (!(authorityKeyId instanceof pkijs.AuthorityKeyIdentifier) || !authorityKeyId.keyIdentifier) return true;
  if (!(subjectKeyId instanceof asn1js.OctetString)) return true;
  return bytesEqual(authorityKeyId.keyIdentifier.valueBlock.valueHexView, subjectKeyId.valueBlock.valueHexView);
}

function addValidityState(states: Set<ChainState>, cert: pkijs.Certificate, at: Date): void {
  if (at.getTime() > cert.notAfter.value.getTime()) states.add('CERT_EXPIRED');
  if (at.getTime() < cert.notBefore.value.getTime()) states.add('CERT_NOT_YET_VALID');
}

function keyUsageBit(cert: pkijs.Certificate, bit: number): boolean | undefined {
  const keyUsage = extension(cert, OID.keyUsage)?.parsedValue;
  if (!(keyUsage instanceof asn1js.BitString)) return undefined;
  const bytes = keyUsage.valueBlock.valueHexView;
  const byte = bytes[bit >> 3] ?? 0;
  return (byte & (0x80 >> (bit & 7))) !== 0;
}

function keyUsageAllows(cert: pkijs.Certificate, purpose: CertificatePurpose): boolean {
  const hasKeyUsage = extension(cert, OID.keyUsage) !== undefined;
  const signs = !hasKeyUsage || keyUsageBit(cert, DIGITAL_SIGNATURE) === true || keyUsageBit(cert, NON_REPUDIATION) === true;
  if (purpose === 'document-signing') return signs;
  const extendedKeyUsage = extension(cert, OID.extendedKeyUsage)?.parsedValue;
  return signs && extendedKeyUsage instanceof pkijs.ExtKeyUsage && extendedKeyUsage.keyPurposes.includes(OID.timeStamping);
}

/** CA flag, keyCertSign and path length of an intermediate; `below` = intermediates under it. */
function mayIssueCertificates(cert: pkijs.Certificate, below: number): boolean {
  const constraints = extension(cert, OID.basicConstraints)?.parsedValue;
  if (!(constraints instanceof pkijs.BasicConstraints) || !constraints.cA) return false;
  if (keyUsageBit(cert, KEY_CERT_SIGN) === false) return false;
  const pathLength = constraints.pathLenConstraint;
  const limit =
    typeof pathLength === 'number' ? pathLength : pathLength instanceof asn1js.Integer ? pathLength.valueBlock.valueDec : undefined;
  return limit === undefined || below <= limit;
}
