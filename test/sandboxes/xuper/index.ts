// A local Baidu xuper e-contract (BXEO) sandbox for seal creation (POST signature/create). It
// checks the app id, the HMAC of the canonical string, the body MD5, the timestamp window and nonce
// replay with its own implementation — independent of our client's, which is the point — then
// stores the seal and serves its image at an expiring, authorised URL. Development and tests only.
//
// Our choices where the spec is silent:
// - X_BXEO_CONTENTMD5 = lowercase hex MD5 of the exact raw request body (the whole multipart body);
// - X_BXEO_SIGN = lowercase hex HMAC-SHA256(secret, "POST\n<path>\n<appId>\n<nonce>\n<timestamp>\n<contentMd5>");
// - X_BXEO_TIMESTAMP = unix seconds, at most 300 s from now; a nonce may not repeat within 10 min;
// - refusals are HTTP 200 with {code, msg, data: null}: 4001 app id/sign, 4002 MD5, 4003 timestamp,
//   4004 nonce, 4005 parameters (including a signature_img that is not a PNG).
import { createHash, createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import busboy from 'busboy';
import { secretsEqual } from '../../../src/util/constant-time.js';
import { serve } from '../shared.js';

export interface XuperSandboxOptions {
  appId: string;
  secret: string;
  port?: number;
  host?: string;
}

export interface XuperSandbox {
  url: string;
  seals: Array<{ signature_id: string; address: string; signature_type: string; imageSha256: string }>;
  /** How many signature/create requests arrived (accepted or not). */
  requests: number;
  close(): Promise<void>;
}

const CREATE = '/saas/openapi/econtract/v1/signature/create';
const WINDOW_S = 300;
const NONCE_TTL_MS = 10 * 60_000;
const IMAGE_TTL_S = 7200;
const MAX_BODY = 10 * 1024 * 1024;
const MAX_IMAGE = 5 * 1024 * 1024;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

const equal = secretsEqual;

function randomId(length: number): string {
  let id = '';
  while (id.length < length) {
    for (const byte of randomBytes(length)) if (byte < 248 && id.length < length) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  }
  return id;
}

class ParamError extends Error {}

function parseMultipart(
  body: Buffer,
  contentType: string,
): Promise<{ fields: Record<string, string>; files: Record<string, { bytes: Buffer; truncated: boolean }> }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const files: Record<string, { bytes: Buffer; truncated: boolean }> = {};
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { 'content-type': contentType }, limits: { fileSize: MAX_IMAGE, files: 1, fields: 10, parts: 11 } });
    } catch (error) {
      reject(new ParamError(`not a multipart/form-data body: ${(error as Error).message}`));
      return;
    }
    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on(
        'end',
        () =>
          (files[name] = { bytes: Buffer.concat(chunks), truncated: (stream as unknown as { truncated?: boolean }).truncated === true }),
      );
    });
    parser.on('close', () => resolve({ fields, files }));
    parser.on('error', (error: Error) => reject(new ParamError(`malformed multipart body: ${error.message}`)));
    parser.end(body);
  });
}

