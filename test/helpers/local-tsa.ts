// A persistent RFC 3161 time-stamping authority in this process, on a real HTTP port: one key and
// certificate for its lifetime, no process per request (the OpenSSL TSA in tsa.ts spawns
// `openssl ts -reply` for every request, which dominates timings in benchmarks).
// RFC 3161 §2.4: TimeStampReq in, TimeStampResp out; the token is a SignedData over a TSTInfo with
// the ESS signing-certificate-v2 attribute (RFC 5816), the request's imprint and nonce, a unique
// serial, and the TSA certificate when certReq is set. Requests it cannot honour get status
// rejection with the PKIFailureInfo bit RFC 3161 names (badAlg, badRequest, badDataFormat, unacceptedPolicy).
import { createHash, sign, webcrypto } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { toPem, x509 } from '../../src/pki/webcrypto.js';
import { prepareSigner } from '../../src/pdf/pades/cms.js';
import { children, type Element, oid, readElement, slice, TAG, tlv } from '../../src/pdf/pades/der.js';

const OID = {
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha256: '2.16.840.1.101.3.4.2.1',
  timeStamping: '1.3.6.1.5.5.7.3.8',
};
const DIGEST_LENGTH: Record<string, number> = {
  '1.3.14.3.2.26': 20,
  [OID.sha256]: 32,
  '2.16.840.1.101.3.4.2.2': 48,
  '2.16.840.1.101.3.4.2.3': 64,
};
const POLICY = '1.2.3.4.1';
const FAILURE = { badAlg: 0, badRequest: 2, badDataFormat: 5, unacceptedPolicy: 15 } as const;

export interface LocalTsa {
  url: string;
  certificatePem: string;
  requests: number;
  close(): Promise<void>;
}

