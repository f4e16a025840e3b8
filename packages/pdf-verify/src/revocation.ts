// Revocation of the certificates of a signature's chain: embedded data first (the CMS
// adbe-revocationInfoArchival attribute, the document's DSS), then — when the caller allows it and
// supplies a fetcher — online OCSP, then CRL. Every OCSP response and CRL is checked: signed by the
// issuer (or by a responder the issuer delegated with id-kp-OCSPSigning), naming the certificate.
// The fetcher enforces the caller's allow-list and timeouts; this module never opens a connection.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { KeyCache, signatureScheme, UnsupportedAlgorithmError, verifySignature } from './algorithms.js';
import { bytesEqual } from './bytes.js';
import { certificateDer } from './cms.js';

export type RevocationMode = 'off' | 'embedded' | 'online';

export interface RevocationOptions {
  /** 'off': not checked; 'embedded': only data in the PDF; 'online': embedded data, then OCSP/CRL through `fetch`. */
  mode: RevocationMode;
  /** GET (no request) or POST (with one) a URL; resolves the body, rejects when not allowed or unavailable. */
  fetch?: (url: string, request?: { body: Uint8Array; contentType: string }) => Promise<Uint8Array>;
}

export interface RevocationReport {
  status: 'good' | 'revoked' | 'unknown' | 'not-checked';
  /** Where the answer came from: 'embedded OCSP', 'embedded CRL', 'OCSP', 'CRL'. */
  source?: string;
  /** ISO 8601, for a revoked certificate. */
  revokedAt?: string;
  /** RFC 5280 reason, e.g. 'keyCompromise'. */
  reason?: string;
  /** Subject of the revoked (or unknown) certificate when it is not the signer's. */
  certificate?: string;
  /** Why the status could not be had. */
  why?: string;
  /** The certificate names no OCSP responder and no CRL: nothing could ever be checked. */
  noSources?: boolean;
}

/** Embedded revocation data: OCSP responses and CRLs, parsed once per document. */
export interface EmbeddedRevocationData {
  ocsp: pkijs.BasicOCSPResponse[];
  crls: pkijs.CertificateRevocationList[];
}

const OID = {
  revocationInfoArchival: '1.2.840.113583.1.1.8',
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  accessOcsp: '1.3.6.1.5.5.7.48.1',
  crlDistributionPoints: '2.5.29.31',
  extendedKeyUsage: '2.5.29.37',
  reasonCode: '2.5.29.21',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
};
const HASHES: Record<string, 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512'> = {
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};
const REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  '',
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
];
const MAX_EMBEDDED_ITEMS = 200;

type Answer = { status: 'good' } | { status: 'revoked'; revokedAt: Date; reason: string } | { status: 'unknown'; why: string };
type Status =
  | { status: 'good'; source: string }
  | { status: 'revoked'; source: string; revokedAt: Date; reason: string }
  | { status: 'unknown'; why: string };

export function emptyRevocationData(): EmbeddedRevocationData {
  return { ocsp: [], crls: [] };
}

/** Adds DER OCSP responses (full OCSPResponse or BasicOCSPResponse) and CRLs; unreadable ones are skipped. */
export function addRevocationData(data: EmbeddedRevocationData, ocsp: Uint8Array[], crls: Uint8Array[]): void {
  for (const der of ocsp.slice(0, MAX_EMBEDDED_ITEMS)) {
    const basic = parseOcsp(der);
    if (basic) data.ocsp.push(basic);
  }
  for (const der of crls.slice(0, MAX_EMBEDDED_ITEMS)) {
    try {
      data.crls.push(pkijs.CertificateRevocationList.fromBER(new Uint8Array(der)));
    } catch {
      // not a CRL
    }
  }
}

