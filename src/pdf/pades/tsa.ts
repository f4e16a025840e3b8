import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { DomainError } from '../../errors.js';
import { children, oid, readElement, slice, TAG, tlv, type Element } from './der.js';

export interface TsaOptions {
  url: string;
  /** Milliseconds to wait for the TSA (default 10 s). */
  timeoutMs?: number;
  /** Optional HTTP Basic credentials some TSAs require. */
  username?: string;
  password?: string;
}

/** The TSA did not give a usable timestamp; stamping must fail rather than silently drop to B-B. */
export class TsaError extends DomainError<'TSA_FAILED'> {
  constructor(message: string) {
    super('TSA_FAILED', message);
  }
}

const SHA256 = oid('2.16.840.1.101.3.4.2.1');
const TRUE = Uint8Array.of(0x01, 0x01, 0xff);
/** A timestamp reply is a few KB (token + TSA certificate chain); anything far larger is refused unread. */
const MAX_REPLY_BYTES = 256 * 1024;

/**
 * Asks an RFC 3161 time-stamping authority for a token over `signature` (the CMS signature value),
 * and checks the answer: status granted, same message imprint, same nonce. Returns the token
 * (a ContentInfo, DER, exactly as the TSA sent it) for the `signature-time-stamp` unsigned attribute.
 */
export async function requestTimestamp(signature: Uint8Array, options: TsaOptions): Promise<Uint8Array> {
  const imprint = new Uint8Array(createHash('sha256').update(signature).digest());
  const nonce = new Uint8Array(randomBytes(8));
  nonce[0] = (nonce[0] & 0x7f) | 0x01; // positive, minimal DER INTEGER
  // TimeStampReq { version 1, messageImprint { hashAlgorithm, hashedMessage }, nonce, certReq TRUE }
  const request = tlv(
    TAG.sequence,
    Uint8Array.of(TAG.integer, 1, 1),
    tlv(TAG.sequence, tlv(TAG.sequence, SHA256), tlv(TAG.octetString, imprint)),
    tlv(TAG.integer, nonce),
    TRUE,
  );
  const reply = readReply(await post(request, options));
  if ((reply.status !== 0 && reply.status !== 1) || !reply.token) {
    throw new TsaError(`The time-stamping authority refused the request (status ${reply.status}${reply.text ? `: ${reply.text}` : ''}).`);
  }
  if (!sameBytes(reply.imprintAlgorithm, SHA256) || !sameBytes(reply.imprint, imprint)) {
    throw new TsaError('The timestamp does not cover this signature (message imprint differs).');
  }
  if (!reply.nonce || !sameBytes(reply.nonce, nonce)) {
    throw new TsaError('The timestamp reply does not carry our nonce.');
  }
  return reply.token;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** One POST over node:http(s): no redirects, a deadline, and a bounded reply. */
function post(body: Uint8Array, options: TsaOptions): Promise<Uint8Array> {
  const url = new URL(options.url);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/timestamp-query',
    Accept: 'application/timestamp-reply',
    'Content-Length': body.length,
  };
  if (options.username) headers.Authorization = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise<Uint8Array>((resolve, reject) => {
    const unreachable = (error: Error) => reject(new TsaError(`The time-stamping authority could not be reached: ${error.message}.`));
    const request = (url.protocol === 'https:' ? https : http).request(url, { method: 'POST', headers }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new TsaError(`The time-stamping authority answered HTTP ${response.statusCode}.`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_REPLY_BYTES) {
          request.destroy();
          reject(new TsaError(`The time-stamping authority's reply exceeds ${MAX_REPLY_BYTES} bytes.`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
      response.on('error', unreachable);
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', unreachable);
    request.end(body);
  });
}

interface Reply {
  status: number;
  text?: string;
  /** The token exactly as the TSA sent it (a ContentInfo, DER). */
  token?: Uint8Array;
  /** The DER of the imprint's hash algorithm OID. */
  imprintAlgorithm?: Uint8Array;
  imprint?: Uint8Array;
  nonce?: Uint8Array;
}

const notAReply = () => new TsaError('The time-stamping authority answered something that is not a timestamp reply.');

/**
 * TimeStampResp → status, the token's own bytes and the TSTInfo fields we check, walked as DER
 * (parsing the token with pkijs cost more than the rest of a seal, and re-encoding it would change it).
 */
function readReply(body: Uint8Array): Reply {
  let status: number;
  let text: string | undefined;
  let outer: Element[];
  try {
    outer = children(body, readElement(body, 0));
    // PKIStatusInfo { status INTEGER, statusString SEQUENCE OF UTF8String OPTIONAL, failInfo OPTIONAL }
    const statusInfo = children(body, outer[0]);
    status = integerValue(body, statusInfo[0]);
    if (statusInfo[1]?.tag === TAG.sequence) {
      text = children(body, statusInfo[1])
        .map((entry) => Buffer.from(body.subarray(entry.contentStart, entry.end)).toString('utf8'))
        .join('; ');
    }
  } catch {
    throw notAReply();
  }
  if (!outer[1]) return { status, text };
  try {
    const token = slice(body, outer[1]);
    // ContentInfo { contentType, [0] SignedData { version, digestAlgorithms, encapContentInfo { eContentType, [0] eContent } } }
    const signedData = children(token, children(token, children(token, readElement(token, 0))[1])[0]);
    const encapsulated = children(token, signedData[2]);
    const tstInfo = octetStringContents(token, children(token, encapsulated[1])[0]);
    // TSTInfo { version, policy, messageImprint, serialNumber, genTime, accuracy?, ordering?, nonce?, tsa [0]?, extensions [1]? }
    const fields = children(tstInfo, readElement(tstInfo, 0));
    const messageImprint = children(tstInfo, fields[2]);
    const algorithm = children(tstInfo, messageImprint[0])[0];
    const nonce = fields.slice(5).find((field) => field.tag === TAG.integer);
    return {
      status,
      text,
      token: new Uint8Array(token),
      imprintAlgorithm: slice(tstInfo, algorithm),
      imprint: tstInfo.subarray(messageImprint[1].contentStart, messageImprint[1].end),
      nonce: nonce ? tstInfo.subarray(nonce.contentStart, nonce.end) : undefined,
    };
  } catch {
    throw new TsaError('The timestamp token from the time-stamping authority is unreadable.');
  }
}

function integerValue(bytes: Uint8Array, element: Element): number {
  if (element.tag !== TAG.integer || element.end - element.contentStart > 4) throw new Error('not a small INTEGER');
  let value = 0;
  for (let at = element.contentStart; at < element.end; at++) value = value * 256 + bytes[at];
  return value;
}

/** The contents of an OCTET STRING, primitive or (BER, as some TSAs and pkijs write eContent) constructed of segments. */
function octetStringContents(bytes: Uint8Array, element: Element): Uint8Array {
  if (element.tag === TAG.octetString) return bytes.subarray(element.contentStart, element.end);
  if (element.tag !== (TAG.octetString | 0x20)) throw new Error('not an OCTET STRING');
  return new Uint8Array(Buffer.concat(children(bytes, element).map((segment) => octetStringContents(bytes, segment))));
}
