import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { docxOf, sofficePdf } from '../helpers/office.js';
import { type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';
import { subscribe } from '../helpers/ws.js';

describe('tickets out of URLs, scopes, seal binding and revocation', () => {
  let service: TestService;
  let pdfId: string;
  let personal: string;

  beforeAll(async () => {
    service = await startTestService({ DEMO_DATA: 'true' });
    pdfId = (await uploadFile(service, sofficePdf(docxOf(['票据测试', '【签名】'])), 'a.pdf')).body.entities[0].id;
    personal = (await service.json('/seals')).body.entities.find((seal: any) => seal.name === '张三').id;
  });
  afterAll(() => service.stop());

  const newSignature = async () =>
    (
      await service.json(
        '/signature',
        jsonInit('POST', {
          file: pdfId,
          seals: [{ signer: { account: 'zhangsan' } }, { signer: { account: 'zhangsan' }, x: 100, y: 100, page: 1 }],
        }),
      )
    ).body.entities[0];
  const issue = async (id: string, extra: object = {}) =>
    (await service.json(`/signature/${id}/tickets`, jsonInit('POST', { account: 'zhangsan', name: '张三', ...extra }))).body;
  const asUser = (ticket: string) => ({ auth: false, headers: { 'x-infoplus-ticket': ticket } });

  it('exchanges the ticket of the first page load for an HttpOnly, SameSite=Strict cookie scoped to the signature; the page carries no ticket', async () => {
    const signature = await newSignature();
    const { ticket } = (await issue(signature.id)).entities[0];
    const page = await service.api(`/sign/${signature.id}?seal=0&ticket=${encodeURIComponent(ticket)}`, { auth: false });
    expect(page.status).toBe(200);
    const cookie = page.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^ips_ticket=[^;]+; Path=/sign/${signature.id}; Max-Age=\\d+; HttpOnly; SameSite=Strict`));
    expect(Number(/Max-Age=(\d+)/.exec(cookie)![1])).toBeLessThanOrEqual(1800);
    const html = await page.text();
    expect(html).not.toContain(ticket);
    expect(html).not.toContain('ticket=');

    const jar = { cookie: cookie.split(';')[0] };
    const preview = /<img src="([^"]+preview[^"]+)"/.exec(html)![1].replaceAll('&amp;', '&');
    expect((await service.api(preview, { auth: false, headers: jar })).status).toBe(200);
    const sha256 = /data-sha256="([0-9a-f]{64})"/.exec(html)![1];
    const stamped = await service.json(
      `/sign/${signature.id}/seals/0`,
      jsonInit('POST', { sealId: personal, sha256 }, { auth: false, headers: jar }),
    );
    expect(stamped.status, JSON.stringify(stamped.body)).toBe(200);
    // The cookie is honoured by the signing routes only.
    expect((await service.json(`/signature/${signature.id}`, { auth: false, headers: jar })).status).toBe(401);
  });

  it('refuses a ticket in any other URL (400 TICKET_IN_URL)', async () => {
    const signature = await newSignature();
    const { ticket } = (await issue(signature.id)).entities[0];
    for (const path of [`/signature/${signature.id}`, `/sign/${signature.id}/preview?seal=0`, `/file/${pdfId}`]) {
      const answer = await service.json(`${path}${path.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(ticket)}`, { auth: false });
      expect(answer, path).toMatchObject({ status: 400, body: { ecode: 'TICKET_IN_URL' } });
    }
  });

  it('separates read and stamp scopes, and binds a stamp ticket to one seal', async () => {
    const signature = await newSignature();
    const read = (await issue(signature.id, { scopes: ['read'] })).entities[0];
    expect(read.scopes).toEqual(['read']);
    expect((await service.json(`/signature/${signature.id}`, asUser(read.ticket))).status).toBe(200);
    expect((await service.api(`/sign/${signature.id}?seal=0&ticket=${encodeURIComponent(read.ticket)}`, { auth: false })).status).toBe(403);
    expect(
      await service.json(
        `/sign/${signature.id}/seals/0`,
        jsonInit('POST', { sealId: personal, version: signature.version }, asUser(read.ticket)),
      ),
    ).toMatchObject({ status: 403, body: { ecode: 'TICKET_SCOPE' } });

    const bound = (await issue(signature.id, { scopes: ['stamp'], seal: 1 })).entities[0];
    expect(bound).toMatchObject({ scopes: ['read', 'stamp'], seal: 1 });
    expect(
      await service.json(
        `/sign/${signature.id}/seals/0`,
        jsonInit('POST', { sealId: personal, version: signature.version }, asUser(bound.ticket)),
      ),
    ).toMatchObject({ status: 403, body: { ecode: 'TICKET_SCOPE' } });
    expect((await service.api(`/sign/${signature.id}?seal=0&ticket=${encodeURIComponent(bound.ticket)}`, { auth: false })).status).toBe(
      403,
    );
    const ok = await service.json(
      `/sign/${signature.id}/seals/1`,
      jsonInit('POST', { sealId: personal, version: signature.version }, asUser(bound.ticket)),
    );
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);

    expect(
      (await service.json(`/signature/${signature.id}/tickets`, jsonInit('POST', { account: 'x', scopes: ['read'], seal: 0 }))).status,
    ).toBe(400);
  });

  it('revokes a ticket by its jti: HTTP refuses it and its live-push socket is closed', async () => {
    const signature = await newSignature();
    const { ticket, jti } = (await issue(signature.id)).entities[0];
    expect(jti).toMatch(/^[0-9a-f-]{36}$/);
    const events = await subscribe(
      `${service.url.replace('http', 'ws')}/signature/${signature.id}/events?ticket=${encodeURIComponent(ticket)}`,
    );
    const closed = new Promise<number>((resolve) => events.ws.once('close', (code: number) => resolve(code)));
    expect((await service.json(`/signature/${signature.id}/tickets/${jti}`, { method: 'DELETE', auth: false })).status).toBe(401);
    expect((await service.json(`/signature/${signature.id}/tickets/${jti}`, { method: 'DELETE' })).status).toBe(200);
    expect(await closed).toBe(4003);
    expect(await service.json(`/signature/${signature.id}`, asUser(ticket))).toMatchObject({
      status: 401,
      body: { ecode: 'TICKET_REVOKED' },
    });
    const other = (await issue(signature.id)).entities[0];
    expect((await service.json(`/signature/${signature.id}`, asUser(other.ticket))).status).toBe(200);
  });

  it('caps ticket lifetimes at one day', async () => {
    expect(() => loadConfig({ TICKET_TTL: String(2 * 86_400) })).toThrow(/TICKET_TTL/);
    const signature = await newSignature();
    const short = (await issue(signature.id, { ttl: 60 })).entities[0];
    expect(new Date(short.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(61_000);
    expect((await service.json(`/signature/${signature.id}/tickets`, jsonInit('POST', { account: 'x', ttl: 2 * 86_400 }))).status).toBe(
      400,
    );
  });
});
