import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { fromPem } from '../../pki/webcrypto.js';
import { children, oid, readElement, slice, TAG, tlv } from './der.js';

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
};

const NULL = Uint8Array.of(TAG.null, 0);
const CONTENT_TYPE_DATA = tlv(TAG.sequence, oid(OID.contentType), tlv(TAG.set, oid(OID.data)));
const MESSAGE_DIGEST = oid(OID.messageDigest);
const DATA = tlv(TAG.sequence, oid(OID.data));
const SIGNED_DATA = oid(OID.signedData);
const SHA256_ALGORITHM = tlv(TAG.sequence, oid(OID.sha256), NULL);
const INTEGER_ONE = Uint8Array.of(TAG.integer, 1, 1);

export interface SignerMaterial {
  privateKeyPem: string;
  certificatePem: string;
  /** Issuer chain, nearest first. */
  chainPem: string[];
}

/**
 * Everything about a signer that does not depend on the document, worked out once: the key, the
 * certificates as DER, and the CMS pieces that name the certificate (sid, signing-certificate-v2,
 * the certificate set). Parsing certificates and importing the key cost more than the signature.
 */
export interface PreparedSigner {
  readonly certificateDer: Uint8Array;
  readonly chainDer: Uint8Array[];
  /** `SHA256withECDSA` or `SHA256withRSA`. */
  readonly algorithm: string;
  readonly key: KeyObject;
  /** IssuerAndSerialNumber of the signer certificate. */
  readonly sid: Uint8Array;
  /** The signing-certificate-v2 attribute (RFC 5035). */
  readonly signingCertificateAttribute: Uint8Array;
  /** `certificates [0] IMPLICIT SET OF Certificate`: the signer's first, then its chain. */
  readonly certificates: Uint8Array;
  readonly signatureAlgorithm: Uint8Array;
}

const CACHE_LIMIT = 256;
const prepared = new Map<string, PreparedSigner>();

/** The prepared form of a seal's signing material; cached by the material's hash (a rekeyed seal is new material). */
export function prepareSigner(material: SignerMaterial): PreparedSigner {
  const id = createHash('sha256')
    .update(material.privateKeyPem)
    .update('\0')
    .update(material.certificatePem)
    .update('\0')
    .update(material.chainPem.join('\0'))
    .digest('hex');
  const hit = prepared.get(id);
  if (hit) {
    prepared.delete(id);
    prepared.set(id, hit);
    return hit;
  }
  const signer = buildSigner(material);
  prepared.set(id, signer);
  if (prepared.size > CACHE_LIMIT) prepared.delete(prepared.keys().next().value!);
  return signer;
}

function buildSigner(material: SignerMaterial): PreparedSigner {
  const certificateDer = fromPem(material.certificatePem, 'CERTIFICATE');
  const chainDer = material.chainPem.map((pem) => fromPem(pem, 'CERTIFICATE'));
  const key = createPrivateKey(material.privateKeyPem);
  const spki = (object: KeyObject) => object.export({ type: 'spki', format: 'der' });
  if (!spki(createPublicKey(key)).equals(spki(createPublicKey(material.certificatePem)))) {
    throw new Error('The signing key does not belong to the seal certificate.');
  }
  const ecdsa = key.asymmetricKeyType === 'ec';
  if (!ecdsa && key.asymmetricKeyType !== 'rsa') throw new Error(`Unsupported signing key type ${key.asymmetricKeyType}.`);

  // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version, serialNumber, signature, issuer, ... }, ... }
  const certificate = readElement(certificateDer, 0);
  const tbs = children(certificateDer, certificate)[0];
  const fields = children(certificateDer, tbs);
  const offset = fields[0].tag === TAG.context(0) ? 1 : 0;
  const serial = slice(certificateDer, fields[offset]);
  const issuer = slice(certificateDer, fields[offset + 2]);

  const certificateHash = createHash('sha256').update(certificateDer).digest();
  // ESSCertIDv2 { certHash, issuerSerial { GeneralNames { [4] directoryName }, serial } }; hashAlgorithm
  // is omitted because its DEFAULT is SHA-256 and DER forbids encoding a default.
  const issuerSerial = tlv(TAG.sequence, tlv(TAG.sequence, tlv(TAG.context(4), issuer)), serial);
  const essCertIdV2 = tlv(TAG.sequence, tlv(TAG.octetString, certificateHash), issuerSerial);
  const signingCertificateAttribute = tlv(
    TAG.sequence,
    oid(OID.signingCertificateV2),
    tlv(TAG.set, tlv(TAG.sequence, tlv(TAG.sequence, essCertIdV2))),
  );
  return {
    certificateDer,
    chainDer,
    algorithm: ecdsa ? 'SHA256withECDSA' : 'SHA256withRSA',
    key,
    sid: tlv(TAG.sequence, issuer, serial),
    signingCertificateAttribute,
    certificates: tlv(TAG.context(0), certificateDer, ...chainDer),
    signatureAlgorithm: tlv(TAG.sequence, oid(ecdsa ? OID.ecdsaWithSha256 : OID.sha256WithRsa)),
  };
}

