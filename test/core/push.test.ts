import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makePdf } from '../helpers/fixtures.js';
import { type TestService, ENGINE_KEY, jsonInit, startTestService, uploadFile } from '../helpers/service.js';

function connect(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ ws: WebSocket; messages: any[]; next(): Promise<{ msg: any; at: number }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const messages: any[] = [];
    const waiters: Array<(m: { msg: any; at: number }) => void> = [];
    const queue: Array<{ msg: any; at: number }> = [];
    ws.on('message', (data) => {
      const entry = { msg: JSON.parse(String(data)), at: performance.now() };
      messages.push(entry.msg);
      const waiter = waiters.shift();
      if (waiter) waiter(entry);
      else queue.push(entry);
    });
    ws.once('open', () =>
      resolve({
        ws,
        messages,
        next: () => new Promise((r) => (queue.length ? r(queue.shift()!) : waiters.push(r))),
      }),
    );
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('live push over WebSocket', () => {
  let service: TestService;
  let sigId: string;
  let otherId: string;
  let ws: string;

  beforeAll(async () => {
    service = await startTestService({ WS_HEARTBEAT_MS: '200' });
    ws = service.url.replace('http', 'ws');
    const pdf = (await uploadFile(service, await makePdf(), 'p.pdf')).body.entities[0].id;
    sigId = (await service.json('/signature', jsonInit('POST', { file: pdf }))).body.entities[0].id;
    otherId = (await service.json('/signature', jsonInit('POST', { file: pdf }))).body.entities[0].id;
  });
  afterAll(() => service.stop());

  it('sends the current Signature on connect and every S2 to each subscriber within 50 ms', async () => {
    const ticket = (await service.json(`/signature/${sigId}/tickets`, jsonInit('POST', { account: 'alice' }))).body.entities[0].ticket;
    const viaTicket = await connect(`${ws}/signature/${sigId}/events?ticket=${encodeURIComponent(ticket)}`);
    const viaKey = await connect(`${ws}/signature/${sigId}/events`, { authorization: `Bearer ${ENGINE_KEY}` });
    for (const sub of [viaTicket, viaKey]) expect((await sub.next()).msg).toMatchObject({ type: 'signature', signature: { id: sigId } });

    // The S2 is acknowledged once it is durable; the push must reach subscribers within 50 ms of that.
    const s2 = service
      .json(`/signature/${sigId}`, jsonInit('POST', { seals: [{ index: 0, signature: 'MIIB', description: '已盖章' }] }))
      .then((r) => ({ ...r, at: performance.now() }));
    const [a, b] = await Promise.all([viaTicket.next(), viaKey.next()]);
    const acknowledged = await s2;
    expect(acknowledged.status).toBe(200);
    for (const { msg, at } of [a, b]) {
      expect(msg).toMatchObject({ type: 'signature', signature: { id: sigId, seals: [{ signature: 'MIIB', state: 'signed' }] } });
      expect(at - acknowledged.at).toBeLessThan(50);
    }
    viaTicket.ws.close();
    viaKey.ws.close();
  });

  it('refuses subscribers without a credential or with a ticket for another signature', async () => {
    await expect(connect(`${ws}/signature/${sigId}/events`)).rejects.toThrow('HTTP 401');
    const ticket = (await service.json(`/signature/${otherId}/tickets`, jsonInit('POST', { account: 'alice' }))).body.entities[0].ticket;
    await expect(connect(`${ws}/signature/${sigId}/events?ticket=${encodeURIComponent(ticket)}`)).rejects.toThrow('HTTP 403');
    await expect(connect(`${ws}/signature/not-an-id/events`, { authorization: `Bearer ${ENGINE_KEY}` })).rejects.toThrow('HTTP 400');
    await expect(
      connect(`${ws}/signature/2b1c1a8e-2f4e-4b8a-9c1d-0e6f1a2b3c4d/events`, { authorization: `Bearer ${ENGINE_KEY}` }),
    ).rejects.toThrow('HTTP 404');
  });

  it('drops a connection that stops answering pings', async () => {
    // A raw client that completes the handshake and then never answers a ping.
    const { port } = new URL(service.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write(
      `GET /signature/${sigId}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${ENGINE_KEY}\r\n\r\n`,
    );
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    await expect.poll(() => service.hub.subscriberCount(sigId), { timeout: 2000 }).toBe(1);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await closed;
    expect(service.hub.subscriberCount(sigId)).toBe(0);
  });
});

describe('cross-origin access', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ CORS_ORIGINS: 'http://form.example.test' });
  });
  afterAll(() => service.stop());

  it('answers CORS for configured origins only, for HTTP and WebSocket', async () => {
    const allowed = await service.api('/healthz', { headers: { origin: 'http://form.example.test' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://form.example.test');
    const preflight = await service.api('/signature/x', {
      method: 'OPTIONS',
      auth: false,
      headers: { origin: 'http://form.example.test', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Authorization');
    const other = await service.api('/healthz', { headers: { origin: 'http://evil.example.test' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const pdf = (await uploadFile(service, await makePdf(), 'p.pdf')).body.entities[0].id;
    const id = (await service.json('/signature', jsonInit('POST', { file: pdf }))).body.entities[0].id;
    const ws = service.url.replace('http', 'ws');
    const ok = await connect(`${ws}/signature/${id}/events`, { authorization: `Bearer ${ENGINE_KEY}`, origin: 'http://form.example.test' });
    ok.ws.close();
    await expect(
      connect(`${ws}/signature/${id}/events`, { authorization: `Bearer ${ENGINE_KEY}`, origin: 'http://evil.example.test' }),
    ).rejects.toThrow('HTTP 403');
  });
});
