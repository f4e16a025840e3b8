// CMS SignedData (RFC 5652) as used by PAdES signatures and RFC 3161 timestamp tokens: parsing,
// finding the signer certificate, and checking one SignerInfo over given content.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { digest, hashFromOid, KeyCache, signatureScheme, UnsupportedAlgorithmError, verifySignature, type HashName } from './algorithms.js';
import { bytesEqual } from './bytes.js';

export const OID = {
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  timestampToken: '1.2.840.113549.1.9.16.2.14',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  extendedKeyUsage: '2.5.29.37',
  authorityKeyId: '2.5.29.35',
  subjectKeyId: '2.5.29.14',
  timeStamping: '1.3.6.1.5.5.7.3.8',
} as const;

export class CmsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CmsFormatError';
  }
}

export interface SignedCms {
  /** The CMS bytes as encoded, without the zero padding of a /Contents placeholder. */
  der: Uint8Array;
  signedData: pkijs.SignedData;
  signerInfo: pkijs.SignerInfo;
  certificates: pkijs.Certificate[];
  signerCertificate?: pkijs.Certificate;
}

export function parseSignedCms(bytes: Uint8Array): SignedCms {
  // BER: signers such as NSS (poppler's pdfsig) use indefinite lengths. The /Contents placeholder
  // pads the CMS with zeros, so the structure ends where the first element ends.
  const asn1 = asn1js.fromBER(bytes);
  if (asn1.offset === -1 || !(asn1.result instanceof asn1js.Sequence)) {
    throw new CmsFormatError(`not a CMS structure${asn1.offset === -1 ? `: ${asn1.result.error}` : ''}`);
  }
  const der = bytes.subarray(0, asn1.offset);
  let signedData: pkijs.SignedData;
  try {
    const contentInfo = new pkijs.ContentInfo({ schema: asn1.result });
    if (contentInfo.contentType !== OID.signedData)
      throw new CmsFormatError(`CMS content type ${contentInfo.contentType} is not SignedData`);
    signedData = new pkijs.SignedData({ schema: contentInfo.content });
  } catch (error) {
    if (error instanceof CmsFormatError) throw error;
    throw new CmsFormatError(`unreadable CMS SignedData: ${error instanceof Error ? error.message : String(error)}`);
  }
  const signerInfo = signedData.signerInfos[0];
  if (!signerInfo) throw new CmsFormatError('CMS SignedData without a SignerInfo');
  const certificates = (signedData.certificates ?? []).filter((cert): cert is pkijs.Certificate => cert instanceof pkijs.Certificate);
  return { der, signedData, signerInfo, certificates, signerCertificate: findSignerCertificate(signerInfo, certificates) };
}

/** Length of the first BER element of `bytes` (the CMS without its zero padding), or undefined. */
export function berElementLength(bytes: Uint8Array): number | undefined {
  try {
    const asn1 = asn1js.fromBER(bytes);
    return asn1.offset === -1 ? undefined : asn1.offset;
  } catch {
    // asn1js throws (rather than reporting offset -1) on some malformed primitives, e.g. an odd-length BMPString.
    return undefined;
  }
}

function findSignerCertificate(signerInfo: pkijs.SignerInfo, certificates: pkijs.Certificate[]): pkijs.Certificate | undefined {
  const sid = signerInfo.sid;
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    return certificates.find(
      (cert) =>
        cert.issuer.isEqual(sid.issuer) && bytesEqual(cert.serialNumber.valueBlock.valueHexView, sid.serialNumber.valueBlock.valueHexView),
    );
  }
  if (sid instanceof asn1js.Primitive || sid instanceof asn1js.Constructed) {
    const keyId = sid instanceof asn1js.Primitive ? sid.valueBlock.valueHexView : new Uint8Array(0);
    return certificates.find((cert) => {
      const ski = cert.extensions?.find((ext) => ext.extnID === OID.subjectKeyId)?.parsedValue;
      return ski instanceof asn1js.OctetString && bytesEqual(ski.valueBlock.valueHexView, keyId);
    });
  }
  return undefined;
}

const derCache = new WeakMap<pkijs.Certificate, Uint8Array<ArrayBuffer>>();

/** The certificate's DER encoding (re-encoded by PKI.js once, then cached). */
export function certificateDer(cert: pkijs.Certificate): Uint8Array<ArrayBuffer> {
  let der = derCache.get(cert);
  if (!der) {
    der = new Uint8Array(cert.toSchema().toBER(false));
    derCache.set(cert, der);
  }
  return der;
}

export function attributeValue(attributes: pkijs.SignedAndUnsignedAttributes | undefined, oid: string): unknown {
  return attributes?.attributes.find((attribute) => attribute.type === oid)?.values[0];
}

