// Maps CMS / X.509 algorithm identifiers to WebCrypto and verifies signatures with
// globalThis.crypto.subtle (Node 20 and browsers alike). SHA-1 is refused on purpose.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

export type HashName = 'SHA-256' | 'SHA-384' | 'SHA-512' | 'SHAKE256';

const HASH_BY_OID: Record<string, HashName> = {
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
  '2.16.840.1.101.3.4.2.12': 'SHAKE256',
};

/**
 * Digests WebCrypto lacks (SHAKE256, the digest of Ed448 signatures per RFC 8419), supplied by the
 * runtime where it has them (see node.ts); absent in browsers, where such signatures are reported
 * as unsupported by this runtime.
 */
const extraDigests = new Map<string, (data: Uint8Array) => Uint8Array>();

export function registerDigest(name: 'SHAKE256', compute: (data: Uint8Array) => Uint8Array): void {
  extraDigests.set(name, compute);
}

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const ED25519 = '1.3.101.112';
const ED448 = '1.3.101.113';
const RSASSA_PSS = '1.2.840.113549.1.1.10';
const EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const RSA_PKCS1_BY_OID: Record<string, HashName> = {
  '1.2.840.113549.1.1.11': 'SHA-256',
  '1.2.840.113549.1.1.12': 'SHA-384',
  '1.2.840.113549.1.1.13': 'SHA-512',
};
const ECDSA_BY_OID: Record<string, HashName> = {
  '1.2.840.10045.4.3.2': 'SHA-256',
  '1.2.840.10045.4.3.3': 'SHA-384',
  '1.2.840.10045.4.3.4': 'SHA-512',
};
const CURVES: Record<string, { name: string; size: number }> = {
  '1.2.840.10045.3.1.7': { name: 'P-256', size: 32 },
  '1.3.132.0.34': { name: 'P-384', size: 48 },
  '1.3.132.0.35': { name: 'P-521', size: 66 },
};

export class UnsupportedAlgorithmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedAlgorithmError';
  }
}

export function hashFromOid(oid: string): HashName {
  const hash = HASH_BY_OID[oid];
  if (!hash) throw new UnsupportedAlgorithmError(`unsupported digest algorithm ${oid}`);
  return hash;
}

export async function digest(hash: HashName, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  if (hash === 'SHAKE256') {
    const compute = extraDigests.get(hash);
    if (!compute) throw new UnsupportedAlgorithmError('SHAKE256 (the digest of Ed448 signatures) is not available in this runtime');
    return compute(data);
  }
  return new Uint8Array(await globalThis.crypto.subtle.digest(hash, data));
}

interface Scheme {
  /** Human-readable name, e.g. "ECDSA P-256 with SHA-256". */
  description: string;
  importParams: RsaHashedImportParams | EcKeyImportParams | Algorithm;
  verifyParams: AlgorithmIdentifier | RsaPssParams | EcdsaParams;
  /** Byte length of r and s for ECDSA (WebCrypto wants raw r||s, CMS carries DER). */
  ecdsaFieldSize?: number;
}

/**
 * How to verify a signature made with `signatureAlgorithm` by the key in `publicKey`. `digestHash`
 * is the CMS digest algorithm, used when the signature algorithm names only the key type.
 */
