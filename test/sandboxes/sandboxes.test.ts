// The sandboxes are strict: a sandbox that accepted anything would prove nothing about our clients.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EsignClient } from '../../src/providers/esign/client.js';
import { esignSignature, verifyEsignSignature } from '../../src/providers/esign/signature.js';
import { XuperClient } from '../../src/providers/xuper/client.js';
import { xuperContentMd5, xuperSignature } from '../../src/providers/xuper/signature.js';
import { startEsignSandbox } from './esign/index.js';
import { startXuperSandbox } from './xuper/index.js';
import { makePdf, PNG_1X1 } from '../helpers/fixtures.js';

describe('e签宝 sandbox', () => {
  let sandbox: Awaited<ReturnType<typeof startEsignSandbox>>;
  const secret = 'sandbox-secret-xyz';
  beforeAll(async () => {
    sandbox = await startEsignSandbox({ projectId: 'p', projectSecret: secret });
  });
  afterAll(() => sandbox?.close());

  const post = (path: string, body: string, signature = esignSignature(secret, body), projectId = 'p') =>
    fetch(`${sandbox.apiBase}${path}`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-timevale-mode': 'package',
        'x-timevale-project-id': projectId,
        'x-timevale-signature': signature,
        'x-timevale-signature-algorithm': 'hmac-sha256',
      },
    });

  it('answers a correctly signed request with a signed answer, and refuses wrong signatures and projects', async () => {
    const body = JSON.stringify({ thirdId: 'u1', name: '张三', idNo: '110101199001011234', idType: 19 });
    const ok = await post('/account/create/person/private', body);
    const bytes = Buffer.from(await ok.arrayBuffer());
    expect(ok.status).toBe(200);
    expect(verifyEsignSignature(secret, bytes, ok.headers.get('x-timevale-signature'))).toBe(true);
    expect(JSON.parse(bytes.toString())).toMatchObject({ errCode: 0, data: { accountId: expect.any(String) } });
    expect((await post('/account/create/person/private', body, esignSignature('wrong', body))).status).toBe(401);
    expect((await post('/account/create/person/private', body, undefined, 'other-project')).status).toBe(401);
    // The same bytes re-serialised differently are a different signature.
    expect((await post('/account/idexchange', '{"thirdId": "u1"}', esignSignature(secret, '{"thirdId":"u1"}'))).status).toBe(401);
  });

  it('refuses an upload whose Content-MD5 or type does not match what was declared', async () => {
    const client = new EsignClient({ baseUrl: sandbox.apiBase, projectId: 'p', projectSecret: secret });
    const pdf = Buffer.from(await makePdf('upload'));
    const md5 = createHash('md5').update(pdf).digest('base64');
    const { uploadUrl } = await client.call<{ uploadUrl: string }>('/file/uploadurl', {
      fileName: 'a.pdf',
      fileSize: pdf.length,
      contentType: 'application/pdf',
      contentMd5: md5,
    });
    const wrongMd5 = await fetch(uploadUrl, {
      method: 'PUT',
      body: pdf,
      headers: { 'Content-MD5': createHash('md5').update('x').digest('base64'), 'Content-Type': 'application/pdf' },
    });
    expect(wrongMd5.status).toBe(403);
    const tampered = Buffer.from(pdf);
    tampered[10] ^= 1;
    expect(
      (await fetch(uploadUrl, { method: 'PUT', body: tampered, headers: { 'Content-MD5': md5, 'Content-Type': 'application/pdf' } }))
        .status,
    ).toBe(403);
    expect(
      (await fetch(uploadUrl, { method: 'PUT', body: pdf, headers: { 'Content-MD5': md5, 'Content-Type': 'text/plain' } })).status,
    ).toBe(403);
    expect(
      (await fetch(uploadUrl, { method: 'PUT', body: pdf, headers: { 'Content-MD5': md5, 'Content-Type': 'application/pdf' } })).status,
    ).toBe(200);
    await expect(client.call('/doc/createbyfilekey', { fileKey: 'nope' })).rejects.toMatchObject({ code: 'ESIGN_ERROR' });
  });

  it('is detected by the client when its answer is not signed with the project secret', async () => {
    const impostor = new EsignClient({ baseUrl: sandbox.apiBase, projectId: 'p', projectSecret: 'another-secret' });
    // The sandbox refuses the request (401) and signs its refusal with its own secret: the client trusts neither.
    await expect(impostor.call('/account/idexchange', { thirdId: 'u1' })).rejects.toMatchObject({ code: 'ESIGN_BAD_SIGNATURE' });
  });
});

