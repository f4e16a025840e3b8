import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePdf } from '../helpers/fixtures.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { ENGINE_KEY, jsonInit, type TestService, uploadFile } from '../helpers/service.js';
import { subscribe } from '../helpers/ws.js';

const auth = { authorization: `Bearer ${ENGINE_KEY}` };

describe('live push across instances (PostgreSQL + Redis)', () => {
  let cluster: TestCluster;
  let a: TestService;
  let b: TestService;
  let pdfId: string;

  beforeAll(async () => {
    cluster = await startTestCluster();
    a = await cluster.start('api-a');
    b = await cluster.start('api-b');
    pdfId = (await uploadFile(a, await makePdf('cluster'), 'c.pdf')).body.entities[0].id;
  });
  afterAll(() => cluster?.stop());

  const create = async (on: TestService, seals: object[] = [{}, {}]) =>
    (await on.json('/signature', jsonInit('POST', { file: pdfId, seals }))).body.entities[0];

  it('a socket on B sees an S2 made through A within 100 ms of its acknowledgement', async () => {
    const signature = await create(a);
    const watcher = await subscribe(`${b.url.replace('http', 'ws')}/signature/${signature.id}/events`, auth);
    expect((await watcher.next()).signature.version).toBe(1);
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const s2 = await a.json(`/signature/${signature.id}`, jsonInit('POST', { seals: [{ index: 0, description: `step ${i}` }] }));
      const acknowledged = performance.now();
      expect(s2.status).toBe(200);
      const message = await watcher.next();
      latencies.push(performance.now() - acknowledged);
      expect(message.signature).toMatchObject({ version: i + 2, seals: [{ description: `step ${i}` }, {}] });
    }
    expect(Math.max(...latencies)).toBeLessThan(100);
    watcher.ws.close();
  });

  it("keeps a Signature's versions in order on every socket when writes alternate between instances", async () => {
    const signature = await create(a);
    const onA = await subscribe(`${a.url.replace('http', 'ws')}/signature/${signature.id}/events`, auth);
    const onB = await subscribe(`${b.url.replace('http', 'ws')}/signature/${signature.id}/events`, auth);
    const writes = Array.from({ length: 20 }, (_, i) => i);
    // Concurrent, unconditional S2s through both instances; each instance serialises its own.
    const results = await Promise.all(
      writes.map((i) =>
        (i % 2 ? b : a).json(`/signature/${signature.id}`, jsonInit('POST', { seals: [{ index: i % 2, description: `w${i}` }] })),
      ),
    );
    expect(results.every((r) => r.status === 200 || r.body.ecode === 'VERSION_CONFLICT')).toBe(true);
    const final = (await a.json(`/signature/${signature.id}`)).body.entities[0];
    for (const socket of [onA, onB]) {
      await socket.until((m) => m.signature?.version === final.version, 5000);
      const versions = socket.messages.map((m) => m.signature.version);
      expect(versions).toEqual([...versions].sort((x, y) => x - y));
      expect(new Set(versions).size).toBe(versions.length);
      socket.ws.close();
    }
  });

  it('a control reconnecting to the other instance gets the state it missed on connect', async () => {
    const signature = await create(a);
    const first = await subscribe(`${a.url.replace('http', 'ws')}/signature/${signature.id}/events`, auth);
    await first.next();
    first.ws.close();
    await b.json(`/signature/${signature.id}`, jsonInit('POST', { seals: [{ index: 1, description: 'while away' }] }));
    const again = await subscribe(`${b.url.replace('http', 'ws')}/signature/${signature.id}/events`, auth);
    expect((await again.next()).signature).toMatchObject({ version: 2, seals: [{}, { description: 'while away' }] });
    again.ws.close();
  });

  it('a draining instance finishes the request in flight and closes sockets with 1012, so controls reconnect elsewhere', async () => {
    const c = await cluster.start('api-c');
    const signature = await create(c);
    const watcher = await subscribe(`${c.url.replace('http', 'ws')}/signature/${signature.id}/events`, auth);
    await watcher.next();
    const closed = new Promise<number>((resolve) => watcher.ws.once('close', (code) => resolve(code)));
    const arrived = new Promise((resolve) => c.server.once('request', resolve));
    const inFlight = c.json(`/signature/${signature.id}`, jsonInit('POST', { seals: [{ index: 0, description: 'during drain' }] }));
    await arrived;
    const drained = c.close();
    expect(await closed).toBe(1012);
    expect((await inFlight).status).toBe(200);
    await drained;
    expect((await a.json(`/signature/${signature.id}`)).body.entities[0].seals[0].description).toBe('during drain');
  });
});
