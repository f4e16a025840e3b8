// The routes behind the web component, without a browser: the element's module and its verifier
// worker (type, caching, compression, CORS, sizes) and the demo, which exists only with demo data.
import fs from 'node:fs';
import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestService, jsonInit, startTestService } from '../helpers/service.js';

const DIST = 'plugin-ui/dist';
const FORM_ORIGIN = 'https://forms.example.edu.cn';

/** A raw GET (fetch would negotiate and decode the encoding itself). */
function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

describe('plugin-ui routes', () => {
  let demo: TestService;
  let plain: TestService;

  beforeAll(async () => {
    [demo, plain] = await Promise.all([
      startTestService({ DEMO: 'true', DEMO_DATA: 'true', CORS_ORIGINS: FORM_ORIGIN }),
      startTestService({ DEMO_DATA: 'false' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([demo?.stop(), plain?.stop()]);
  });

  // The element's module and the verifier worker it fetches on the first verify(): the same policy.
  it.each(['infoplus-signature.js', 'infoplus-signature-verifier.js'])(
    'serves %s as JavaScript with caching, compression and CORS for allowed origins',
    async (name) => {
      const onDisk = fs.readFileSync(`${DIST}/${name}`);
      const url = `${demo.url}/plugin-ui/${name}`;

      const plainResponse = await get(url, { 'accept-encoding': 'identity' });
      expect(plainResponse.status).toBe(200);
      expect(plainResponse.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(plainResponse.headers['cache-control']).toBe('public, max-age=300');
      expect(plainResponse.headers['x-content-type-options']).toBe('nosniff');
      expect(plainResponse.headers['content-encoding']).toBeUndefined();
      expect(Number(plainResponse.headers['content-length'])).toBe(onDisk.length);
      expect(plainResponse.body.equals(onDisk)).toBe(true);
      expect(plainResponse.body.toString('utf8')).toContain(
        name === 'infoplus-signature.js' ? 'infoplus-signature' : 'verifyPdf expects the PDF as a Uint8Array',
      );

      const br = await get(url, { 'accept-encoding': 'gzip, deflate, br', origin: FORM_ORIGIN });
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers.vary).toMatch(/Accept-Encoding/);
      expect(br.headers['access-control-allow-origin']).toBe(FORM_ORIGIN);
      expect(br.body.length).toBeLessThan(onDisk.length / 2);
      expect(zlib.brotliDecompressSync(br.body).equals(onDisk)).toBe(true);

      const gzip = await get(url, { 'accept-encoding': 'gzip;q=1, br;q=0', origin: 'https://elsewhere.example.com' });
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gzip.headers['access-control-allow-origin']).toBeUndefined();
      expect(zlib.gunzipSync(gzip.body).equals(onDisk)).toBe(true);

      // Revalidation: the ETag of each encoding answers 304 without a body.
      for (const [encoding, response] of [
        ['identity', plainResponse],
        ['gzip', gzip],
        ['br', br],
      ] as const) {
        const again = await get(url, { 'accept-encoding': encoding, 'if-none-match': String(response.headers.etag), origin: FORM_ORIGIN });
        expect(again.status).toBe(304);
        expect(again.body.length).toBe(0);
        expect(again.headers['access-control-allow-origin']).toBe(FORM_ORIGIN);
      }
      expect(new Set([plainResponse.headers.etag, gzip.headers.etag, br.headers.etag]).size).toBe(3);

      const map = await get(`${url}.map`, { 'accept-encoding': 'br', origin: FORM_ORIGIN });
      expect(map.status).toBe(200);
      expect(map.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(map.headers['cache-control']).toBe('public, max-age=300');
      expect(map.headers['content-encoding']).toBe('br');
      expect(map.headers['access-control-allow-origin']).toBe(FORM_ORIGIN);
      expect(JSON.parse(zlib.brotliDecompressSync(map.body).toString('utf8'))).toMatchObject({ version: 3, file: name });
      const mapAgain = await get(`${url}.map`, { 'accept-encoding': 'br', 'if-none-match': String(map.headers.etag) });
      expect(mapAgain.status).toBe(304);
    },
  );

  it('serves nothing else from the bundle folder', async () => {
    const missing = await demo.json('/plugin-ui/..%2F..%2Fpackage.json', { auth: false });
    expect(missing.status).toBe(404);
    expect((await demo.json('/plugin-ui/other.js', { auth: false })).body).toMatchObject({ errno: 404, ecode: 'NOT_FOUND' });
    expect((await demo.json('/plugin-ui/constructor', { auth: false })).status).toBe(404);
    expect((await demo.json('/plugin-ui/__proto__', { auth: false })).status).toBe(404);
    expect((await get(`${demo.url}/demo/constructor`)).status).toBe(404);
  });

  it('keeps the verifier out of the element: the element is small and fetches the worker only by its relative URL', () => {
    const element = fs.readFileSync(`${DIST}/infoplus-signature.js`, 'utf8');
    const verifier = fs.readFileSync(`${DIST}/infoplus-signature-verifier.js`, 'utf8');
    expect(zlib.brotliCompressSync(element).length).toBeLessThan(50 * 1024);
    expect(zlib.gzipSync(element, { level: 9 }).length).toBeLessThan(50 * 1024);
    expect(element).not.toMatch(/pkijs|SignedData/);
    expect(element).toContain('new URL("infoplus-signature-verifier.js", import.meta.url)');
    // A classic, self-contained worker script: it must run from a Blob URL, where imports could not resolve.
    expect(verifier).toMatch(/^\(function\(\)\{/);
    expect(verifier).not.toMatch(/^\s*import[\s{*]|\bimport\(\s*["'`]|import\.meta/m);
    expect(verifier).toContain('SignedData');
  });

  it('serves the demo form, its static script and a demo-only login that hands out tickets', async () => {
    const page = await get(`${demo.url}/demo`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const html = page.body.toString('utf8');
    expect(html).toContain('<infoplus-signature id="applicant" seal="0"');
    expect(html).toContain('<infoplus-signature id="college" seal="2"');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script: CSP friendly
    expect((await get(`${demo.url}/demo/demo.js`)).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get(`${demo.url}/demo/secrets.json`)).status).toBe(404);

    const session = await demo.json('/demo/session', jsonInit('POST', { account: 'wangwu' }, { auth: false }));
    expect(session.status).toBe(200);
    const { signatureId, ticket, account, users } = session.body.entities[0];
    expect(account).toBe('wangwu');
    expect(users.map((user: { account: string }) => user.account)).toEqual(
      expect.arrayContaining(['zhangsan', 'lisi', 'wangwu', 'zhaoliu', 'chenqi']),
    );
    // The ticket reads exactly that Signature: the leave application, not yet generated.
    const s1 = await demo.json(`/signature/${signatureId}`, { auth: false, headers: { 'x-infoplus-ticket': ticket } });
    expect(s1.status).toBe(200);
    const signature = s1.body.entities[0];
    expect(signature).toMatchObject({ state: 'unsigned', uri: '' });
    expect(signature.seals[0]).toMatchObject({
      signer: { account: 'zhangsan' },
      permission: { sealTypes: expect.arrayContaining(['个人签名']) },
    });
    expect(signature.seals[2]).toMatchObject({ permission: { sealTypes: ['公章'], signers: ['wangwu'] } });
    // Everyone switching users shares the same demo Signature until a reset.
    const other = (await demo.json('/demo/session', jsonInit('POST', { account: 'lisi' }, { auth: false }))).body.entities[0];
    expect(other.signatureId).toBe(signatureId);
    const reset = (await demo.json('/demo/session', jsonInit('POST', { account: 'lisi', reset: true }, { auth: false }))).body.entities[0];
    expect(reset.signatureId).not.toBe(signatureId);

    expect((await demo.json('/demo/session', jsonInit('POST', { account: 'mallory' }, { auth: false }))).body).toMatchObject({
      errno: 404,
      ecode: 'DEMO_USER_NOT_FOUND',
    });
    expect((await demo.json('/demo/session', jsonInit('POST', { account: 'lisi', admin: true }, { auth: false }))).status).toBe(400);
  });

  it('has no demo without demo data, but still serves the bundle', async () => {
    expect((await get(`${plain.url}/demo`)).status).toBe(404);
    expect((await get(`${plain.url}/demo/demo.js`)).status).toBe(404);
    expect((await plain.json('/demo/session', jsonInit('POST', { account: 'zhangsan' }, { auth: false }))).status).toBe(404);
    expect((await plain.json('/demo/create', jsonInit('POST', { template: 'leave-application' }, { auth: false }))).status).toBe(404);
    expect((await get(`${plain.url}/plugin-ui/infoplus-signature.js`)).status).toBe(200);
  });
});
