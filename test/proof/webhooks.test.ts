import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { digestResponse, parseDigestHeader } from '../../src/util/digest-auth.js';
import { retryDelay } from '../../src/webhooks/dispatcher.js';
import { verifySignatureHeader } from '../../src/webhooks/signature.js';
import { type ChildService, startChildService } from '../helpers/child.js';
import { makePdf } from '../helpers/fixtures.js';
import { until } from '../helpers/poll.js';
import { ENGINE_KEY, tempDataDir } from '../helpers/service.js';

const waitFor = (done: () => boolean, timeoutMs: number) =>
  until(
    () => done(),
    (ok) => ok,
    timeoutMs,
  );
const auth = { authorization: `Bearer ${ENGINE_KEY}` };
const children: ChildService[] = [];
const servers: http.Server[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.process.exitCode === null) child.process.kill('SIGKILL');
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

interface Received {
  eventId: string;
  type: string;
  body: string;
  signatureOk: boolean;
  digestOk: boolean;
}

/** A subscriber: records every request, checks its signatures, answers with `answer(eventId, attempt)`. */
async function receiver(answer: (eventId: string, attempt: number) => number | 'hang') {
  const received: Received[] = [];
  const processed = new Map<string, number>();
  let secret = '';
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const eventId = String(req.headers['x-infoplus-event-id']);
      const digest = parseDigestHeader(String(req.headers.authorization ?? ''));
      received.push({
        eventId,
        type: String(req.headers['x-infoplus-event']),
        body,
        signatureOk: verifySignatureHeader(secret, String(req.headers['x-infoplus-signature'] ?? ''), body).ok,
        digestOk:
          digest !== null &&
          digest.response === digestResponse({ code: digest.username, domain: digest.realm, secret }, 'POST', digest.uri, digest.nonce),
      });
      const attempt = received.filter((r) => r.eventId === eventId).length;
      const status = answer(eventId, attempt);
      if (status === 'hang') return; // never answers: the service dies waiting
      // How many times each event was acknowledged (2xx): a receiver deduplicating by event id acts on it once.
      if (status >= 200 && status < 300 && JSON.parse(body).id === eventId) processed.set(eventId, (processed.get(eventId) ?? 0) + 1);
      res.writeHead(status).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    processed,
    setSecret: (s: string) => (secret = s),
  };
}

async function start(dataDir: string) {
  const child = await startChildService({
    DATA_DIR: dataDir,
    ENGINE_KEYS: ENGINE_KEY,
    WEBHOOK_ALLOW_INTERNAL: 'true',
    WEBHOOK_RETRY_BASE_MS: '300',
    DEMO_DATA: 'false',
  });
  children.push(child);
  return child;
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as any,
  }));

async function createSignature(url: string) {
  const form = new FormData();
  form.append('file', new Blob([await makePdf('webhook')]), 'doc.pdf');
  const fileId = ((await (await fetch(`${url}/file`, { method: 'PUT', body: form, headers: auth })).json()) as any).entities[0].id;
  const created = await post(`${url}/signature`, { file: fileId, seals: [{}] });
  expect(created.status).toBe(200);
  return created.body.entities[0];
}