export async function startLocalTsa(options: { validDays?: number } = {}): Promise<LocalTsa> {
  const crypto = webcrypto as unknown as Crypto;
  pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto }));
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const now = Date.now();
  const generated = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Local Bench TSA',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + (options.validDays ?? 30) * 86_400_000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    keys,
    extensions: [
      new x509.ExtendedKeyUsageExtension([OID.timeStamping], true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  const signer = prepareSigner({
    privateKeyPem: toPem(await crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY'),
    certificatePem: generated.toString('pem'),
    chainPem: [],
  });
  let serial = 0;

  const reject = (failure: number, text: string) =>
    new Uint8Array(
      new pkijs.TimeStampResp({
        status: new pkijs.PKIStatusInfo({
          status: 2,
          statusStrings: [new asn1js.Utf8String({ value: text })],
          failInfo: new asn1js.BitString({ valueHex: bitString(failure), unusedBits: 7 - (failure % 8) }),
        }),
      })
        .toSchema()
        .toBER(false),
    );

  async function answer(body: Uint8Array): Promise<Uint8Array> {
    // TimeStampReq { version, messageImprint { hashAlgorithm, hashedMessage }, reqPolicy?, nonce?, certReq?, extensions [0]? },
    // walked as DER (the token below is assembled as DER too: pkijs took longer than the signing).
    let fields: Element[];
    let imprint: Element[];
    let algorithm: Uint8Array;
    try {
      fields = children(body, readElement(body, 0));
      imprint = children(body, fields[1]);
      algorithm = slice(body, children(body, imprint[0])[0]);
      if (fields[0].tag !== TAG.integer || imprint[1].tag !== TAG.octetString) throw new Error('not a TimeStampReq');
    } catch {
      return reject(FAILURE.badDataFormat, 'not a TimeStampReq');
    }
    if (fields[0].end - fields[0].contentStart !== 1 || body[fields[0].contentStart] !== 1)
      return reject(FAILURE.badRequest, 'version must be 1');
    const length = Object.entries(DIGEST_LENGTH).find(([dotted]) => Buffer.from(oid(dotted)).equals(algorithm))?.[1];
    if (!length) return reject(FAILURE.badAlg, 'unsupported hash algorithm');
    if (imprint[1].end - imprint[1].contentStart !== length)
      return reject(FAILURE.badDataFormat, 'imprint length does not match its algorithm');
    const optional = fields.slice(2);
    const policy = optional.find((field) => field.tag === TAG.oid);
    if (policy && !Buffer.from(oid(POLICY)).equals(slice(body, policy))) return reject(FAILURE.unacceptedPolicy, 'unknown policy');
    if (optional.some((field) => field.tag === TAG.context(0))) return reject(FAILURE.badRequest, 'no extensions are supported');
    const nonce = optional.find((field) => field.tag === TAG.integer);
    const certReqField = optional.find((field) => field.tag === 0x01);
    const certReq = certReqField !== undefined && body[certReqField.contentStart] !== 0;

    const content = tlv(
      TAG.sequence,
      Uint8Array.of(TAG.integer, 1, 1),
      oid(POLICY),
      slice(body, fields[1]),
      tlv(TAG.integer, integerBytes(++serial)),
      tlv(0x18, new TextEncoder().encode(generalizedTime(new Date()))),
      tlv(TAG.sequence, Uint8Array.of(TAG.integer, 1, 1)),
      ...(nonce ? [slice(body, nonce)] : []),
    );
    const attributes = [
      tlv(TAG.sequence, oid(OID.contentType), tlv(TAG.set, oid(OID.tstInfo))),
      tlv(TAG.sequence, oid(OID.messageDigest), tlv(TAG.set, tlv(TAG.octetString, createHash('sha256').update(content).digest()))),
      signer.signingCertificateAttribute,
    ];
    const signature = sign('sha256', tlv(TAG.set, ...attributes), signer.key);
    const sha256 = tlv(TAG.sequence, oid(OID.sha256));
    const signerInfo = tlv(
      TAG.sequence,
      Uint8Array.of(TAG.integer, 1, 1),
      signer.sid,
      sha256,
      tlv(TAG.context(0), ...attributes),
      signer.signatureAlgorithm,
      tlv(TAG.octetString, signature),
    );
    const signedData = tlv(
      TAG.sequence,
      Uint8Array.of(TAG.integer, 1, 3),
      tlv(TAG.set, sha256),
      tlv(TAG.sequence, oid(OID.tstInfo), tlv(TAG.context(0), tlv(TAG.octetString, content))),
      ...(certReq ? [signer.certificates] : []),
      tlv(TAG.set, signerInfo),
    );
    const token = tlv(TAG.sequence, oid(OID.signedData), tlv(TAG.context(0), signedData));
    return tlv(TAG.sequence, tlv(TAG.sequence, Uint8Array.of(TAG.integer, 1, 0)), token);
  }

  const state = { requests: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      state.requests++;
      // RFC 3161 §3.4: the query goes as application/timestamp-query in a POST.
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
        res.writeHead(415).end();
        return;
      }
      answer(new Uint8Array(Buffer.concat(chunks))).then(
        (response) => res.writeHead(200, { 'Content-Type': 'application/timestamp-reply' }).end(Buffer.from(response)),
        (error) => res.writeHead(500).end(String(error)),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`,
    certificatePem: generated.toString('pem'),
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Minimal two's-complement bytes of a positive integer. */
function integerBytes(value: number): Uint8Array {
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  if (bytes.length === 0 || bytes[0] & 0x80) bytes.unshift(0);
  return Uint8Array.from(bytes);
}

/** GeneralizedTime to the second, UTC (YYYYMMDDHHMMSSZ), as RFC 3161 genTime. */
function generalizedTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/[-T:]/g, '')}Z`;
}

/** A BIT STRING's bytes with bit `n` (0 = most significant of the first byte) set, as PKIFailureInfo is numbered. */
function bitString(n: number): ArrayBuffer {
  const bytes = new Uint8Array(Math.floor(n / 8) + 1);
  bytes[Math.floor(n / 8)] = 0x80 >> (n % 8);
  return bytes.buffer;
}
