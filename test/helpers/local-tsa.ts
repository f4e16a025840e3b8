// A persistent RFC 3161 time-stamping authority in this process, on a real HTTP port: one key and
// certificate for its lifetime, no process per request (the OpenSSL TSA in tsa.ts spawns
// `openssl ts -reply` for every request, which dominates timings in benchmarks).
// RFC 3161 §2.4: TimeStampReq in, TimeStampResp out; the token is a SignedData over a TSTInfo with
// the ESS signing-certificate-v2 attribute (RFC 5816), the request's imprint and nonce, a unique
// serial, and the TSA certificate when certReq is set. Requests it cannot honour get status
// rejection with the PKIFailureInfo bit RFC 3161 names (badAlg, badRequest, badDataFormat, unacceptedPolicy).
import { createHash, webcrypto } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { x509 } from '../../src/pki/webcrypto.js';

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
  const certificate = pkijs.Certificate.fromBER(generated.rawData);
  const certificateHash = createHash('sha256').update(new Uint8Array(generated.rawData)).digest();
  let serial = 0;

  const reject = (failure: number, text: string) =>
    new pkijs.TimeStampResp({
      status: new pkijs.PKIStatusInfo({
        status: 2,
        statusStrings: [new asn1js.Utf8String({ value: text })],
        failInfo: new asn1js.BitString({ valueHex: bitString(failure), unusedBits: 7 - (failure % 8) }),
      }),
    });

  async function answer(body: Uint8Array): Promise<pkijs.TimeStampResp> {
    let request: pkijs.TimeStampReq;
    try {
      request = pkijs.TimeStampReq.fromBER(body);
    } catch {
      return reject(FAILURE.badDataFormat, 'not a TimeStampReq');
    }
    if (request.version !== 1) return reject(FAILURE.badRequest, 'version must be 1');
    const algorithm = request.messageImprint.hashAlgorithm.algorithmId;
    const length = DIGEST_LENGTH[algorithm];
    if (!length) return reject(FAILURE.badAlg, 'unsupported hash algorithm');
    if (request.messageImprint.hashedMessage.valueBlock.valueHexView.length !== length)
      return reject(FAILURE.badDataFormat, 'imprint length does not match its algorithm');
    if (request.reqPolicy && request.reqPolicy !== POLICY) return reject(FAILURE.unacceptedPolicy, 'unknown policy');
    if (request.extensions?.length) return reject(FAILURE.badRequest, 'no extensions are supported');

    const tstInfo = new pkijs.TSTInfo({
      version: 1,
      policy: POLICY,
      messageImprint: request.messageImprint,
      serialNumber: new asn1js.Integer({ value: ++serial }),
      genTime: new Date(Math.floor(Date.now() / 1000) * 1000),
      accuracy: new pkijs.Accuracy({ seconds: 1 }),
      ...(request.nonce ? { nonce: request.nonce } : {}),
    });
    const content = tstInfo.toSchema().toBER(false);
    const essCertIdV2 = new asn1js.Sequence({
      value: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: certificateHash })] })] })],
    });
    const signedData = new pkijs.SignedData({
      version: 3,
      encapContentInfo: new pkijs.EncapsulatedContentInfo({
        eContentType: OID.tstInfo,
        eContent: new asn1js.OctetString({ valueHex: content }),
      }),
      signerInfos: [
        new pkijs.SignerInfo({
          version: 1,
          sid: new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber }),
          signedAttrs: new pkijs.SignedAndUnsignedAttributes({
            type: 0,
            attributes: [
              new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.tstInfo })] }),
              new pkijs.Attribute({
                type: OID.messageDigest,
                values: [new asn1js.OctetString({ valueHex: createHash('sha256').update(new Uint8Array(content)).digest() })],
              }),
              new pkijs.Attribute({ type: OID.signingCertificateV2, values: [essCertIdV2] }),
            ],
          }),
        }),
      ],
      ...(request.certReq ? { certificates: [certificate] } : {}),
    });
    await signedData.sign(keys.privateKey, 0, 'SHA-256');
    return new pkijs.TimeStampResp({
      status: new pkijs.PKIStatusInfo({ status: 0 }),
      timeStampToken: new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) }),
    });
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
        (response) =>
          res.writeHead(200, { 'Content-Type': 'application/timestamp-reply' }).end(Buffer.from(response.toSchema().toBER(false))),
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

/** A BIT STRING's bytes with bit `n` (0 = most significant of the first byte) set, as PKIFailureInfo is numbered. */
function bitString(n: number): ArrayBuffer {
  const bytes = new Uint8Array(Math.floor(n / 8) + 1);
  bytes[Math.floor(n / 8)] = 0x80 >> (n % 8);
  return bytes.buffer;
}