export function signatureScheme(
  signatureAlgorithm: pkijs.AlgorithmIdentifier,
  publicKey: pkijs.PublicKeyInfo,
  digestHash?: HashName,
): Scheme {
  const oid = signatureAlgorithm.algorithmId;
  const keyOid = publicKey.algorithm.algorithmId;
  if (oid === RSA_ENCRYPTION || RSA_PKCS1_BY_OID[oid]) {
    const hash = RSA_PKCS1_BY_OID[oid] ?? digestHash;
    if (!hash) throw new UnsupportedAlgorithmError(`no digest algorithm for ${oid}`);
    if (keyOid !== RSA_ENCRYPTION) throw new UnsupportedAlgorithmError('RSA signature with a non-RSA key');
    return {
      description: `RSASSA-PKCS1-v1_5 with ${hash}`,
      importParams: { name: 'RSASSA-PKCS1-v1_5', hash },
      verifyParams: { name: 'RSASSA-PKCS1-v1_5' },
    };
  }
  if (oid === RSASSA_PSS) {
    const params = new pkijs.RSASSAPSSParams({ schema: signatureAlgorithm.algorithmParams });
    const hash = hashFromOid(params.hashAlgorithm.algorithmId);
    const mgfHash = params.maskGenAlgorithm.algorithmParams
      ? hashFromOid(new pkijs.AlgorithmIdentifier({ schema: params.maskGenAlgorithm.algorithmParams }).algorithmId)
      : undefined;
    if (mgfHash !== hash) throw new UnsupportedAlgorithmError('RSA-PSS with an MGF1 hash different from the message hash');
    return {
      description: `RSA-PSS with ${hash}`,
      importParams: { name: 'RSA-PSS', hash },
      verifyParams: { name: 'RSA-PSS', saltLength: params.saltLength },
    };
  }
  if (oid === ED25519 || oid === ED448) {
    const name = oid === ED25519 ? 'Ed25519' : 'Ed448';
    if (keyOid !== oid) throw new UnsupportedAlgorithmError(`${name} signature with a different key type`);
    return { description: name, importParams: { name }, verifyParams: { name } };
  }
  if (ECDSA_BY_OID[oid] || oid === EC_PUBLIC_KEY) {
    const hash = ECDSA_BY_OID[oid] ?? digestHash;
    if (!hash) throw new UnsupportedAlgorithmError(`no digest algorithm for ${oid}`);
    if (keyOid !== EC_PUBLIC_KEY) throw new UnsupportedAlgorithmError('ECDSA signature with a non-EC key');
    const curveOid =
      publicKey.algorithm.algorithmParams instanceof asn1js.ObjectIdentifier
        ? publicKey.algorithm.algorithmParams.valueBlock.toString()
        : '';
    const curve = CURVES[curveOid];
    if (!curve) throw new UnsupportedAlgorithmError(`unsupported elliptic curve ${curveOid || '(none)'}`);
    return {
      description: `ECDSA ${curve.name} with ${hash}`,
      importParams: { name: 'ECDSA', namedCurve: curve.name },
      verifyParams: { name: 'ECDSA', hash },
      ecdsaFieldSize: curve.size,
    };
  }
  throw new UnsupportedAlgorithmError(`unsupported signature algorithm ${oid}`);
}

/** Imported public keys, keyed by algorithm and key bytes: chains share issuers. */
export class KeyCache {
  private readonly keys = new Map<string, Promise<CryptoKey>>();

  import(publicKey: pkijs.PublicKeyInfo, params: RsaHashedImportParams | EcKeyImportParams | Algorithm): Promise<CryptoKey> {
    const spki = new Uint8Array(publicKey.toSchema().toBER(false));
    const key = `${JSON.stringify(params)}:${String.fromCharCode(...spki)}`;
    let cryptoKey = this.keys.get(key);
    if (!cryptoKey) {
      cryptoKey = globalThis.crypto.subtle.importKey('spki', spki, params, false, ['verify']);
      this.keys.set(key, cryptoKey);
    }
    return cryptoKey;
  }
}

export async function verifySignature(
  keys: KeyCache,
  publicKey: pkijs.PublicKeyInfo,
  scheme: Scheme,
  data: Uint8Array<ArrayBuffer>,
  signature: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  const rawSignature = scheme.ecdsaFieldSize ? ecdsaDerToRaw(signature, scheme.ecdsaFieldSize) : signature;
  if (!rawSignature) return false;
  try {
    const key = await keys.import(publicKey, scheme.importParams);
    return await globalThis.crypto.subtle.verify(scheme.verifyParams, key, rawSignature, data);
  } catch (error) {
    // WebCrypto rejects malformed keys and signatures with DOMExceptions (DataError, ...): such a
    // signature simply does not verify. An algorithm the runtime lacks (Ed448 in browsers) is
    // said as such. Anything else is a bug and must surface.
    if (error instanceof DOMException && error.name === 'NotSupportedError') {
      throw new UnsupportedAlgorithmError(`${scheme.description} is not supported by this runtime`);
    }
    if (error instanceof DOMException) return false;
    throw error;
  }
}

/** DER `SEQUENCE { r INTEGER, s INTEGER }` → fixed-size r||s. Null when malformed. */
export function ecdsaDerToRaw(der: Uint8Array, fieldSize: number): Uint8Array<ArrayBuffer> | null {
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(der);
  } catch {
    return null; // asn1js throws on some malformed primitives instead of reporting offset -1
  }
  if (parsed.offset === -1 || parsed.offset !== der.length || !(parsed.result instanceof asn1js.Sequence)) return null;
  const integers = parsed.result.valueBlock.value;
  if (integers.length !== 2 || !integers.every((value) => value instanceof asn1js.Integer)) return null;
  const raw = new Uint8Array(fieldSize * 2);
  for (let i = 0; i < 2; i++) {
    let bytes = integers[i].valueBlock.valueHexView;
    while (bytes.length > 0 && bytes[0] === 0) bytes = bytes.subarray(1);
    if (bytes.length > fieldSize) return null;
    raw.set(bytes, fieldSize * (i + 1) - bytes.length);
  }
  return raw;
}
