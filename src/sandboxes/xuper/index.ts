// A local Baidu xuper e-contract sandbox for seal creation (signature/create): it checks app id,
// timestamp window, nonce replay, the body MD5 and the HMAC of the canonical string with its own,
// independent implementation, stores the seal and serves its image at an expiring URL.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import busboy from 'busboy';

export interface XuperSandboxOptions {
  appId: string;
  secret: string;
  port?: number;
  host?: string;
}

export interface XuperSandbox {
  url: string;
  seals: Array<{ signature_id: string; address: string; signature_type: string; imageSha256: string }>;
  requests: number;
  close(): Promise<void>;
}

const CREATE = '/saas/openapi/econtract/v1/signature/create';
const WINDOW_S = 300;
const NONCE_TTL_MS = 10 * 60_000;

const equal = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function parseMultipart(body: Buffer, contentType: string): Promise<{ fields: Record<string, string>; files: Record<string, Buffer> }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const files: Record<string, Buffer> = {};
    const parser = busboy({ headers: { 'content-type': contentType }, limits: { fileSize: 5 * 1024 * 1024, files: 2, fields: 10 } });
    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => (files[name] = Buffer.concat(chunks)));
    });
    parser.on('close', () => resolve({ fields, files }));
    parser.on('error', reject);
    Readable.from([body]).pipe(parser);
  });
}

export async function startXuperSandbox(options: XuperSandboxOptions): Promise<XuperSandbox> {
  const seals: XuperSandbox['seals'] = [];
  const images = new Map<string, { png: Buffer; expires: number }>();
  const nonces = new Map<string, number>();
  let requests = 0;
  let base = '';

  const json = (res: http.ServerResponse, payload: object) => {
    res.writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8' }).end(JSON.stringify(payload));
  };
  const fail = (res: http.ServerResponse, code: number, msg: string) => json(res, { code, msg, data: null });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void handle(req, res, Buffer.concat(chunks)).catch((error) => fail(res, 5000, String(error))));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    if (req.method === 'GET' && url.pathname.startsWith('/img/')) {
      const key = url.pathname.slice('/img/'.length).replace(/\.png$/, '');
      const image = images.get(key);
      const expires = Number(url.searchParams.get('expires'));
      const authorization = createHmac('sha256', options.secret).update(`${key}:${expires}`).digest('hex');
      if (!image || !(expires > Date.now() / 1000) || !equal(url.searchParams.get('authorization') ?? '', authorization)) {
        res.writeHead(403).end('expired or forbidden');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'image/png' }).end(image.png);
      return;
    }
    if (req.method !== 'POST' || url.pathname !== CREATE) {
      res.writeHead(404).end();
      return;
    }
    requests++;
    const header = (name: string) => String(req.headers[name.toLowerCase()] ?? '');
    const appId = header('X_BXEO_APP_ID');
    const nonce = header('X_BXEO_NONCE');
    const timestamp = header('X_BXEO_TIMESTAMP');
    const contentMd5 = header('X_BXEO_CONTENTMD5');
    if (appId !== options.appId || header('X_BXEO_SIGNTYPE') !== 'HMAC-SHA256') return fail(res, 4001, 'app id or sign type invalid');
    const canonical = ['POST', CREATE, appId, nonce, timestamp, contentMd5].join('\n');
    const expected = createHmac('sha256', options.secret).update(canonical).digest('hex');
    if (!equal(header('X_BXEO_SIGN').toLowerCase(), expected)) return fail(res, 4001, 'sign mismatch');
    if (createHash('md5').update(body).digest('hex') !== contentMd5.toLowerCase()) return fail(res, 4002, 'content md5 mismatch');
    if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > WINDOW_S) return fail(res, 4003, 'timestamp out of window');
    const now = Date.now();
    for (const [seen, at] of nonces) if (now - at > NONCE_TTL_MS) nonces.delete(seen);
    if (!nonce || nonces.has(nonce)) return fail(res, 4004, 'nonce replayed');
    nonces.set(nonce, now);

    const { fields, files } = await parseMultipart(body, header('content-type'));
    const png = files.signature_img;
    if (!fields.address || !['1', '2'].includes(fields.signature_type ?? '')) return fail(res, 4005, 'address and signature_type (1 or 2) are required');
    if (!png || png.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') return fail(res, 4005, 'signature_img must be a PNG');
    const signatureId = randomBytes(6).toString('base64url').slice(0, 8);
    const key = randomBytes(16).toString('hex');
    const expires = Math.floor(Date.now() / 1000) + 7200;
    images.set(key, { png, expires });
    seals.push({ signature_id: signatureId, address: fields.address, signature_type: fields.signature_type, imageSha256: createHash('sha256').update(png).digest('hex') });
    const authorization = createHmac('sha256', options.secret).update(`${key}:${expires}`).digest('hex');
    json(res, { code: 0, msg: 'Success', data: { signature_id: signatureId, img_url: `${base}/img/${key}.png?authorization=${authorization}&expires=${expires}` } });
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  base = `http://${options.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    seals,
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
