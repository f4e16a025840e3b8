import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { arrayBuffer } from './bytes.js';
import { DomainError } from '../../errors.js';

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

  let reply: pkijs.TimeStampResp;
  try {
    reply = pkijs.TimeStampResp.fromBER(body);
  } catch {
    throw new TsaError('The time-stamping authority answered something that is not a timestamp reply.');
  }
  const status = reply.status.status;
  if ((status !== 0 && status !== 1) || !reply.timeStampToken) {
    const text = reply.status.statusStrings?.map((s) => s.valueBlock.value).join('; ');
    throw new TsaError(`The time-stamping authority refused the request (status ${status}${text ? `: ${text}` : ''}).`);
  }
  const token = reply.timeStampToken;
  let tstInfo: pkijs.TSTInfo;
  try {
    const signedData = new pkijs.SignedData({ schema: token.content });
    tstInfo = pkijs.TSTInfo.fromBER(signedData.encapContentInfo.eContent!.getValue());
  } catch {
    throw new TsaError('The timestamp token from the time-stamping authority is unreadable.');
  }
  if (
    tstInfo.messageImprint.hashAlgorithm.algorithmId !== SHA256 ||
    !sameBytes(tstInfo.messageImprint.hashedMessage.valueBlock.valueHexView, imprint)
  ) {
    throw new TsaError('The timestamp does not cover this signature (message imprint differs).');
  }
  if (!tstInfo.nonce || !sameBytes(tstInfo.nonce.valueBlock.valueHexView, nonce)) {
    throw new TsaError('The timestamp reply does not carry our nonce.');
  }
  return new Uint8Array(token.toSchema().toBER(false));
}
