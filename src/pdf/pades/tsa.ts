import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { arrayBuffer } from './bytes.js';
import { DomainError } from '../../errors.js';
import { children, readElement, slice, TAG, type Element } from './der.js';

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

const SHA256 = '2.16.840.1.101.3.4.2.1';

function sameBytes(a: ArrayBuffer | Uint8Array, b: Uint8Array): boolean {
  const left = a instanceof Uint8Array ? a : new Uint8Array(a);
  return left.length === b.length && left.every((byte, i) => byte === b[i]);
}

/**
 * Asks an RFC 3161 time-stamping authority for a token over `signature` (the CMS signature value),
 * and checks the answer: status granted, same message imprint, same nonce. Returns the token
 * (a ContentInfo, DER) for the `signature-time-stamp` unsigned attribute.
 */
export async function requestTimestamp(signature: Uint8Array, options: TsaOptions): Promise<Uint8Array> {
  const imprint = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', arrayBuffer(signature)));
  const nonce = globalThis.crypto.getRandomValues(new Uint8Array(8));
  nonce[0] = (nonce[0] & 0x7f) | 0x01; // positive, minimal DER INTEGER
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA256 }),
      hashedMessage: new asn1js.OctetString({ valueHex: arrayBuffer(imprint) }),
    }),
    nonce: new asn1js.Integer({ valueHex: arrayBuffer(nonce) }),
    certReq: true,
  });
  const headers: Record<string, string> = { 'Content-Type': 'application/timestamp-query', Accept: 'application/timestamp-reply' };
  if (options.username) headers.Authorization = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;

  let body: ArrayBuffer;
  try {
    const response = await fetch(options.url, {
      method: 'POST',
      headers,
      body: new Uint8Array(request.toSchema().toBER(false)),
      redirect: 'error',
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    if (!response.ok) throw new TsaError(`The time-stamping authority answered HTTP ${response.status}.`);
    body = await response.arrayBuffer();
  } catch (error) {
    if (error instanceof TsaError) throw error;
    throw new TsaError(`The time-stamping authority could not be reached: ${(error as Error).message}.`);
  }

  const reply = readReply(new Uint8Array(body));
  if ((reply.status !== 0 && reply.status !== 1) || !reply.token) {
    throw new TsaError(`The time-stamping authority refused the request (status ${reply.status}${reply.text ? `: ${reply.text}` : ''}).`);
  }
  if (reply.imprintAlgorithm !== SHA256 || !sameBytes(reply.imprint, imprint)) {
    throw new TsaError('The timestamp does not cover this signature (message imprint differs).');
  }
  if (!reply.nonce || !sameBytes(reply.nonce, nonce)) {
    throw new TsaError('The timestamp reply does not carry our nonce.');
  }
  return reply.token;
}

/** The contents of an OCTET STRING, primitive or (BER, as some TSAs and pkijs write eContent) constructed of segments. */
function octetStringContents(bytes: Uint8Array, element: Element): Uint8Array<ArrayBuffer> {
  if (element.tag === TAG.octetString) return bytes.slice(element.contentStart, element.end);
  if (element.tag !== (TAG.octetString | 0x20)) throw new Error('not an OCTET STRING');
  return new Uint8Array(Buffer.concat(children(bytes, element).map((segment) => octetStringContents(bytes, segment))));
}

interface Reply {
  status: number;
  text?: string;
  /** The token exactly as the TSA sent it (a ContentInfo, DER). */
  token?: Uint8Array;
  imprintAlgorithm?: string;
  imprint: Uint8Array;
  nonce?: Uint8Array;
}

/**
 * TimeStampResp → status, the token's own bytes and the TSTInfo fields we check. The token is walked
 * as DER and kept byte for byte (re-encoding it through pkijs cost more than the rest of a seal).
 */
function readReply(body: Uint8Array): Reply {
  let outer: Element[];
  try {
    outer = children(body, readElement(body, 0));
  } catch {
    throw new TsaError('The time-stamping authority answered something that is not a timestamp reply.');
  }
  let status: pkijs.PKIStatusInfo;
  try {
    status = new pkijs.PKIStatusInfo({ schema: asn1js.fromBER(slice(body, outer[0])).result });
  } catch {
    throw new TsaError('The time-stamping authority answered something that is not a timestamp reply.');
  }
  const text = status.statusStrings?.map((entry) => entry.valueBlock.value).join('; ');
  if (!outer[1]) return { status: status.status, text, imprint: new Uint8Array() };
  try {
    const token = slice(body, outer[1]);
    // ContentInfo { contentType, [0] SignedData { version, digestAlgorithms, encapContentInfo { eContentType, [0] OCTET STRING } } }
    const signedData = children(token, children(token, children(token, readElement(token, 0))[1])[0]);
    const encapsulated = children(token, signedData[2]);
    const tstInfo = pkijs.TSTInfo.fromBER(octetStringContents(token, children(token, encapsulated[1])[0]));
    return {
      status: status.status,
      text,
      token: new Uint8Array(token),
      imprintAlgorithm: tstInfo.messageImprint.hashAlgorithm.algorithmId,
      imprint: new Uint8Array(tstInfo.messageImprint.hashedMessage.valueBlock.valueHexView),
      nonce: tstInfo.nonce ? new Uint8Array(tstInfo.nonce.valueBlock.valueHexView) : undefined,
    };
  } catch {
    throw new TsaError('The timestamp token from the time-stamping authority is unreadable.');
  }
}