describe('outgoing webhooks', () => {
  it('retries a receiver that answers 500, then 200, with a signature header (and the InfoPlus Digest) that verifies', async () => {
    const hook = await receiver((_id, attempt) => (attempt === 1 ? 500 : 200));
    const dataDir = tempDataDir();
    const service = await start(dataDir);
    const subscribed = await post(`${service.url}/webhooks`, { url: hook.url, events: ['signature.created'], digest: true });
    expect(subscribed.status).toBe(200);
    hook.setSecret(subscribed.body.entities[0].secret);
    const signature = await createSignature(service.url);

    await waitFor(() => hook.processed.size === 1, 15_000);
    const attempts = hook.received;
    expect(attempts.map((a) => a.type)).toEqual(['signature.created', 'signature.created']);
    expect(new Set(attempts.map((a) => a.eventId)).size).toBe(1);
    expect(attempts.every((a) => a.signatureOk && a.digestOk)).toBe(true);
    expect(attempts[0].body).toBe(attempts[1].body); // the same bytes on every attempt
    expect(JSON.parse(attempts[0].body)).toMatchObject({ type: 'signature.created', signatureId: signature.id });
    // A signature made with another secret does not verify.
    expect(verifySignatureHeader('another-secret', 't=1,v1=00', attempts[0].body).ok).toBe(false);

    const log = (await (
      await fetch(`${service.url}/webhooks/${subscribed.body.entities[0].id}/deliveries`, { headers: auth })
    ).json()) as any;
    const [delivery] = log.entities;
    expect(delivery).toMatchObject({ state: 'delivered', attempts: 2, lastStatus: 200 });
    expect(delivery.attemptLog.map((a: any) => a.status)).toEqual([500, 200]);

    // Manual redelivery sends the same event (same id) again.
    expect((await post(`${service.url}/webhooks/deliveries/${delivery.id}/redeliver`, {})).status).toBe(200);
    await waitFor(() => hook.received.length === 3, 10_000);
    expect(hook.received[2].eventId).toBe(attempts[0].eventId);
    expect(hook.processed.get(attempts[0].eventId)).toBe(2);
    service.process.kill('SIGTERM');
    await service.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('delivers every event exactly once to a deduplicating receiver when the service is killed mid-delivery and restarted', async () => {
    let hangFirst = true;
    const hook = await receiver(() => {
      if (hangFirst) {
        hangFirst = false;
        return 'hang';
      }
      return 200;
    });
    const dataDir = tempDataDir();
    const first = await start(dataDir);
    const subscribed = await post(`${first.url}/webhooks`, { url: hook.url, events: ['signature.created', 'signature.completed'] });
    hook.setSecret(subscribed.body.entities[0].secret);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createSignature(first.url)).id);
    // The first request reaches the receiver, which holds it: the service is killed in the middle of it.
    await waitFor(() => hook.received.length >= 1, 10_000);
    first.process.kill('SIGKILL');
    await first.exited;

    const second = await start(dataDir);
    // One more change after the restart.
    const completed = await post(`${second.url}/signature/${ids[0]}`, { seals: [{ index: 0, signature: 'MA==' }] });
    expect(completed.status).toBe(200);
    // The delivery cut off by the kill is due again once its claim (attempt deadline + 5 s) lapses.
    await waitFor(() => hook.processed.size === 4, 60_000);
    const bodies = [...new Map(hook.received.map((r) => [r.eventId, JSON.parse(r.body)])).values()];
    expect(
      bodies
        .filter((b) => b.type === 'signature.created')
        .map((b) => b.signatureId)
        .sort(),
    ).toEqual([...ids].sort());
    expect(bodies.filter((b) => b.type === 'signature.completed').map((b) => b.signatureId)).toEqual([ids[0]]);
    expect([...hook.processed.values()].every((n) => n === 1)).toBe(true);
    // The event cut off by the kill was sent again after the restart, under the same id.
    const firstId = hook.received[0].eventId;
    expect(hook.received.filter((r) => r.eventId === firstId).length).toBeGreaterThanOrEqual(2);
    expect(hook.received.every((r) => r.signatureOk)).toBe(true);
    second.process.kill('SIGTERM');
    await second.exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 180_000);

  it('backs off exponentially with jitter and keeps trying for at least 24 hours', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => retryDelay(attempt, 10_000, 3_600_000, () => 1));
    expect(delays).toEqual([10_000, 20_000, 40_000, 80_000, 160_000]);
    expect(retryDelay(3, 10_000, 3_600_000, () => 0)).toBe(20_000);
    expect(retryDelay(30, 10_000, 3_600_000, () => 1)).toBe(3_600_000);
  });
});