export interface SignerCheck {
  digestAlgorithm: HashName;
  /** e.g. "RSASSA-PKCS1-v1_5 with SHA-256". */
  signatureAlgorithm: string;
  hasSignedAttributes: boolean;
  /** The message-digest attribute equals the digest of the content (or, without signed
   *  attributes, the signature over the content verifies). */
  contentDigestMatches: boolean;
  /** The signature verifies with the signer certificate's key. */
  signatureVerifies: boolean;
  /** Why the signature itself could not be checked (algorithm unknown or missing in this runtime). */
  unsupported?: string;
  /** ESS signing-certificate(-v2) names the signer certificate; null when the attribute is absent. */
  signingCertificateMatches: boolean | null;
  /** The signing-time signed attribute, if any. */
  signingTime?: Date;
}

/**
 * Checks the SignerInfo of `cms` over `content` (the signed bytes). Throws
 * UnsupportedAlgorithmError for algorithms it cannot check and CmsFormatError for broken data.
 */
export async function checkSigner(cms: SignedCms, content: Uint8Array<ArrayBuffer>, keys: KeyCache): Promise<SignerCheck> {
  const { signerInfo, signerCertificate } = cms;
  const digestAlgorithm = hashFromOid(signerInfo.digestAlgorithm.algorithmId);
  if (!signerCertificate) throw new CmsFormatError('the signer certificate is not included in the CMS');
  const publicKey = signerCertificate.subjectPublicKeyInfo;
  const signature = new Uint8Array(signerInfo.signature.valueBlock.valueHexView);
  const signedAttributes = signerInfo.signedAttrs;
  // The digest over the signed bytes is judged whatever the signature algorithm: "intact" must not
  // depend on whether this runtime can check an Ed448 signature.
  let scheme: ReturnType<typeof signatureScheme> | undefined;
  let unsupported: string | undefined;
  try {
    scheme = signatureScheme(signerInfo.signatureAlgorithm, publicKey, digestAlgorithm);
  } catch (error) {
    if (!(error instanceof UnsupportedAlgorithmError)) throw error;
    unsupported = error.message;
  }
  const verify = async (data: Uint8Array<ArrayBuffer>): Promise<boolean> => {
    if (!scheme) return false;
    try {
      return await verifySignature(keys, publicKey, scheme, data, signature);
    } catch (error) {
      if (!(error instanceof UnsupportedAlgorithmError)) throw error;
      unsupported = error.message;
      return false;
    }
  };
  const signatureAlgorithm = scheme?.description ?? signerInfo.signatureAlgorithm.algorithmId;

  if (!signedAttributes) {
    const signatureVerifies = await verify(content);
    return {
      digestAlgorithm,
      signatureAlgorithm,
      hasSignedAttributes: false,
      contentDigestMatches: signatureVerifies,
      signatureVerifies,
      unsupported,
      signingCertificateMatches: null,
    };
  }

  const messageDigest = attributeValue(signedAttributes, OID.messageDigest);
  if (!(messageDigest instanceof asn1js.OctetString)) throw new CmsFormatError('signed attributes without a message-digest');
  const contentDigest = await digest(digestAlgorithm, content);
  // encodedValue holds the attributes as received, retagged as SET OF (RFC 5652 §5.4).
  const signedBytes = new Uint8Array(signedAttributes.encodedValue.slice(0));
  const signingTime = attributeValue(signedAttributes, OID.signingTime);
  const signatureVerifies = await verify(signedBytes);
  return {
    digestAlgorithm,
    signatureAlgorithm,
    hasSignedAttributes: true,
    contentDigestMatches: bytesEqual(messageDigest.valueBlock.valueHexView, contentDigest),
    signatureVerifies,
    unsupported,
    signingCertificateMatches: await signingCertificateMatches(signedAttributes, signerCertificate),
    signingTime: signingTime instanceof asn1js.UTCTime || signingTime instanceof asn1js.GeneralizedTime ? signingTime.toDate() : undefined,
  };
}

/** Compares the first ESSCertID(v2) of the signing-certificate(-v2) attribute with the signer cert. */
async function signingCertificateMatches(attributes: pkijs.SignedAndUnsignedAttributes, cert: pkijs.Certificate): Promise<boolean | null> {
  const v2 = attributeValue(attributes, OID.signingCertificateV2);
  const v1 = attributeValue(attributes, OID.signingCertificate);
  const attribute = v2 ?? v1;
  if (attribute === undefined) return null;
  const certIds = attribute instanceof asn1js.Sequence ? attribute.valueBlock.value[0] : undefined;
  const firstId = certIds instanceof asn1js.Sequence ? certIds.valueBlock.value[0] : undefined;
  if (!(firstId instanceof asn1js.Sequence)) return false;
  const [first, second] = firstId.valueBlock.value;
  let hashOid: string = v2 !== undefined ? OID.sha256 : OID.sha1;
  let certHash: asn1js.AsnType | undefined = first;
  if (v2 !== undefined && first instanceof asn1js.Sequence) {
    hashOid = new pkijs.AlgorithmIdentifier({ schema: first }).algorithmId;
    certHash = second;
  }
  if (!(certHash instanceof asn1js.OctetString)) return false;
  const actual =
    hashOid === OID.sha1
      ? new Uint8Array(await globalThis.crypto.subtle.digest('SHA-1', certificateDer(cert)))
      : await digest(hashFromOid(hashOid), certificateDer(cert));
  return bytesEqual(certHash.valueBlock.valueHexView, actual);
}
