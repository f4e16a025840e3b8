// The xuper (BXEO) sandbox checks app id, HMAC sign, body MD5, timestamp window and nonce replay.
// The requests here are built and signed by the test itself (not by our adapter), per our choices:
// CONTENTMD5 = hex MD5 of the raw multipart body; SIGN = hex HMAC-SHA256(secret,
// "POST\n<path>\n<appId>\n<nonce>\n<timestamp>\n<contentMd5>").
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personalSealSvg, rasterizeSvg } from '../../src/seals/seal-image.js';
import { startXuperSandbox, type XuperSandbox } from './xuper/index.js';

const APP_ID = 'xuper-app-1';
const SECRET = 'xuper-secret-abcdef';
const PATH = '/saas/openapi/econtract/v1/signature/create';
const md5Hex = (bytes: Buffer | string) => createHash('md5').update(bytes).digest('hex');

function multipart(fields: Record<string, string>, image?: { bytes: Buffer; name?: string; type?: string }) {
  const boundary = '----WebKitFormBoundaryyb1zYhTI38xpQxBK';
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  if (image) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="signature_img"; filename="${image.name ?? 'seal.png'}"\r\nContent-Type: ${image.type ?? 'image/png'}\r\n\r\n`,
      ),
      image.bytes,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

interface Overrides {
  appId?: string;
  nonce?: string;
  timestamp?: string;
  contentMd5?: string;
  secret?: string;
  signType?: string;
}

function headersFor(body: Buffer, o: Overrides = {}): Record<string, string> {
  const appId = o.appId ?? APP_ID;
  const nonce = o.nonce ?? randomUUID();
  const timestamp = o.timestamp ?? String(Math.floor(Date.now() / 1000));
  const contentMd5 = o.contentMd5 ?? md5Hex(body);
  const sign = createHmac('sha256', o.secret ?? SECRET)
    .update(['POST', PATH, appId, nonce, timestamp, contentMd5].join('\n'))
    .digest('hex');
  return {
    X_BXEO_APP_ID: appId,
    X_BXEO_NONCE: nonce,
    X_BXEO_TIMESTAMP: timestamp,
    X_BXEO_CONTENTMD5: contentMd5,
    X_BXEO_SIGNTYPE: o.signType ?? 'HMAC-SHA256',
    X_BXEO_SIGN: sign,
  };
}

describe('xuper sandbox', () => {
  let sandbox: XuperSandbox;
  let png: Buffer;

  beforeAll(async () => {
    sandbox = await startXuperSandbox({ appId: APP_ID, secret: SECRET });
    png = Buffer.from(await rasterizeSvg(personalSealSvg({ name: '张三' }), 200));
  });
  afterAll(() => sandbox?.close());

  const send = async (form: { body: Buffer; contentType: string }, headers: Record<string, string>, body = form.body) => {
    const response = await fetch(`${sandbox.url}${PATH}`, {
      method: 'POST',
      body,
      headers: { ...headers, 'Content-Type': form.contentType },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { code: number; msg: string; data: any };
  };

  it('creates a seal from a correctly signed request and serves its image until the URL expires', async () => {
    const form = multipart({ address: 'user-address-1', signature_type: '2' }, { bytes: png });
    const before = sandbox.requests;
    const answer = await send(form, headersFor(form.body));
    expect(answer).toEqual({
      code: 0,
      msg: 'Success',
      data: { signature_id: expect.stringMatching(/^[A-Za-z0-9]{8}$/), img_url: expect.any(String) },
    });
    expect(sandbox.requests).toBe(before + 1);
    expect(sandbox.seals.at(-1)).toEqual({
      signature_id: answer.data.signature_id,
      address: 'user-address-1',
      signature_type: '2',
      imageSha256: createHash('sha256').update(png).digest('hex'),
    });

    const url = new URL(answer.data.img_url);
    expect(url.origin).toBe(sandbox.url);
    expect(url.pathname).toMatch(/^\/img\/[^/]+\.png$/);
    const expires = Number(url.searchParams.get('expires'));
    expect(expires - Date.now() / 1000).toBeGreaterThan(7190);
    expect(expires - Date.now() / 1000).toBeLessThanOrEqual(7200);
    const image = await fetch(url);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).equals(png)).toBe(true);

    const forged = new URL(url);
    forged.searchParams.set('authorization', '0'.repeat(64));
    expect((await fetch(forged)).status).toBe(403);
    const extended = new URL(url);
    extended.searchParams.set('expires', String(expires + 3600)); // the authorization covers the expiry
    expect((await fetch(extended)).status).toBe(403);
    const expired = new URL(url);
    expired.searchParams.set('expires', String(Math.floor(Date.now() / 1000) - 1));
    expect((await fetch(expired)).status).toBe(403);

    // An organisation seal (signature_type 1) too.
    const org = multipart({ address: 'org-address-1', signature_type: '1' }, { bytes: png });
    expect((await send(org, headersFor(org.body))).code).toBe(0);
  });

  it('refuses a bad app id or sign (4001), a body that is not the MD5 signed (4002), a stale timestamp (4003) and a replayed nonce (4004)', async () => {
    const form = multipart({ address: 'user-address-2', signature_type: '2' }, { bytes: png });
    const count = sandbox.seals.length;
    expect((await send(form, headersFor(form.body, { secret: 'wrong-secret' }))).code).toBe(4001);
    expect((await send(form, headersFor(form.body, { appId: 'another-app' }))).code).toBe(4001);
    expect((await send(form, headersFor(form.body, { signType: 'HMAC-SHA1' }))).code).toBe(4001);
    const good = headersFor(form.body);
    expect((await send(form, { ...good, X_BXEO_SIGN: good.X_BXEO_SIGN.replace(/^./, (c) => (c === '0' ? '1' : '0')) })).code).toBe(4001);
    // Signed correctly, but over an MD5 that is not this body's: the body was changed on the way.
    expect((await send(form, headersFor(form.body, { contentMd5: md5Hex('something else') }))).code).toBe(4002);
    const tampered = Buffer.from(form.body);
    tampered[tampered.length - 60] ^= 1;
    expect((await send(form, headersFor(form.body), tampered)).code).toBe(4002);
    // Base64 instead of hex: not our agreed encoding.
    expect((await send(form, headersFor(form.body, { contentMd5: createHash('md5').update(form.body).digest('base64') }))).code).toBe(4002);
    const now = Math.floor(Date.now() / 1000);
    expect((await send(form, headersFor(form.body, { timestamp: String(now - 301) }))).code).toBe(4003);
    expect((await send(form, headersFor(form.body, { timestamp: String(now + 400) }))).code).toBe(4003);
    expect((await send(form, headersFor(form.body, { timestamp: String(Date.now()) }))).code).toBe(4003); // milliseconds
    const nonce = randomUUID();
    expect((await send(form, headersFor(form.body, { nonce }))).code).toBe(0);
    const replay = await send(form, headersFor(form.body, { nonce }));
    expect(replay).toEqual({ code: 4004, msg: expect.any(String), data: null });
    expect(sandbox.seals.length).toBe(count + 1);
  });

  it('refuses missing or wrong parameters (4005): address, signature_type, a signature_img that is not a PNG', async () => {
    const cases = [
      multipart({ signature_type: '2' }, { bytes: png }),
      multipart({ address: 'a', signature_type: '3' }, { bytes: png }),
      multipart({ address: 'a', signature_type: '2' }),
      multipart({ address: 'a', signature_type: '2' }, { bytes: Buffer.from('\xff\xd8\xff\xe0 not a png', 'latin1'), type: 'image/png' }),
    ];
    for (const form of cases) {
      const answer = await send(form, headersFor(form.body));
      expect(answer.code, answer.msg).toBe(4005);
      expect(answer.data).toBeNull();
    }
    // Not multipart at all, yet correctly signed.
    const json = { body: Buffer.from('{"address":"a","signature_type":"2"}'), contentType: 'application/json' };
    expect((await send(json, headersFor(json.body))).code).toBe(4005);
  });
});
