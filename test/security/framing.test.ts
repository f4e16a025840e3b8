// Headers and framing in real Chromium: a hostile page framing the signing page, and a hostile
// page posting a "signed" message at the web component.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docxOf, sofficePdf } from '../helpers/office.js';
import { type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';

describe('framing and messages', () => {
  let service: TestService;
  let framable: TestService;
  let browser: Browser;
  let hostile: http.Server;
  let hostileOrigin: string;
  let hostilePage = '';

  beforeAll(async () => {
    hostile = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(hostilePage));
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    hostileOrigin = `http://localhost:${(hostile.address() as AddressInfo).port}`;
    [service, framable] = await Promise.all([
      startTestService({ DEMO_DATA: 'true', CORS_ORIGINS: hostileOrigin }),
      // The positive control: the same page may be framed by an origin listed in FRAME_ORIGINS.
      startTestService({ DEMO_DATA: 'true', FRAME_ORIGINS: hostileOrigin }),
    ]);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([service?.stop(), framable?.stop()]);
    hostile?.close();
  });

  async function signingAddress(target: TestService): Promise<string> {
    const pdf = (await uploadFile(target, sofficePdf(docxOf(['框架测试'])), 'a.pdf')).body.entities[0];
    const signature = (await target.json('/signature', jsonInit('POST', { file: pdf.id, seals: [{ signer: { account: 'zhangsan' } }] })))
      .body.entities[0];
    const ticket = (await target.json(`/signature/${signature.id}/tickets`, jsonInit('POST', { account: 'zhangsan' }))).body.entities[0]
      .ticket;
    return `${target.url}/sign/${signature.id}?seal=0&ticket=${encodeURIComponent(ticket)}`;
  }

  async function framedContent(address: string): Promise<string> {
    hostilePage = `<!doctype html><html><body><iframe id="f" src="${address}" width="800" height="600"></iframe></body></html>`;
    const page = await browser.newPage();
    try {
      await page.goto(hostileOrigin);
      await page.waitForTimeout(1500);
      const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
      return frame ? await frame.content().catch(() => '') : '';
    } finally {
      await page.close();
    }
  }

  it('sends helmet-level headers with the signing page: frame-ancestors none, X-Frame-Options DENY, nosniff, no referrer', async () => {
    const address = new URL(await signingAddress(service));
    const page = await service.api(address.pathname + address.search, { auth: false });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('strict-transport-security')).toBeTruthy();
    expect(page.headers.get('cross-origin-opener-policy')).toBeNull();
  });

  it('Chromium refuses to show the signing page in a foreign frame, unless FRAME_ORIGINS lists that origin', async () => {
    const refused = await framedContent(await signingAddress(service));
    expect(refused).not.toContain('sign-form');
    const allowed = await framedContent(await signingAddress(framable));
    expect(allowed).toContain('sign-form');
  }, 240_000);

  it('the web component ignores a "signed" message from a foreign origin', async () => {
    const pdf = (await uploadFile(service, sofficePdf(docxOf(['消息测试'])), 'b.pdf')).body.entities[0];
    const signature = (await service.json('/signature', jsonInit('POST', { file: pdf.id, seals: [{ signer: { account: 'zhangsan' } }] })))
      .body.entities[0];
    const ticket = (await service.json(`/signature/${signature.id}/tickets`, jsonInit('POST', { account: 'zhangsan' }))).body.entities[0]
      .ticket;
    // The form page lives on the (allowed) foreign origin; the component talks to the service.
    hostilePage = `<!doctype html><html><head><meta charset="utf-8"><script type="module" src="${service.url}/plugin-ui/infoplus-signature.js"></script></head>
      <body><infoplus-signature id="el" service="${service.url}" signature-id="${signature.id}" ticket="${ticket}" locale="en"></infoplus-signature></body></html>`;
    const page = await browser.newPage();
    const reads: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'GET' && new URL(request.url()).pathname === `/signature/${signature.id}`) reads.push(request.url());
    });
    try {
      await page.goto(hostileOrigin);
      await page.waitForSelector('#el section[data-state="unsigned"]', { timeout: 15_000 });
      await page.waitForTimeout(300);
      const before = reads.length;
      // The page's own origin is not the service's: this message must be ignored.
      await page.evaluate((id) => window.postMessage({ type: 'infoplus-signature:signed', signatureId: id, seal: 0 }, '*'), signature.id);
      await page.waitForTimeout(800);
      expect(reads.length).toBe(before);
    } finally {
      await page.close();
    }
  });
});
