import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';
import { OFFICE, approvalForm } from './fixtures.js';

describe('the batch signing page in Chromium, keyboard only', () => {
  let service: TestService;
  let browser: Browser;
  beforeAll(async () => {
    service = await startTestService({ DEMO_DATA: 'true' });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await service.stop();
  });

  it('previews a document, chooses the seal, comments, confirms once with the keyboard and shows live progress', async () => {
    const fileId = (await uploadFile(service, await approvalForm('Keyboard batch'), 'form.pdf')).body.entities[0].id;
    const items = [];
    for (let i = 0; i < 3; i++) {
      const signature = (
        await service.json(
          '/signature',
          jsonInit('POST', {
            file: fileId,
            name: `application-${i}.pdf`,
            seals: [{ placeHolder: OFFICE, permission: { sealTypes: ['公章'] } }],
          }),
        )
      ).body.entities[0];
      items.push({ signatureId: signature.id, sealIndex: 0 });
    }
    const forbidden = (
      await service.json(
        '/signature',
        jsonInit('POST', {
          file: fileId,
          name: 'not-yours.pdf',
          seals: [{ placeHolder: OFFICE, signer: { account: 'chenqi', name: '陈七' } }],
        }),
      )
    ).body.entities[0];
    items.push({ signatureId: forbidden.id, sealIndex: 0 });
    const batch = (await service.json('/batches', jsonInit('POST', { account: 'zhaoliu', name: '赵六', items }))).body.entities[0];

    const page = await browser.newPage();
    await page.goto(`${batch.url}&lang=en`);
    expect(page.url()).not.toContain('ticket=');
    expect(await page.textContent('.blocked')).toContain('SIGNER_MISMATCH');
    const focused = () =>
      page.evaluate(() => {
        const element = document.activeElement as HTMLElement | null;
        return element
          ? `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}${element.getAttribute('name') ? `[${element.getAttribute('name')}]` : ''}${element.className ? `.${element.className}` : ''}`
          : '';
      });
    const tabTo = async (target: string) => {
      for (let i = 0; i < 30; i++) {
        await page.keyboard.press('Tab');
        if ((await focused()).includes(target)) return;
      }
      throw new Error(`Tab never reached ${target}; last ${await focused()}`);
    };

    await tabTo('input[sealId]');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).checked)).toBe(true);
    await tabTo('input[comment]');
    await page.keyboard.type('Approved');
    await tabTo('button#confirm');
    // Preview on demand: the first row's button, reached by Shift+Tab never needed — Tab on past the form.
    await tabTo('preview-toggle');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => {
      const image = document.querySelector('img.preview:not([hidden])') as HTMLImageElement | null;
      return Boolean(image && image.complete && image.naturalWidth > 0);
    });
    await page.keyboard.press('Shift+Tab');
    expect(await focused()).toContain('button#confirm');
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
    expect(await page.$$eval('tr[data-state="stamped"]', (rows) => rows.length)).toBe(3);
    expect(await page.textContent('#progress')).toContain('3 stamped');
    for (const item of items.slice(0, 3)) {
      const signature = (await service.json(`/signature/${item.signatureId}`)).body.entities[0];
      expect(signature.seals[0]).toMatchObject({ state: 'signed', comment: 'Approved', sealName: '示范大学公章' });
    }
  });
});
