import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';
import { docxOf, sofficePdf } from '../helpers/office.js';

describe('rate limits and resource caps', () => {
  let service: TestService;
  let signatureId: string;
  const ticketFor = async (account: string) => (await service.json(`/signature/${signatureId}/tickets`, jsonInit('POST', { account }))).body.entities[0].ticket as string;

  beforeAll(async () => {
    service = await startTestService({
      RATE_LIMIT_TICKET: '10/60',
      RATE_LIMIT_ANONYMOUS: '5/60',
      RATE_LIMIT_VERIFY: '3/60',
      WS_PER_TICKET: '2',
      MAX_CONNECTIONS: '500',
    });
    const pdf = (await uploadFile(service, sofficePdf(docxOf(['限流测试'])), 'a.pdf')).body.entities[0];
    signatureId = (await service.json('/signature', jsonInit('POST', { file: pdf.id }))).body.entities[0].id;
  });
  afterAll(() => service.stop());

  it('a ticket flood hits 429 with Retry-After (header and envelope); the engine and other tickets are unaffected', async () => {
    const ticket = await ticketFor('mallory');
    const flood = await Promise.all(Array.from({ length: 30 }, () => service.json(`/signature/${signatureId}`, { auth: false, headers: { 'x-infoplus-ticket': ticket } })));
    expect(flood.filter((r) => r.status === 200)).toHaveLength(10);
    const limited = flood.filter((r) => r.status === 429);
    expect(limited).toHaveLength(20);
    expect(limited[0].body).toMatchObject({ errno: 429, ecode: 'RATE_LIMITED', entities: [{ bucket: 'ticket', retryAfter: expect.any(Number) }] });
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThan(0);

    expect((await service.json(`/signature/${signatureId}`)).status).toBe(200);
    const other = await ticketFor('alice');
    expect((await service.json(`/signature/${signatureId}`, { auth: false, headers: { 'x-infoplus-ticket': other } })).status).toBe(200);
  });

  it('limits anonymous requests per IP, but never /healthz', async () => {
    const anonymous = await Promise.all(Array.from({ length: 8 }, () => service.api('/ca.pem', { auth: false })));
    expect(anonymous.filter((r) => r.status === 200)).toHaveLength(5);
    expect(anonymous.filter((r) => r.status === 429)).toHaveLength(3);
    const health = await Promise.all(Array.from({ length: 20 }, () => service.api('/healthz', { auth: false })));
    expect(health.every((r) => r.status === 200)).toBe(true);
  });

  it('gives POST /verify its own per-client budget', async () => {
    const verify = () => service.json('/verify', { method: 'POST', body: Buffer.from('%PDF-1.7 not really'), headers: { 'content-type': 'application/pdf' } });
    const answers = [await verify(), await verify(), await verify(), await verify()];
    expect(answers.slice(0, 3).every((r) => r.status !== 429)).toBe(true);
    expect(answers[3]).toMatchObject({ status: 429, body: { ecode: 'RATE_LIMITED', entities: [{ bucket: 'verify' }] } });
    expect((await service.json('/seals')).status).toBe(200);
  });

  it('caps live-push sockets per ticket', async () => {
    const ticket = await ticketFor('bob');
    const url = `${service.url.replace('http', 'ws')}/signature/${signatureId}/events?ticket=${encodeURIComponent(ticket)}`;
    const open = (): Promise<WebSocket | number> =>
      new Promise((resolve) => {
        const ws = new WebSocket(url);
        ws.once('open', () => resolve(ws));
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', () => undefined);
      });
    const first = await open();
    const second = await open();
    expect(first).toBeInstanceOf(WebSocket);
    expect(second).toBeInstanceOf(WebSocket);
    expect(await open()).toBe(429);
    (first as WebSocket).close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const again = await open();
    expect(again).toBeInstanceOf(WebSocket);
    (second as WebSocket).close();
    (again as WebSocket).close();
  });

  it('sets connection limits and timeouts deliberately', () => {
    expect(service.server.maxConnections).toBe(500);
    expect(service.server.keepAliveTimeout).toBe(65_000);
    expect(service.server.headersTimeout).toBe(30_000);
  });
});
