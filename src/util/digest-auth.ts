import { createHash } from 'node:crypto';
import { secretsEqual } from './constant-time.js';

/**
 * The InfoPlus Digest-style request signature (see ../shared/spec/README.md):
 *   HA1 = MD5(code:domain:secret), HA2 = MD5(method:uri), response = MD5(HA1:nonce:HA2)
 * sent as `Authorization: Digest username="<code>", realm="<domain>", nonce="<nonce>", uri="<uri>",
 * response="<hex>"` (`code`/`domain` are accepted as aliases of `username`/`realm`). The nonce ends in
 * `-{unixSeconds}`, is accepted within ±5 minutes of now and only once (remembered 20 minutes).
 */
export interface DigestCredentials {
  code: string;
  domain: string;
  secret: string;
}

export interface DigestParams {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
}

export const NONCE_WINDOW_SECONDS = 5 * 60;
export const NONCE_MEMORY_SECONDS = 20 * 60;

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

export function digestResponse(credentials: DigestCredentials, method: string, uri: string, nonce: string): string {
  const ha1 = md5(`${credentials.code}:${credentials.domain}:${credentials.secret}`);
  const ha2 = md5(`${method.toUpperCase()}:${uri}`);
  return md5(`${ha1}:${nonce}:${ha2}`);
}

export function digestHeader(credentials: DigestCredentials, method: string, uri: string, nonce: string): string {
  const response = digestResponse(credentials, method, uri, nonce);
  return `Digest username="${credentials.code}", realm="${credentials.domain}", nonce="${nonce}", uri="${uri}", response="${response}"`;
}

export function parseDigestHeader(header: string): DigestParams | null {
  const match = /^Digest\s+(.+)$/i.exec(header.trim());
  if (!match) return null;
  const fields: Record<string, string> = {};
  const pair = /([a-zA-Z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (let m = pair.exec(match[1]); m; m = pair.exec(match[1])) {
    fields[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  }
  const username = fields.username ?? fields.code;
  const realm = fields.realm ?? fields.domain ?? '';
  const { nonce, uri, response } = fields;
  if (!username || !nonce || !uri || !response) return null;
  return { username, realm, nonce, uri, response };
}

/** Seconds encoded at the end of the nonce, or null when it has no `-{unixSeconds}` suffix. */
export function nonceTimestamp(nonce: string): number | null {
  const match = /-(\d{9,11})$/.exec(nonce);
  return match ? Number(match[1]) : null;
}

export type DigestVerdict = { ok: true } | { ok: false; reason: string };

/** Checks everything except replay (the caller remembers nonces). */
export function checkDigest(
  credentials: DigestCredentials,
  params: DigestParams,
  method: string,
  requestUri: string,
  nowSeconds: number,
): DigestVerdict {
  const stamp = nonceTimestamp(params.nonce);
  if (stamp === null) return { ok: false, reason: 'the nonce does not end in -{unixSeconds}' };
  if (Math.abs(nowSeconds - stamp) > NONCE_WINDOW_SECONDS) return { ok: false, reason: 'the nonce is outside the ±5 minute window' };
  if (params.uri !== requestUri) return { ok: false, reason: 'the signed uri is not the requested uri' };
  const expected = digestResponse(credentials, method, params.uri, params.nonce);
  const identityMatches = secretsEqual(params.username, credentials.code) && secretsEqual(params.realm, credentials.domain);
  const responseMatches = secretsEqual(params.response.toLowerCase(), expected);
  return identityMatches && responseMatches ? { ok: true } : { ok: false, reason: 'the digest does not match' };
}