describe('xuper sandbox', () => {
  let sandbox: Awaited<ReturnType<typeof startXuperSandbox>>;
  beforeAll(async () => {
    sandbox = await startXuperSandbox({ appId: 'app', secret: 's3cret' });
  });
  afterAll(() => sandbox?.close());

  const send = (headers: Record<string, string>, body: Buffer, contentType: string) =>
    fetch(`${sandbox.url}/saas/openapi/econtract/v1/signature/create`, {
      method: 'POST',
      body,
      headers: { ...headers, 'Content-Type': contentType },
    }).then((r) => r.json());
  const form = () => {
    const boundary = 'B0undary';
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="address"\r\n\r\naddr-1\r\n--${boundary}\r\nContent-Disposition: form-data; name="signature_type"\r\n\r\n2\r\n--${boundary}\r\nContent-Disposition: form-data; name="signature_img"; filename="s.png"\r\nContent-Type: image/png\r\n\r\n`,
      ),
      PNG_1X1,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return { body, contentType: `multipart/form-data; boundary=${boundary}` };
  };
  const headersFor = (body: Buffer, overrides: Partial<Record<string, string>> = {}, secret = 's3cret') => {
    const base = {
      nonce: overrides.nonce ?? Math.random().toString(36).slice(2),
      timestamp: overrides.timestamp ?? String(Math.floor(Date.now() / 1000)),
      contentMd5: overrides.md5 ?? xuperContentMd5(body),
    };
    return {
      X_BXEO_APP_ID: 'app',
      X_BXEO_NONCE: base.nonce,
      X_BXEO_TIMESTAMP: base.timestamp,
      X_BXEO_CONTENTMD5: base.contentMd5,
      X_BXEO_SIGNTYPE: 'HMAC-SHA256',
      X_BXEO_SIGN: xuperSignature({ method: 'POST', path: '/saas/openapi/econtract/v1/signature/create', appId: 'app', ...base }, secret),
    };
  };

  it('accepts a correctly signed request and serves the image; refuses bad sign, MD5, stale time and replayed nonces', async () => {
    const { body, contentType } = form();
    const ok = await send(headersFor(body, { nonce: 'n-1' }), body, contentType);
    expect(ok).toMatchObject({ code: 0, data: { signature_id: expect.any(String), img_url: expect.stringContaining(sandbox.url) } });
    expect((await fetch(ok.data.img_url)).headers.get('content-type')).toBe('image/png');
    expect((await send(headersFor(body, {}, 'wrong'), body, contentType)).code).toBe(4001);
    expect((await send(headersFor(body, { md5: createHash('md5').update('x').digest('hex') }), body, contentType)).code).toBe(4002); // signed, but not this body's MD5
    const tampered = Buffer.from(body);
    tampered[tampered.length - 30] ^= 1;
    expect((await send(headersFor(body), tampered, contentType)).code).toBe(4002);
    expect((await send(headersFor(body, { timestamp: String(Math.floor(Date.now() / 1000) - 3600) }), body, contentType)).code).toBe(4003);
    expect((await send(headersFor(body, { nonce: 'n-1' }), body, contentType)).code).toBe(4004);
    const client = new XuperClient({ baseUrl: sandbox.url, appId: 'app', secret: 's3cret' });
    const { signatureId, image } = await client.createSeal({ address: 'addr-2', kind: 'organization', png: PNG_1X1 });
    expect(signatureId).toHaveLength(8);
    expect(Buffer.from(image).equals(PNG_1X1)).toBe(true);
  });
});
