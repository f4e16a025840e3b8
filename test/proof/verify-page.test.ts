import { StandardFonts } from '@cantoo/pdf-lib';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_INPUTS, flateBomb } from '../../packages/pdf-verify/test/attacks/hostile.js';
import { update } from '../../packages/pdf-verify/test/attacks/update.js';
import { type TestService, startTestService } from '../helpers/service.js';
import { currentPdf, markedSignature, scanLastPage, stampAs } from './helpers.js';

/** The public page in Chromium at phone width: verification in the browser's worker, offline, and the copy comparison of /v/<code>. */
describe('the public verification page in a browser', () => {
  let service: TestService;
  let browser: Browser;
  let context: BrowserContext;
  let older: Uint8Array;
  let genuine: Uint8Array;
  let tampered: Uint8Array;
  let codeUrl: string;

  beforeAll(async () => {
    service = await startTestService({ DEMO_DATA: 'true' });
    const created = await markedSignature(service, { shareable: false }, 2);
    older = await currentPdf(service, await stampAs(service, created.id, 0));
    genuine = await currentPdf(service, await stampAs(service, created.id, 1));
    tampered = await update(genuine, async (doc) => {
      const font = await doc.embedFont(StandardFonts.Helvetica);
      doc.getPage(0).drawText('FORGED GRADE: A+', { x: 60, y: 60, size: 18, font });
    });
    codeUrl = scanLastPage(genuine)!;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    context = await browser.newContext({
      viewport: { width: 360, height: 740 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      acceptDownloads: true,
      locale: 'zh-CN',
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  async function open(url: string): Promise<Page> {
    const page = await context.newPage();
    const verifierLoaded = page.waitForResponse(
      (response) => response.url().endsWith('/plugin-ui/infoplus-signature-verifier.js') && response.ok(),
    );
    await page.goto(url);
    await page.waitForSelector('html[data-ready="true"]');
    await verifierLoaded;
    return page;
  }

  const pick = (page: Page, name: string, bytes: Uint8Array, mimeType = 'application/pdf') =>
    page.setInputFiles('#verify-file', { name, mimeType, buffer: Buffer.from(bytes) });

  it("verifies a genuine stamped PDF with the network cut off, names a tampered one's change, and fits 360 px", async () => {
    const page = await open(`${service.url}/verify`);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.textContent('.privacy')).toContain('不会离开您的设备');
    await context.setOffline(true);
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    try {
      await pick(page, 'certificate.pdf', genuine);
      await page.waitForSelector('#verify-overall');
      expect(await page.getAttribute('#verify-overall', 'data-valid')).toBe('true');
      const text = await page.textContent('#verify-results');
      expect(text).toContain('文件真实有效');
      expect(text).toContain('示范大学');
      expect(text).toContain('证书可信');
      expect(text).toContain('未检查吊销状态');
      expect(text).toContain('时间仅为签署方声明');
      expect(await page.textContent('#verify-status')).toContain('未上传');
      // Not colour alone: each verdict carries a symbol and words.
      expect(await page.locator('#verify-overall .verdict .badge').textContent()).toMatch(/^✔ \S/);

      await pick(page, 'tampered.pdf', tampered);
      await page.waitForSelector('#verify-overall[data-valid="false"]');
      const serverView = (
        await service.json('/verify', { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: Buffer.from(tampered) })
      ).body.entities[0];
      const change = serverView.signatures[0].changes[0] as string;
      expect(change).toBeTruthy();
      const tamperedText = await page.textContent('#verify-results');
      expect(tamperedText).toContain('盖章后文件被改动');
      expect(tamperedText).toContain(change);
      expect(await page.locator('#verify-overall .verdict .badge').textContent()).toMatch(/^✖ /);

      await pick(page, 'notes.txt', new TextEncoder().encode('not a pdf at all'), 'text/plain');
      await page.waitForSelector('[role="alert"]');
      expect(await page.textContent('[role="alert"]')).toContain('这不是可读的 PDF 文件');
      expect(requests).toEqual([]);
    } finally {
      await context.setOffline(false);
    }
    // Laid out for a phone: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await page.close();
  });

  it('downloads the report as a PDF, and speaks English on request', async () => {
    const page = await open(`${service.url}/verify?lang=en`);
    expect(await page.textContent('h1')).toBe('Verify a sealed document');
    await pick(page, 'certificate.pdf', genuine);
    await page.waitForSelector('#verify-download');
    expect(await page.textContent('#verify-results')).toContain('Genuine');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#verify-download')]);
    const file = await download.path();
    const bytes = (await import('node:fs')).readFileSync(file!);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    await page.close();
  });

  it('sends the file to the server only when asked', async () => {
    const page = await open(`${service.url}/verify`);
    await page.check('#verify-server');
    const uploaded = page.waitForRequest((request) => request.method() === 'POST' && new URL(request.url()).pathname === '/verify');
    await pick(page, 'certificate.pdf', genuine);
    await uploaded;
    await page.waitForSelector('#verify-overall[data-valid="true"]');
    expect(await page.textContent('#verify-status')).toContain('服务器');
    await page.close();
  });

  it('on the page of the scanned code, says whether a copy is identical, an older revision, or differs', async () => {
    expect(codeUrl).toMatch(/\/v\/[0-9A-Z]{24}$/);
    const page = await open(codeUrl);
    expect(await page.textContent('#registered')).toContain('已盖 2 / 2 个印章');
    const compare = async (name: string, bytes: Uint8Array) => {
      await page.evaluate(() => document.getElementById('verify-comparison')?.remove());
      await pick(page, name, bytes);
      await page.waitForSelector('#verify-comparison');
      return { result: await page.getAttribute('#verify-comparison', 'data-result'), text: await page.textContent('#verify-comparison') };
    };
    expect(await compare('paper.pdf', genuine)).toMatchObject({ result: 'identical', text: expect.stringContaining('完全一致') });
    expect(await compare('old.pdf', older)).toMatchObject({ result: 'older', text: expect.stringContaining('较早版本') });
    const differs = await compare('copy.pdf', tampered);
    expect(differs.result).toBe('differs');
    expect(differs.text).toContain('第 3 版之后被改动');
    await page.close();
  });

  it('answers hostile PDFs with a clear message and never freezes the page', async () => {
    const page = await open(`${service.url}/verify`);
    for (const [name, bytes] of [
      ['bomb.pdf', flateBomb(1)],
      ['eof.pdf', HOSTILE_INPUTS.manyEofMarkers()],
      ['deep.pdf', HOSTILE_INPUTS.deepNesting()],
      ['loop.pdf', HOSTILE_INPUTS.prevLoop()],
    ] as const) {
      await page.evaluate(() => document.getElementById('verify-results')!.replaceChildren());
      await pick(page, name, bytes);
      // The page's own thread stays free while the worker struggles.
      const started = Date.now();
      expect(await page.evaluate(() => 1 + 1)).toBe(2);
      expect(Date.now() - started).toBeLessThan(1000);
      await page.waitForSelector('#verify-results [role="alert"], #verify-overall', { timeout: 30_000 });
      const text = (await page.textContent('#verify-results'))!;
      expect(text, name).toMatch(/✖|⚠/);
    }
    await page.close();
  }, 150_000);
});
