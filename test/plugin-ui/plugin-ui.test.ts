// The <infoplus-signature> web component in real Chromium against the real service: the demo flow,
// permissions, live updates, in-browser verification, reconnection, cross-origin use.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PDFDocument, StandardFonts, rgb } from '@cantoo/pdf-lib';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';

const SCREENSHOTS = path.resolve('test-output/screenshots');

describe('<infoplus-signature> in Chromium', () => {
  let service: TestService;
  let browser: Browser;
  let foreign: http.Server;
  let foreignOrigin: string;
  let foreignPage = '';

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    // Another origin, as an engine's form page would be.
    foreign = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(foreignPage));
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    foreignOrigin = `http://localhost:${(foreign.address() as AddressInfo).port}`;
    service = await startTestService({
      DEMO: 'true',
      DEMO_DATA: 'true',
      OFFICE_START: 'eager',
      OFFICE_WORKERS: '1',
      CORS_ORIGINS: foreignOrigin,
    });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    foreign?.close();
  });

  async function demoPage(account: string, reset = false): Promise<{ page: Page; signatureId: string; ticket: string }> {
    const page = await browser.newPage({ viewport: { width: 1000, height: 1000 }, locale: 'zh-CN' });
    // Record the controls' events and every progress text they show (polled: it is brief).
    await page.addInitScript(() => {
      const w = window as unknown as { events: Array<{ type: string; id: string; index?: number; code?: string }>; progress: string[] };
      w.events = [];
      w.progress = [];
      for (const type of ['signature-change', 'seal-signed', 'seal-removed', 'verify-result', 'error']) {
        document.addEventListener(type, (event) =>
          w.events.push({
            type,
            id: (event.target as HTMLElement).id,
            index: (event as CustomEvent).detail?.index,
            code: (event as CustomEvent).detail?.code,
          }),
        );
      }
      setInterval(() => {
        for (const el of Array.from(document.querySelectorAll('infoplus-signature')) as Array<HTMLElement & { progress?: string }>) {
          if (el.progress && w.progress.at(-1) !== el.progress) w.progress.push(el.progress);
        }
      }, 5);
    });
    // The demo "logs in" as the account remembered in localStorage (set before its script runs).
    await page.addInitScript((a) => localStorage.setItem('infoplus-demo-account', a), account);
    await page.goto(`${service.url}/demo`);
    await page.waitForFunction((a) => (document.getElementById('user') as HTMLSelectElement).value === a, account);
    const controlReady = () =>
      page.waitForFunction(() => {
        const el = document.getElementById('applicant') as HTMLElement & { signature?: { id: string } | null };
        return Boolean(
          el.signature && el.signature.id === el.getAttribute('signature-id') && el.shadowRoot?.querySelector('[data-index="0"]'),
        );
      });
    await controlReady();
    if (reset) {
      const before = await page.locator('#applicant').getAttribute('signature-id');
      await page.locator('#reset').click();
      await page.waitForFunction((id) => document.getElementById('applicant')!.getAttribute('signature-id') !== id, before);
      await controlReady();
    }
    const { signatureId, ticket } = await page.evaluate(() => {
      const el = document.getElementById('applicant')!;
      return { signatureId: el.getAttribute('signature-id')!, ticket: el.getAttribute('ticket')! };
    });
    return { page, signatureId, ticket };
  }

  const sealState = (page: Page, control: string) => page.locator(`#${control} section.seal`).getAttribute('data-state');
  const events = (page: Page) =>
    page.evaluate(() => (window as unknown as { events: Array<{ type: string; id: string; index?: number; code?: string }> }).events);

  it('tells the clerk in words which form field stops the document from being made', async () => {
    const { page } = await demoPage('zhangsan', true);
    await page.evaluate(() => document.getElementById('applicant')!.setAttribute('mode', 'redirect'));
    await page.locator('input[name=days]').fill('');
    await page.locator('#applicant button.stamp').click();
    await page.waitForSelector('#applicant [part="status"]');
    expect(await page.locator('#applicant [part="status"]').textContent()).toBe('表单填写不完整或格式不对，请检查：天数。');
    expect(await events(page)).toContainEqual(expect.objectContaining({ type: 'error', id: 'applicant', code: 'TEMPLATE_DATA_INVALID' }));
    expect(page.url()).toBe(`${service.url}/demo`);
    expect(await sealState(page, 'applicant')).toBe('unsigned');
    await page.close();
  });

  it('stamps through the signing page: unsigned → signed over ws, verified in the browser', async () => {
    const { page, signatureId } = await demoPage('zhangsan', true);
    expect(await sealState(page, 'applicant')).toBe('unsigned');
    await expect.poll(() => page.locator('#college section').textContent()).toContain('等待 王五 盖章');
    expect(await page.locator('#college button.stamp').count()).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'unsigned.png'), fullPage: true });
    // Another tab on the same form, as the college's dean: his seal is offered to him, not the applicant's.
    const { page: otherTab } = await demoPage('wangwu');
    await otherTab.waitForSelector('#college button.stamp');
    expect(await otherTab.locator('#applicant button.stamp').count()).toBe(0);
    expect(await otherTab.locator('#applicant section').textContent()).toContain('等待 张三 盖章');

    // Keyboard: focus the stamp action and press Enter; the signing page opens in a popup.
    const stampButton = page.locator('#applicant button.stamp');
    await stampButton.focus();
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.keyboard.press('Enter')]);
    await popup.waitForSelector('#sign-form:not([hidden])', { timeout: 30_000 });
    await popup.locator('input[name=comment]').fill('本人申请，情况属实');
    await popup.locator('#sign-form button[type=submit]').click();

    await page.waitForSelector('#applicant section[data-state="signed"]', { timeout: 30_000 });
    expect(await page.locator('#applicant section').textContent()).toContain('本人申请，情况属实');
    // The document was generated on that first click, with progress shown; the seal arrived live.
    expect(await page.evaluate(() => (window as unknown as { progress: string[] }).progress)).toContain('排队生成文件…');
    expect(await events(page)).toContainEqual({ type: 'seal-signed', id: 'applicant', index: 0 });
    // The keyboard focus, on the stamp button that is gone now, moved to the signed seal.
    expect(await page.evaluate(() => document.getElementById('applicant')!.shadowRoot!.activeElement?.getAttribute('data-state'))).toBe(
      'signed',
    );
    // …in the other tab as well, without a reload.
    await otherTab.waitForSelector('#applicant section[data-state="signed"]', { timeout: 15_000 });
    expect(await otherTab.locator('#applicant button.danger').count()).toBe(0);
    await otherTab.close();
    const verdict = await page.evaluate(() => (document.getElementById('applicant') as any).verify());
    expect(verdict).toMatchObject({ valid: true, seals: [{ index: 0, valid: true, intact: true, modifiedAfterSigning: false }] });
    expect(verdict.seals[0].signer).toContain('张三');
    await page.waitForSelector('#applicant [data-valid="true"]');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'signed.png'), fullPage: true });

    const s1 = (await service.json(`/signature/${signatureId}`)).body.entities[0];
    expect(s1.seals[0]).toMatchObject({ state: 'signed', comment: '本人申请，情况属实' });
    await page.close();
  });

  it('offers no stamp action to a user without permission, and the service refuses a forged call', async () => {
    const { page, signatureId, ticket } = await demoPage('lisi');
    await page.waitForSelector('#college section[data-state="unsigned"]');
    expect(await page.locator('#college button.stamp').count()).toBe(0);
    expect(await page.locator('#college section').textContent()).toContain('等待 王五 盖章');
    const collegeSeal = (await service.json('/seals')).body.entities.find((s: any) => s.name === '计算机科学与技术学院公章');
    const forged = await page.evaluate(
      async ([id, t, sealId]) => {
        const response = await fetch(`/sign/${id}/seals/2`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ticket: t, sealId, version: 0 }),
        });
        return { status: response.status, body: await response.json() };
      },
      [signatureId, ticket, collegeSeal.id],
    );
    expect(forged.status).toBe(403);
    expect(['SIGNER_NOT_ALLOWED', 'SIGNER_MISMATCH']).toContain(forged.body.ecode);
    await page.close();
  });

  it('shows a tampered PDF as modified when verified in the browser', async () => {
    const { page, signatureId } = await demoPage('zhangsan');
    await page.waitForSelector('#applicant section[data-state="signed"]');
    const current = (await service.json(`/signature/${signatureId}`)).body.entities[0];
    const pdf = new Uint8Array(await (await service.api(new URL(current.uri).pathname)).arrayBuffer());
    const doc = await PDFDocument.load(pdf, { forIncrementalUpdate: true, updateMetadata: false });
    doc
      .getPage(0)
      .drawText('APPROVED 30 DAYS', { x: 150, y: 420, size: 28, color: rgb(1, 0, 0), font: await doc.embedFont(StandardFonts.Helvetica) });
    const tampered = (await uploadFile(service, await doc.commit({ useObjectStreams: false }), 'tampered.pdf')).body.entities[0];
    expect((await service.json(`/signature/${signatureId}`, jsonInit('POST', { uri: tampered.uri }))).status).toBe(200);
    await page.waitForFunction((uri) => (document.getElementById('applicant') as any).signature?.uri === uri, tampered.uri);
    const verdict = await page.evaluate(() => (document.getElementById('applicant') as any).verify());
    expect(verdict.valid).toBe(false);
    expect(verdict.seals[0]).toMatchObject({ intact: true, modifiedAfterSigning: true, valid: false });
    expect(await page.locator('#applicant [data-valid]').getAttribute('data-valid')).toBe('false');
    expect(await page.locator('#applicant section').textContent()).toContain('签名后文件被修改');
    // Put the genuine revision back for the next tests.
    await service.json(`/signature/${signatureId}`, jsonInit('POST', { uri: current.uri }));
    await page.close();
  });

  it('reconnects after the socket drops and catches up on what it missed', async () => {
    const { page, signatureId } = await demoPage('zhangsan');
    await page.waitForFunction(() => (document.getElementById('applicant') as any).connected === true);
    // The server drops every socket; a change lands while the control is disconnected.
    const wss = (service.hub as unknown as { wss: { clients: Set<{ terminate(): void }> } }).wss;
    for (const client of wss.clients) client.terminate();
    await page.waitForFunction(() => (document.getElementById('applicant') as any).connected === false);
    await service.json(
      `/signature/${signatureId}`,
      jsonInit('POST', { seals: [{ index: 0, description: '已补充材料（断线期间的修改）' }] }),
    );
    await page.waitForFunction(
      () => (document.getElementById('applicant') as any).signature?.seals[0].description === '已补充材料（断线期间的修改）',
      null,
      { timeout: 15_000 },
    );
    await page.waitForFunction(() => (document.getElementById('applicant') as any).connected === true, null, { timeout: 15_000 });
    await page.close();
  });

  it('stamps the college seal in redirect mode and comes back; the demo verifies both seals', async () => {
    const { page, signatureId } = await demoPage('wangwu');
    await page.waitForSelector('#college button.stamp');
    await page.evaluate(() => document.getElementById('college')!.setAttribute('mode', 'redirect'));
    await Promise.all([page.waitForURL(/\/sign\/[0-9a-f-]{36}\?.*return=/), page.locator('#college button.stamp').click()]);
    await page.waitForSelector('#sign-form:not([hidden])');
    await page.locator('label.seal', { hasText: '计算机科学与技术学院公章' }).locator('input').check();
    await Promise.all([
      page.waitForURL(`${service.url}/demo`, { timeout: 15_000 }),
      page.locator('#sign-form button[type=submit]').click(),
    ]);
    await page.waitForSelector('#college section[data-state="signed"]');
    expect(await page.locator('#college section').textContent()).toContain('计算机科学与技术学院公章');
    // The college's seal is now the most recent: only its applier may remove it.
    expect(await page.locator('#college button.danger').count()).toBe(1);

    await page.locator('#verify').click();
    await page.waitForSelector('#verify-result[data-valid="true"]', { timeout: 15_000 });
    expect(await page.locator('#verify-result').textContent()).toMatch(/全部签名有效。#1 .*有效.*#3 .*有效/);
    expect(await page.locator('#applicant [data-valid]').getAttribute('data-valid')).toBe('true');
    expect(await page.locator('#college [data-valid]').getAttribute('data-valid')).toBe('true');
    const server = (await service.json(`/signature/${signatureId}/verify`)).body.entities[0];
    expect(server).toMatchObject({ valid: true, signatureCount: 2 });
    await page.close();
  });

  it('removes the most recent seal for its applier only, live in the other views', async () => {
    const { page: applicant } = await demoPage('zhangsan');
    await applicant.waitForSelector('#college section[data-state="signed"]');
    expect(await applicant.locator('#applicant button.danger').count()).toBe(0); // not the most recent seal
    expect(await applicant.locator('#college button.danger').count()).toBe(0); // not his seal
    const { page } = await demoPage('wangwu');
    await page.waitForSelector('#college button.danger');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('#college button.danger').click();
    await page.waitForSelector('#college section[data-state="unsigned"] button.stamp');
    expect(await events(page)).toContainEqual({ type: 'seal-removed', id: 'college', index: 2 });
    await applicant.waitForSelector('#college section[data-state="unsigned"]');
    // Now the applicant's seal is the most recent again, so he may remove it.
    await applicant.waitForSelector('#applicant button.danger');
    await Promise.all([page.close(), applicant.close()]);
  });

  it('creates the document on first click from a template and the form data (create-url), then opens the signing page', async () => {
    const page = await browser.newPage({ viewport: { width: 800, height: 800 } });
    await page.goto(`${service.url}/demo`);
    const sample = JSON.parse(fs.readFileSync('templates/enrolment-certificate.sample.json', 'utf8'));
    await page.evaluate((data) => {
      const el = document.createElement('infoplus-signature') as HTMLElement & { data: unknown };
      el.id = 'fresh';
      el.setAttribute('template', 'enrolment-certificate');
      el.setAttribute('create-url', '/demo/create');
      el.setAttribute('seal', '0');
      el.data = data;
      document.body.append(el);
    }, sample);
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.locator('#fresh button.stamp').click()]);
    await popup.waitForURL(/\/sign\/[0-9a-f-]{36}\?/, { timeout: 30_000 });
    const id = await page.evaluate(() => (document.getElementById('fresh') as any).signatureId as string);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await page.waitForSelector('#fresh section[data-state="unsigned"]');
    const created = (await service.json(`/signature/${id}`)).body.entities[0];
    expect(created).toMatchObject({ template: 'enrolment-certificate', uri: expect.stringContaining('/file/') });
    await page.close();
  });

  it('works cross-origin on an engine page when that origin is allowed, and fits 320 px', async () => {
    const signature = (
      await service.json(
        '/signature',
        jsonInit('POST', {
          template: 'enrolment-certificate',
          data: JSON.parse(fs.readFileSync('templates/enrolment-certificate.sample.json', 'utf8')),
        }),
      )
    ).body.entities[0];
    const ticket = (await service.json(`/signature/${signature.id}/tickets`, jsonInit('POST', { account: 'zhaoliu', name: '赵六' }))).body
      .entities[0].ticket;
    foreignPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
      <script type="module" src="${service.url}/plugin-ui/infoplus-signature.js"></script></head>
      <body><infoplus-signature id="el" service="${service.url}" signature-id="${signature.id}" ticket="${ticket}" locale="en"></infoplus-signature></body></html>`;
    const page = await browser.newPage({ viewport: { width: 320, height: 700 } });
    const events: string[] = [];
    await page.exposeFunction('recordEvent', (type: string) => events.push(type));
    await page.addInitScript(() => document.addEventListener('signature-change', () => (window as any).recordEvent('signature-change')));
    await page.goto(foreignOrigin);
    await page.waitForSelector('#el section[data-state="unsigned"]', { timeout: 15_000 });
    expect(await page.locator('#el button.stamp').textContent()).toBe('Click to stamp');
    await page.waitForFunction(() => (document.getElementById('el') as any).connected === true, null, { timeout: 15_000 });
    expect(events).toContain('signature-change');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'cross-origin-320px.png'), fullPage: true });

    // The whole flow from the foreign page: signing page in a popup, the stamp arriving over a
    // cross-origin ws, verification (PDF download and server verdict over CORS), removal (a preflighted DELETE).
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.locator('#el button.stamp').click()]);
    await popup.waitForSelector('#sign-form:not([hidden])', { timeout: 30_000 });
    await popup.locator('label.seal', { hasText: '示范大学公章' }).locator('input').check();
    await popup.locator('#sign-form button[type=submit]').click();
    await page.waitForSelector('#el section[data-state="signed"]', { timeout: 30_000 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    const verdict = await page.evaluate(() => (document.getElementById('el') as any).verify());
    expect(verdict).toMatchObject({ valid: true, seals: [{ index: 0, valid: true, trusted: true, certificateMatches: true }] });
    expect(await page.locator('#el [part="verdict"]').textContent()).toContain('Signature valid · Certificate trusted');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'cross-origin-320px-signed.png'), fullPage: true });
    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('#el button.danger').click();
    await page.waitForSelector('#el section[data-state="unsigned"] button.stamp');
    expect((await service.json(`/signature/${signature.id}`)).body.entities[0].state).toBe('unsigned');
    await page.close();
  });
});