/** The CMS signed attribute adbe-revocationInfoArchival: { [0] CRLs, [1] OCSP responses }. */
export function revocationInfoArchival(signerInfo: pkijs.SignerInfo): { ocsp: Uint8Array[]; crls: Uint8Array[] } {
  const out = { ocsp: [] as Uint8Array[], crls: [] as Uint8Array[] };
  const attribute = signerInfo.signedAttrs?.attributes.find((a) => a.type === OID.revocationInfoArchival)?.values[0];
  if (!(attribute instanceof asn1js.Sequence)) return out;
  for (const tagged of attribute.valueBlock.value) {
    if (!(tagged instanceof asn1js.Constructed)) continue;
    const inner = tagged.valueBlock.value[0];
    const items = inner instanceof asn1js.Sequence ? inner.valueBlock.value : [];
    const target = tagged.idBlock.tagNumber === 0 ? out.crls : tagged.idBlock.tagNumber === 1 ? out.ocsp : undefined;
    if (target) for (const item of items.slice(0, MAX_EMBEDDED_ITEMS)) target.push(new Uint8Array(item.toBER(false)));
  }
  return out;
}

function parseOcsp(der: Uint8Array): pkijs.BasicOCSPResponse | undefined {
  try {
    const response = pkijs.OCSPResponse.fromBER(new Uint8Array(der));
    if (response.responseStatus.valueBlock.valueDec !== 0 || response.responseBytes?.responseType !== OID.ocspBasic) return undefined;
    return pkijs.BasicOCSPResponse.fromBER(response.responseBytes.response.valueBlock.valueHexView.slice());
  } catch {
    try {
      return pkijs.BasicOCSPResponse.fromBER(new Uint8Array(der));
    } catch {
      return undefined;
    }
  }
}

/**
 * Checks every certificate of `path` (signer first, trust anchor last; the anchor itself is trusted
 * by configuration) and reports the worst: revoked, then unknown, then good.
 */
export async function checkRevocation(
  path: pkijs.Certificate[],
  embedded: EmbeddedRevocationData,
  options: RevocationOptions,
  keys: KeyCache,
): Promise<RevocationReport> {
  if (options.mode === 'off') return { status: 'not-checked' };
  if (path.length < 2) return { status: 'unknown', why: 'no certificate path to a trust anchor' };
  let unknown: RevocationReport | undefined;
  let goodSource = '';
  for (let i = 0; i < path.length - 1; i++) {
    const [certificate, issuer] = [path[i], path[i + 1]];
    const status = await statusOf(certificate, issuer, embedded, options, keys);
    const subject = i === 0 ? undefined : subjectOf(certificate);
    if (status.status === 'revoked') {
      return {
        status: 'revoked',
        source: status.source,
        revokedAt: status.revokedAt.toISOString(),
        reason: status.reason,
        ...(subject ? { certificate: subject } : {}),
      };
    }
    if (status.status === 'unknown')
      unknown ??= {
        status: 'unknown',
        why: status.why,
        noSources: !namesSources(certificate),
        ...(subject ? { certificate: subject } : {}),
      };
    else if (i === 0) goodSource = status.source;
  }
  return unknown ?? { status: 'good', source: goodSource };
}