export interface SignedAttributes {
  /** The attributes as the SignerInfo carries them (`[0] IMPLICIT`). */
  attributes: Uint8Array;
  /** The signature value over their DER `SET OF` encoding. */
  signature: Uint8Array;
}

/**
 * The signed attributes of a detached CAdES signature (PAdES-B-B) over `digest` (SHA-256 of the PDF's
 * ByteRange) and their signature: content-type, message-digest and signing-certificate-v2, and no
 * signing-time (PAdES puts the claimed time in the signature dictionary's /M instead). An ECDSA P-256
 * signature takes ~0.06 ms, less than a hand-off to libuv's thread pool and back, so it is made here;
 * RSA (0.4 ms at 2048 bits, several at 4096) runs on the thread pool, off the event loop.
 */
export async function signAttributes(digest: Uint8Array, signer: PreparedSigner): Promise<SignedAttributes> {
  // Already in DER order (SET OF sorts by encoding): the three differ first in their length byte.
  const contents = [
    CONTENT_TYPE_DATA,
    tlv(TAG.sequence, MESSAGE_DIGEST, tlv(TAG.set, tlv(TAG.octetString, digest))),
    signer.signingCertificateAttribute,
  ];
  const signed = tlv(TAG.set, ...contents);
  const signature =
    signer.key.asymmetricKeyType === 'ec'
      ? sign('sha256', signed, signer.key)
      : await new Promise<Buffer>((resolve, reject) =>
          sign('sha256', signed, signer.key, (error, value) => (error ? reject(error) : resolve(value))),
        );
  return { attributes: tlv(TAG.context(0), ...contents), signature: new Uint8Array(signature) };
}

/**
 * The CMS ContentInfo (DER) with one SignerInfo; `timestampToken` (an RFC 3161 token over the
 * signature value) becomes its signature-time-stamp unsigned attribute (PAdES-B-T).
 */
export function assembleCms(signer: PreparedSigner, signed: SignedAttributes, timestampToken?: Uint8Array): Uint8Array {
  if (timestampToken) readElement(timestampToken, 0); // a truncated token fails here, not in a verifier
  const unsigned = timestampToken
    ? [tlv(TAG.context(1), tlv(TAG.sequence, oid(OID.signatureTimeStampToken), tlv(TAG.set, timestampToken)))]
    : [];
  const signerInfo = tlv(
    TAG.sequence,
    INTEGER_ONE,
    signer.sid,
    SHA256_ALGORITHM,
    signed.attributes,
    signer.signatureAlgorithm,
    tlv(TAG.octetString, signed.signature),
    ...unsigned,
  );
  const signedData = tlv(TAG.sequence, INTEGER_ONE, tlv(TAG.set, SHA256_ALGORITHM), DATA, signer.certificates, tlv(TAG.set, signerInfo));
  return tlv(TAG.sequence, SIGNED_DATA, tlv(TAG.context(0), signedData));
}

export const CMS_OIDS = OID;
