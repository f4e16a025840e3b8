// A B-LTA file verified by the public verification page in Chromium with every request blocked once
// the page has loaded: the signature's revocation is judged from the file's DSS alone (REVOCATION_GOOD).
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestService } from '../helpers/service.js';
import { createSeal, currentPdf, type ServiceWithTsa, stampNew, startWithTsa } from './stamp.js';

describe('a B-LTA file in the browser, offline', () => {
  let running: ServiceWithTsa;
  let service: TestService;
  let browser: Browser;
  let pdf: Uint8Array;

  beforeAll(async () => {
    running = await startWithTsa({ LTV: 'true', LTV_RENEWAL_HORIZON_DAYS: '60', LTV_RENEWAL_INTERVAL_MS: '3600000' });
    service = running.service;
    const seal = await createSeal(service, '离线验证章');
    const { signature } = await stampNew(service, seal.id);
    // Renewed once: a seal, its DSS, and two document timestamps.
    expect((await service.archives!.runOnce()).get(signature.id)).toBe('renewed');
    pdf = await currentPdf(service, signature.id);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  it(
    'is valid, its certificate not revoked according to the embedded OCSP answer, with no request made',
    { timeout: 180_000 },
    async () => {
      const context = await browser.newContext({ locale: 'zh-CN' });
      const page = await context.newPage();
      const verifierLoaded = page.waitForResponse(
        (response) => response.url().endsWith('/plugin-ui/infoplus-signature-verifier.js') && response.ok(),
      );
      await page.goto(`${service.url}/verify`);
      await page.waitForSelector('html[data-ready="true"]');
      await verifierLoaded;

      // From here on nothing leaves the page: every request is recorded and refused.
      const requests: string[] = [];
      await context.route('**/*', (route) => {
        requests.push(route.request().url());
        return route.abort();
      });
      await context.setOffline(true);
      await page.setInputFiles('#verify-file', { name: 'archived.pdf', mimeType: 'application/pdf', buffer: Buffer.from(pdf) });
      await page.waitForSelector('#verify-overall', { timeout: 120_000 });
      expect(await page.getAttribute('#verify-overall', 'data-valid')).toBe('true');
      const text = (await page.textContent('#verify-results')) ?? '';
      // The seal (印章 1) is judged from the DSS; the document timestamps after it follow.
      const seal = text.slice(text.indexOf('印章 1'), text.indexOf('印章 2'));
      expect(seal).toContain('(REVOCATION_GOOD)');
      expect(seal).not.toContain('未检查吊销状态');
      expect(text.match(/Test TSA ✔ 有效且可信/g)).toHaveLength(2);
      expect(requests).toEqual([]);
      await context.close();
    },
  );
});