async function statusOf(
  certificate: pkijs.Certificate,
  issuer: pkijs.Certificate,
  embedded: EmbeddedRevocationData,
  options: RevocationOptions,
  keys: KeyCache,
): Promise<Status> {
  for (const basic of embedded.ocsp) {
    const status = await fromOcsp(basic, certificate, issuer, keys);
    if (status) return { ...status, source: 'embedded OCSP' } as Status;
  }
  for (const crl of embedded.crls) {
    const status = await fromCrl(crl, certificate, issuer, keys);
    if (status) return { ...status, source: 'embedded CRL' } as Status;
  }
  if (options.mode !== 'online' || !options.fetch)
    return { status: 'unknown', why: 'no embedded revocation data for the certificate, and online checking is off' };
  const problems: string[] = [];
  for (const url of urlsOf(certificate, OID.authorityInfoAccess)) {
    try {
      const request = new pkijs.OCSPRequest();
      await request.createForCertificate(certificate, { hashAlgorithm: 'SHA-256', issuerCertificate: issuer });
      const nonce = globalThis.crypto.getRandomValues(new Uint8Array(16));
      request.tbsRequest.requestExtensions = [
        new pkijs.Extension({ extnID: OID.ocspNonce, extnValue: new asn1js.OctetString({ valueHex: nonce }).toBER(false) }),
      ];
      const answer = await options.fetch(url, {
        body: new Uint8Array(request.toSchema(true).toBER(false)),
        contentType: 'application/ocsp-request',
      });
      const basic = parseOcsp(answer);
      if (!basic) throw new Error('not an OCSP response');
      const echoed = basic.tbsResponseData.responseExtensions?.find((e) => e.extnID === OID.ocspNonce);
      if (
        echoed &&
        !bytesEqual(echoed.extnValue.valueBlock.valueHexView, new Uint8Array(new asn1js.OctetString({ valueHex: nonce }).toBER(false)))
      )
        throw new Error('OCSP nonce does not match');
      const status = await fromOcsp(basic, certificate, issuer, keys);
      if (status) return { ...status, source: 'OCSP' } as Status;
      problems.push(`${url}: the OCSP response does not answer for this certificate`);
    } catch (error) {
      problems.push(`${url}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  for (const url of urlsOf(certificate, OID.crlDistributionPoints)) {
    try {
      const crl = pkijs.CertificateRevocationList.fromBER(new Uint8Array(await options.fetch(url)));
      const status = await fromCrl(crl, certificate, issuer, keys);
      if (status) return { ...status, source: 'CRL' } as Status;
      problems.push(`${url}: the CRL is not the issuer's, or not validly signed`);
    } catch (error) {
      problems.push(`${url}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (problems.length === 0) return { status: 'unknown', why: 'the certificate names no OCSP responder or CRL' };
  return { status: 'unknown', why: problems.join('; ') };
}

/** The status an OCSP response gives for `certificate`, if it answers for it and is validly signed. */
async function fromOcsp(
  basic: pkijs.BasicOCSPResponse,
  certificate: pkijs.Certificate,
  issuer: pkijs.Certificate,
  keys: KeyCache,
): Promise<Answer | undefined> {
  let single: pkijs.SingleResponse | undefined;
  for (const candidate of basic.tbsResponseData.responses) {
    if (await certIdMatches(candidate.certID, certificate, issuer)) {
      single = candidate;
      break;
    }
  }
  if (!single) return undefined;
  const responder = await responderOf(basic, issuer, keys);
  if (!responder) return undefined;
  if (!(await signedBy(basic.signatureAlgorithm, basic.signature.valueBlock.valueHexView, basic.tbsResponseData.tbsView, responder, keys)))
    return undefined;
  const status = single.certStatus as asn1js.BaseBlock;
  const tag = status.idBlock.tagNumber;
  if (tag === 0) return { status: 'good' };
  if (tag === 1 && status instanceof asn1js.Constructed) {
    const [time, reasonBlock] = status.valueBlock.value;
    const revokedAt = time instanceof asn1js.GeneralizedTime ? time.toDate() : new Date(NaN);
    const reasonValue = reasonBlock instanceof asn1js.Constructed ? reasonBlock.valueBlock.value[0] : undefined;
    const code = reasonValue instanceof asn1js.Enumerated ? reasonValue.valueBlock.valueDec : 0;
    return { status: 'revoked', revokedAt, reason: REASONS[code] || 'unspecified' };
  }
  return { status: 'unknown', why: 'the OCSP responder does not know the certificate' };
}

async function fromCrl(
  crl: pkijs.CertificateRevocationList,
  certificate: pkijs.Certificate,
  issuer: pkijs.Certificate,
  keys: KeyCache,
): Promise<Answer | undefined> {
  if (!crl.issuer.isEqual(certificate.issuer)) return undefined;
  if (!(await signedBy(crl.signature, crl.signatureValue.valueBlock.valueHexView, crl.tbsView, issuer, keys))) return undefined;
  const serial = certificate.serialNumber.valueBlock.valueHexView;
  const entry = crl.revokedCertificates?.find((revoked) => sameSerial(revoked.userCertificate.valueBlock.valueHexView, serial));
  if (!entry) return { status: 'good' };
  const reason = entry.crlEntryExtensions?.extensions.find((e) => e.extnID === OID.reasonCode)?.parsedValue;
  const code = reason instanceof asn1js.Enumerated ? reason.valueBlock.valueDec : 0;
  return { status: 'revoked', revokedAt: entry.revocationDate.value, reason: REASONS[code] || 'unspecified' };
}

/** The certificate that signed an OCSP response: the issuer itself, or a responder it delegated. */
async function responderOf(
  basic: pkijs.BasicOCSPResponse,
  issuer: pkijs.Certificate,
  keys: KeyCache,
): Promise<pkijs.Certificate | undefined> {
  const id = basic.tbsResponseData.responderID;
  const matches = async (cert: pkijs.Certificate) => {
    if (id instanceof pkijs.RelativeDistinguishedNames) return cert.subject.isEqual(id);
    if (id instanceof asn1js.OctetString) {
      const keyHash = new Uint8Array(
        await globalThis.crypto.subtle.digest('SHA-1', cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView.slice()),
      );
      return bytesEqual(keyHash, id.valueBlock.valueHexView);
    }
    return false;
  };
  if (await matches(issuer)) return issuer;
  for (const candidate of basic.certs ?? []) {
    if (!(await matches(candidate))) continue;
    const eku = candidate.extensions?.find((e) => e.extnID === OID.extendedKeyUsage)?.parsedValue as pkijs.ExtKeyUsage | undefined;
    if (!eku?.keyPurposes.includes(OID.ocspSigning)) continue;
    if (!candidate.issuer.isEqual(issuer.subject)) continue;
    if (await signedBy(candidate.signatureAlgorithm, candidate.signatureValue.valueBlock.valueHexView, candidate.tbsView, issuer, keys))
      return candidate;
  }
  return undefined;
}

async function signedBy(
  algorithm: pkijs.AlgorithmIdentifier,
  signature: Uint8Array,
  tbs: Uint8Array,
  signer: pkijs.Certificate,
  keys: KeyCache,
): Promise<boolean> {
  try {
    const scheme = signatureScheme(algorithm, signer.subjectPublicKeyInfo);
    return await verifySignature(keys, signer.subjectPublicKeyInfo, scheme, new Uint8Array(tbs), new Uint8Array(signature));
  } catch (error) {
    if (error instanceof UnsupportedAlgorithmError) return false;
    throw error;
  }
}

async function certIdMatches(certId: pkijs.CertID, certificate: pkijs.Certificate, issuer: pkijs.Certificate): Promise<boolean> {
  if (!sameSerial(certId.serialNumber.valueBlock.valueHexView, certificate.serialNumber.valueBlock.valueHexView)) return false;
  const hash = HASHES[certId.hashAlgorithm.algorithmId];
  if (!hash) return false;
  const nameHash = new Uint8Array(await globalThis.crypto.subtle.digest(hash, new Uint8Array(issuer.subject.toSchema().toBER(false))));
  const keyHash = new Uint8Array(
    await globalThis.crypto.subtle.digest(hash, issuer.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView.slice()),
  );
  return (
    bytesEqual(nameHash, certId.issuerNameHash.valueBlock.valueHexView) && bytesEqual(keyHash, certId.issuerKeyHash.valueBlock.valueHexView)
  );
}

function sameSerial(a: Uint8Array, b: Uint8Array): boolean {
  const strip = (x: Uint8Array) => {
    let i = 0;
    while (i < x.length - 1 && x[i] === 0) i++;
    return x.subarray(i);
  };
  return bytesEqual(strip(a), strip(b));
}

function namesSources(certificate: pkijs.Certificate): boolean {
  return urlsOf(certificate, OID.authorityInfoAccess).length > 0 || urlsOf(certificate, OID.crlDistributionPoints).length > 0;
}

/** OCSP URLs (authority information access) or CRL distribution points of a certificate. */
export function urlsOf(certificate: pkijs.Certificate, extension: string): string[] {
  const value = certificate.extensions?.find((e) => e.extnID === extension)?.parsedValue;
  const urls: string[] = [];
  if (value instanceof pkijs.InfoAccess) {
    for (const access of value.accessDescriptions) {
      if (access.accessMethod === OID.accessOcsp && access.accessLocation.type === 6) urls.push(String(access.accessLocation.value));
    }
  }
  if (value instanceof pkijs.CRLDistributionPoints) {
    for (const point of value.distributionPoints) {
      const names = Array.isArray(point.distributionPoint) ? point.distributionPoint : [];
      for (const name of names) if (name instanceof pkijs.GeneralName && name.type === 6) urls.push(String(name.value));
    }
  }
  return urls.filter((url) => /^https?:\/\//i.test(url)).slice(0, 4);
}

function subjectOf(certificate: pkijs.Certificate): string {
  return certificate.subject.typesAndValues.map((tv) => String(tv.value.valueBlock.value)).join(', ');
}

export { certificateDer };
