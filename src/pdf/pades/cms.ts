import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { arrayBuffer } from './bytes.js';

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  sha256: '2.16.840.1.101.3.4.2.1',
};

export interface CmsSigner {
  /** The signer's certificate, DER. */
  certificate: Uint8Array;
  /** Issuer chain (DER), nearest first; embedded so verifiers can build the path. */
  chain: Uint8Array[];
  /** A WebCrypto private key (RSASSA-PKCS1-v1_5 or ECDSA) matching the certificate. */
  key: CryptoKey;
}

export interface CmsResult {
  der: Uint8Array;
  /** `SHA256withRSA` or `SHA256withECDSA`. */
  algorithm: string;
}

const subtle = globalThis.crypto.subtle;

function parseCertificate(der: Uint8Array): pkijs.Certificate {
  return pkijs.Certificate.fromBER(arrayBuffer(der));
}

/**
 * ESS signing-certificate-v2 (RFC 5035): SHA-256 of the signer certificate plus its issuer and serial,
 * so the signed attributes bind the exact certificate (PAdES requires it).
 */
async function signingCertificateV2(certificate: pkijs.Certificate, der: Uint8Array): Promise<asn1js.Sequence> {
  const hash = new Uint8Array(await subtle.digest('SHA-256', arrayBuffer(der)));
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [certificate.issuer.toSchema()] })],
      }),
      certificate.serialNumber,
    ],
  });
  // hashAlgorithm is omitted: its DEFAULT is SHA-256 and DER forbids encoding a default.
  const essCertIdV2 = new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: arrayBuffer(hash) }), issuerSerial] });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
}

/**
 * A detached CAdES signature (PAdES-B-B) over `digest` (SHA-256 of the PDF's ByteRange): signed
 * attributes content-type, message-digest and signing-certificate-v2, and no signing-time (PAdES
 * puts the claimed time in the signature dictionary's /M instead).
 */
export async function createCms(digest: Uint8Array, signer: CmsSigner): Promise<{ signedData: pkijs.SignedData; algorithm: string }> {
  const certificate = parseCertificate(signer.certificate);
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({
    type: 0,
    attributes: [
      new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }),
      new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: arrayBuffer(digest) })] }),
      new pkijs.Attribute({ type: OID.signingCertificateV2, values: [await signingCertificateV2(certificate, signer.certificate)] }),
    ],
  });
  const signedData = new pkijs.SignedData({
    version: 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber }),
        signedAttrs,
      }),
    ],
    certificates: [certificate, ...signer.chain.map(parseCertificate)],
  });
  await signedData.sign(signer.key, 0, 'SHA-256');
  const algorithm = signer.key.algorithm.name === 'ECDSA' ? 'SHA256withECDSA' : 'SHA256withRSA';
  return { signedData, algorithm };
}

/** The signature value of the (only) signer, which an RFC 3161 signature timestamp covers. */
export function signatureValue(signedData: pkijs.SignedData): Uint8Array {
  return new Uint8Array(signedData.signerInfos[0].signature.valueBlock.valueHexView);
}

/** Adds an RFC 3161 timestamp token (a ContentInfo, DER) as the signer's unsigned attribute (PAdES-B-T). */
export function addSignatureTimestamp(signedData: pkijs.SignedData, token: Uint8Array): void {
  const parsed = asn1js.fromBER(arrayBuffer(token));
  if (parsed.offset === -1) throw new Error('The timestamp token is not valid DER.');
  signedData.signerInfos[0].unsignedAttrs = new pkijs.SignedAndUnsignedAttributes({
    type: 1,
    attributes: [new pkijs.Attribute({ type: OID.signatureTimeStampToken, values: [parsed.result] })],
  });
}

export function encodeCms(signedData: pkijs.SignedData): Uint8Array {
  const contentInfo = new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) });
  return new Uint8Array(contentInfo.toSchema().toBER(false));
}

export const CMS_OIDS = OID;
