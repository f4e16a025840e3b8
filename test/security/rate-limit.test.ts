import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';
import fs from 'node:fs';
import path from 'node:path';
import { PagePreviewer } from '../../src/stamping/preview.js';
import { answerOf } from '../helpers/errors.js';
import { docxOf, sofficePdf } from '../helpers/office.js';

describe('rate limits and resource caps', () => {
  let service: TestService;
  let signatureId: string;
  const ticketFor = async (account: string) =>
    (await service.json(`/signature/${signatureId}/tickets`, jsonInit('POST', { account }))).body.entities[0].ticket as string;

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
    const flood = await Promise.all(
      Array.from({ length: 30 }, () =>
        service.json(`/signature/${signatureId}`, { auth: false, headers: { 'x-infoplus-ticket': ticket } }),
      ),
    );
    expect(flood.filter((r) => r.status === 200)).toHaveLength(10);
    const limited = flood.filter((r) => r.status === 429);
    expect(limited).toHaveLength(20);
    expect(limited[0].body).toMatchObject({
      errno: 429,
      ecode: 'RATE_LIMITED',
      entities: [{ bucket: 'ticket', retryAfter: expect.any(Number) }],
    });
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
    const verify = () =>
      service.json('/verify', { method: 'POST', body: Buffer.from('%PDF-1.7 not really'), headers: { 'content-type': 'application/pdf' } });
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

  it('lets one ticket have one document generation at a time (429 CONVERSIONS_PER_TICKET)', async () => {
    const pending = (await service.json('/signature', jsonInit('POST', { template: 'enrolment-certificate', generate: false }))).body
      .entities[0];
    const ticket = (await service.json(`/signature/${pending.id}/tickets`, jsonInit('POST', { account: 'carol' }))).body.entities[0].ticket;
    const sample = JSON.parse(fs.readFileSync(path.resolve('templates/enrolment-certificate.sample.json'), 'utf8'));
    const generate = () =>
      service.json(
        `/signature/${pending.id}/document`,
        jsonInit('POST', { data: sample }, { auth: false, headers: { 'x-infoplus-ticket': ticket } }),
      );
    const [first, second] = await Promise.all([generate(), generate()]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([200, 429]);
    const limited = first.status === 429 ? first : second;
    expect(limited.body.ecode).toBe('CONVERSIONS_PER_TICKET');
    expect(limited.headers.get('retry-after')).toBeTruthy();
  });

  it('renders previews a few at a time, shares a rendering of the same page and answers 503 PREVIEW_BUSY beyond the queue', async () => {
    const pdf = sofficePdf(docxOf(['预览', '\f', '第二页', '\f', '第三页']));
    const previewer = new PagePreviewer(1, 1);
    const same = await Promise.all([previewer.render(pdf, 'rev-a', 1), previewer.render(pdf, 'rev-a', 1)]);
    expect(same[0]).toBe(same[1]);
    const burst = await Promise.allSettled([
      previewer.render(pdf, 'rev-b', 1),
      previewer.render(pdf, 'rev-b', 2),
      previewer.render(pdf, 'rev-b', 3),
    ]);
    expect(burst.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const refused = burst.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(answerOf(refused.reason)).toMatchObject({ status: 503, ecode: 'PREVIEW_BUSY' });
    // Cached by revision: no rendering slot needed.
    expect(await previewer.render(pdf, 'rev-a', 1)).toBe(same[0]);
  });

  it('sets connection limits and timeouts deliberately', () => {
    expect(service.server.maxConnections).toBe(500);
    expect(service.server.keepAliveTimeout).toBe(65_000);
    expect(service.server.headersTimeout).toBe(30_000);
  });
});