export async function startXuperSandbox(options: XuperSandboxOptions): Promise<XuperSandbox> {
  if (!options.appId || !options.secret) throw new TypeError('startXuperSandbox needs appId and secret');
  const seals: XuperSandbox['seals'] = [];
  const images = new Map<string, Buffer>();
  const nonces = new Map<string, number>();
  let requests = 0;
  let base = '';

  const imageAuthorization = (key: string, expires: number) =>
    createHmac('sha256', options.secret).update(`img:${key}:${expires}`).digest('hex');
  const json = (res: http.ServerResponse, payload: object) => {
    res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8' }).end(JSON.stringify(payload));
  };
  const fail = (res: http.ServerResponse, code: number, msg: string) => json(res, { code, msg, data: null });

  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooLarge) return fail(res, 4005, `request body larger than ${MAX_BODY} bytes`);
      handle(req, res, Buffer.concat(chunks)).catch((error: Error) =>
        res.headersSent ? res.destroy() : fail(res, error instanceof ParamError ? 4005 : 5000, error.message),
      );
    });
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    if (req.method === 'GET' && url.pathname.startsWith('/img/')) {
      const key = url.pathname.slice('/img/'.length).replace(/\.png$/, '');
      const image = images.get(key);
      const expiresText = url.searchParams.get('expires') ?? '';
      const expires = /^\d+$/.test(expiresText) ? Number(expiresText) : 0;
      if (
        !image ||
        !(expires > Date.now() / 1000) ||
        !equal(url.searchParams.get('authorization') ?? '', imageAuthorization(key, expires))
      ) {
        res.writeHead(403, { 'Content-Type': 'text/plain' }).end('AccessDenied: expired or wrong authorization');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': image.length }).end(image);
      return;
    }
    if (url.pathname !== CREATE) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST', 'Content-Type': 'text/plain' }).end('Method Not Allowed');
      return;
    }
    requests++;
    // Node lower-cases header names and keeps the underscores of X_BXEO_*.
    const header = (name: string) => {
      const value = req.headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(',') : (value ?? '');
    };
    const appId = header('X_BXEO_APP_ID');
    const nonce = header('X_BXEO_NONCE');
    const timestamp = header('X_BXEO_TIMESTAMP');
    const contentMd5 = header('X_BXEO_CONTENTMD5');
    if (!equal(appId, options.appId)) return fail(res, 4001, 'X_BXEO_APP_ID is unknown');
    if (header('X_BXEO_SIGNTYPE') !== 'HMAC-SHA256') return fail(res, 4001, 'X_BXEO_SIGNTYPE must be HMAC-SHA256');
    const canonical = ['POST', CREATE, appId, nonce, timestamp, contentMd5].join('\n');
    const expected = createHmac('sha256', options.secret).update(canonical, 'utf8').digest('hex');
    if (!equal(header('X_BXEO_SIGN'), expected)) return fail(res, 4001, 'X_BXEO_SIGN does not match');
    if (!equal(contentMd5, createHash('md5').update(body).digest('hex')))
      return fail(res, 4002, 'X_BXEO_CONTENTMD5 does not match the body');
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > WINDOW_S)
      return fail(res, 4003, `X_BXEO_TIMESTAMP is more than ${WINDOW_S} s from now`);
    const now = Date.now();
    for (const [seen, at] of nonces) if (now - at > NONCE_TTL_MS) nonces.delete(seen);
    if (!nonce || nonce.length > 128) return fail(res, 4004, 'X_BXEO_NONCE is missing or too long');
    if (nonces.has(nonce)) return fail(res, 4004, 'X_BXEO_NONCE was already used');
    nonces.set(nonce, now);

    const contentType = header('content-type');
    if (!/^multipart\/form-data\s*;/i.test(contentType)) return fail(res, 4005, 'Content-Type must be multipart/form-data');
    const { fields, files } = await parseMultipart(body, contentType);
    const address = fields.address?.trim();
    const signatureType = fields.signature_type?.trim();
    const image = files.signature_img;
    if (!address) return fail(res, 4005, 'address is required');
    if (signatureType !== '1' && signatureType !== '2') return fail(res, 4005, 'signature_type must be 1 (企业签章) or 2 (个人签章)');
    if (!image || image.bytes.length === 0) return fail(res, 4005, 'signature_img is required');
    if (image.truncated) return fail(res, 4005, `signature_img is larger than ${MAX_IMAGE} bytes`);
    if (!image.bytes.subarray(0, 8).equals(PNG_MAGIC)) return fail(res, 4005, 'signature_img must be a PNG');

    const signatureId = randomId(8);
    const key = randomBytes(16).toString('hex');
    const expires = Math.floor(Date.now() / 1000) + IMAGE_TTL_S;
    images.set(key, image.bytes);
    seals.push({
      signature_id: signatureId,
      address,
      signature_type: signatureType,
      imageSha256: createHash('sha256').update(image.bytes).digest('hex'),
    });
    json(res, {
      code: 0,
      msg: 'Success',
      data: {
        signature_id: signatureId,
        img_url: `${base}/img/${key}.png?authorization=${imageAuthorization(key, expires)}&expires=${expires}`,
      },
    });
  }

  const server = await serve(handler, options);
  base = server.base;
  let closing: Promise<void> | undefined;
  return {
    url: base,
    seals,
    get requests() {
      return requests;
    },
    close: () => (closing ??= server.close()),
  };
}
