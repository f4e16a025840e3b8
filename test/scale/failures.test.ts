// The failure cases of issue 14 against the machine's PostgreSQL and Redis: several API instances
// sharing one database and one Redis prefix, stamping concurrently, callbacks arriving at the
// "wrong" instance, and Redis going away mid-run (on a redis-server of our own, not the shared one).
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEsignSandbox } from '../sandboxes/esign/index.js';
import { makePdf } from '../helpers/fixtures.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { ESIGN_TEST_PROJECT, esignSandboxEnv, expectCallbackAppliedOnce } from '../helpers/esign-cluster.js';
import { until, sleep } from '../helpers/poll.js';
import { ENGINE_KEY, jsonInit, type TestService, ticketFor, uploadFile } from '../helpers/service.js';
import { subscribe } from '../helpers/ws.js';

const auth = { authorization: `Bearer ${ENGINE_KEY}` };

/** Every revision extends the one before (a single chain), and each seal was signed exactly once. */
function expectSingleChain(signature: any, sealCount: number) {
  expect(signature.seals.every((seal: any) => seal.state === 'signed' && seal.signature)).toBe(true);
  const revisions = signature.revisions as Array<{ fileId: string; sealIndex?: number }>;
  expect(revisions).toHaveLength(sealCount + 1);
  const stamped = revisions
    .slice(1)
    .map((revision) => revision.sealIndex)
    .sort((x, y) => x! - y!);
  expect(stamped).toEqual(Array.from({ length: sealCount }, (_, i) => i));
  expect(new Set(revisions.map((revision) => revision.fileId)).size).toBe(revisions.length);
}

describe('two API instances on PostgreSQL + Redis under failure', () => {
  let cluster: TestCluster;
  let a: TestService;
  let b: TestService;
  let pdfId: string;
  let sealId: string;

  beforeAll(async () => {
    cluster = await startTestCluster({ DEMO_DATA: 'true' });
    a = await cluster.start('api-a');
    b = await cluster.start('api-b');
    pdfId = (await uploadFile(a, await makePdf('contract'), 'contract.pdf')).body.entities[0].id;
    sealId = (await b.json('/seals')).body.entities.find((seal: any) => seal.name === '示范大学公章').id;
  });
  afterAll(() => cluster?.stop());

  const slot = (i: number) => ({
    x: 60 + (i % 4) * 120,
    y: 120 + Math.floor(i / 4) * 130,
    page: 1,
    signer: { account: 'zhaoliu', name: '赵六' },
  });
  const create = async (seals: number) =>
    (await a.json('/signature', jsonInit('POST', { file: pdfId, seals: Array.from({ length: seals }, (_, i) => slot(i)) }))).body
      .entities[0];
  /**
   * A signer's stamp names the version of the document it was shown; when another seal lands first
   * (409 DOCUMENT_CHANGED) the signer is shown the new revision and stamps again.
   */
  const stamp = async (on: TestService, id: string, index: number) => {
    const ticket = await ticketFor(on, id, 'zhaoliu');
    for (let attempt = 0; ; attempt++) {
      const version = (await on.json(`/signature/${id}`)).body.entities[0].version;
      const result = await on.json(`/sign/${id}/seals/${index}`, jsonInit('POST', { ticket, sealId, version }, { auth: false }));
      if (result.body?.ecode !== 'DOCUMENT_CHANGED' || attempt >= 30) return result;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 90));
    }
  };

  it('a stamp made through A reaches a control connected to B within 100 ms of its acknowledgement', async () => {
    const signature = await create(1);
    const control = await subscribe(
      `${b.url.replace('http', 'ws')}/signature/${signature.id}/events?ticket=${encodeURIComponent(await ticketFor(b, signature.id, 'zhaoliu'))}`,
    );
    await control.next();
    const stamped = await stamp(a, signature.id, 0);
    const acknowledged = performance.now();
    expect(stamped.status).toBe(200);
    const seen = await control.until((m) => m.signature?.seals?.[0]?.state === 'signed', 2000);
    expect(performance.now() - acknowledged).toBeLessThan(100);
    expect(seen.at(-1).signature.seals[0].signature).toBe(stamped.body.entities[0].seals[0].signature);
    control.ws.close();
  });

  it('40 stamps on 40 Signatures, half through A and half through B: each signed once, no 500', async () => {
    const signatures = await Promise.all(Array.from({ length: 40 }, () => create(1)));
    const results = await Promise.all(signatures.map((signature, i) => stamp(i % 2 ? b : a, signature.id, 0)));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    for (const signature of signatures) expectSingleChain((await b.json(`/signature/${signature.id}`)).body.entities[0], 1);
  }, 120_000);

  it('8 seal slots of one Signature stamped at once through both instances: one chain, every seal once, no 500', async () => {
    const signature = await create(8);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => stamp(i % 2 ? b : a, signature.id, i)));
    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    expect(
      results.map((r) => r.status),
      JSON.stringify(results.filter((r) => r.status !== 200).map((r) => r.body)),
    ).toEqual(results.map(() => 200));
    const final = (await a.json(`/signature/${signature.id}`)).body.entities[0];
    expectSingleChain(final, 8);
    // The stored PDF carries eight valid signatures, each matched to its seal.
    const report = (await b.json(`/signature/${signature.id}/verify`)).body.entities[0];
    expect(report).toMatchObject({ valid: true, signatureCount: 8 });
    // The same seal stamped again through the other instance is refused, not signed twice.
    expect((await stamp(b, signature.id, 0)).body.ecode).toBe('SEAL_ALREADY_SIGNED');
  }, 120_000);
});

describe('an e签宝 callback delivered to the other instance', () => {
  let sandbox: Awaited<ReturnType<typeof startEsignSandbox>>;
  let cluster: TestCluster;
  let a: TestService;
  let b: TestService;

  beforeAll(async () => {
    sandbox = await startEsignSandbox({ projectId: ESIGN_TEST_PROJECT.id, projectSecret: ESIGN_TEST_PROJECT.secret });
    cluster = await startTestCluster({ DEMO_DATA: 'true', ...esignSandboxEnv(sandbox) });
    a = await cluster.start('api-a');
    b = await cluster.start('api-b');
  });
  afterAll(async () => {
    await cluster?.stop();
    await sandbox?.close();
  });

  it('a flow started on A, its callback sent 6 times to B: applied once, and pushed to a control on A', async () => {
    await expectCallbackAppliedOnce(a, b, sandbox, 6);
  }, 60_000);
});

/** A redis-server of our own on a free port, so restarting it disturbs nobody else. */
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await until(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      }),
    (up) => up,
    10_000,
    50,
  );
  return child;
}

describe('Redis restarted mid-run', () => {
  let port: number;
  let redis: ChildProcess;
  let cluster: TestCluster;
  let a: TestService;
  let b: TestService;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    cluster = await startTestCluster({}, `redis://127.0.0.1:${port}`);
    a = await cluster.start('api-a');
    b = await cluster.start('api-b');
  });
  afterAll(async () => {
    await cluster?.stop();
    redis?.kill('SIGKILL');
  });

  it('instances reconnect; a change made while Redis was down reaches the control on the other instance; nothing is lost', async () => {
    const pdfId = (await uploadFile(a, await makePdf('redis'), 'r.pdf')).body.entities[0].id;
    const signature = (await a.json('/signature', jsonInit('POST', { file: pdfId, seals: [{}] }))).body.entities[0];
    const control = await subscribe(`${b.url.replace('http', 'ws')}/signature/${signature.id}/events`, auth);
    await control.next();

    redis.kill('SIGKILL');
    await sleep(200);
    // Durable writes do not depend on Redis.
    const during = await a.json(
      `/signature/${signature.id}`,
      jsonInit('POST', { seals: [{ index: 0, description: 'while Redis was down' }] }),
    );
    expect(during.status).toBe(200);
    expect((await b.json('/readyz')).status).toBe(503);

    redis = await startRedis(port);
    const caught = await control.until((m) => m.signature?.seals?.[0]?.description === 'while Redis was down', 15_000);
    expect(caught.at(-1).signature.version).toBe(2);
    await until(
      async () => (await b.json('/readyz')).status,
      (status) => status === 200,
      15_000,
    );

    // And live push works again.
    await a.json(`/signature/${signature.id}`, jsonInit('POST', { seals: [{ index: 0, description: 'after' }] }));
    expect((await control.until((m) => m.signature?.version === 3, 2000)).at(-1).signature.seals[0].description).toBe('after');
    control.ws.close();
  }, 60_000);
});

describe('kill -9 of an API instance in the middle of stamping', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster({ DEMO_DATA: 'true' });
  });
  afterAll(() => cluster?.stop());

  it('loses no acknowledged stamp; the control reconnects to B and sees the true state; an interrupted stamp happened once or succeeds once on retry', async () => {
    const a = await cluster.startChild('api-a');
    const b = await cluster.startChild('api-b');
    const call = async (base: string, pathname: string, init: RequestInit = {}, withKey = true) => {
      const headers = new Headers(init.headers);
      if (withKey) headers.set('authorization', `Bearer ${ENGINE_KEY}`);
      if (init.body) headers.set('content-type', 'application/json');
      const response = await fetch(`${base}${pathname}`, { ...init, headers });
      return { status: response.status, body: (await response.json()) as any };
    };
    const form = new FormData();
    form.append('file', new Blob([await makePdf('kill -9')]), 'k.pdf');
    const pdfId = ((await (await fetch(`${b.url}/file`, { method: 'PUT', body: form, headers: auth })).json()) as any).entities[0].id;
    const sealId = (await call(b.url, '/seals')).body.entities.find((seal: any) => seal.name === '示范大学公章').id;
    const signatures: string[] = [];
    for (let i = 0; i < 30; i++) {
      signatures.push(
        (
          await call(b.url, '/signature', {
            method: 'POST',
            body: JSON.stringify({ file: pdfId, seals: [{ x: 100, y: 100, page: 1, signer: { account: 'zhaoliu' } }] }),
          })
        ).body.entities[0].id,
      );
    }
    const tickets = await Promise.all(
      signatures.map(
        async (id) =>
          (await call(b.url, `/signature/${id}/tickets`, { method: 'POST', body: JSON.stringify({ account: 'zhaoliu' }) })).body.entities[0]
            .ticket as string,
      ),
    );
    const versions = await Promise.all(
      signatures.map(async (id) => (await call(b.url, `/signature/${id}`)).body.entities[0].version as number),
    );
    const control = await subscribe(
      `${a.url.replace('http', 'ws')}/signature/${signatures[29]}/events?ticket=${encodeURIComponent(tickets[29])}`,
    );
    await control.next();
    const closed = new Promise<number>((resolve) => control.ws.once('close', (code) => resolve(code)));

    const acknowledged = new Set<string>();
    let answered = 0;
    const killed = new Promise<void>((resolve) => {
      const stamps = signatures.map((id, i) =>
        call(
          a.url,
          `/sign/${id}/seals/0`,
          { method: 'POST', body: JSON.stringify({ ticket: tickets[i], sealId, version: versions[i] }) },
          false,
        ).then(
          (result) => {
            if (result.status === 200) acknowledged.add(id);
            if (++answered === 8) {
              a.process.kill('SIGKILL');
              resolve();
            }
          },
          () => undefined,
        ),
      );
      void Promise.all(stamps).then(() => resolve());
    });
    await killed;
    await a.exited;
    expect(acknowledged.size).toBeGreaterThanOrEqual(8);
    expect(acknowledged.size).toBeLessThan(30);
    expect(await closed).not.toBe(1000);

    // Through B: every acknowledged stamp is there; every other one happened once or is retried once.
    let retried = 0;
    for (const [i, id] of signatures.entries()) {
      let current = (await call(b.url, `/signature/${id}`)).body.entities[0];
      if (acknowledged.has(id)) expect(current.seals[0].state).toBe('signed');
      if (current.seals[0].state !== 'signed') {
        const again = await call(
          b.url,
          `/sign/${id}/seals/0`,
          { method: 'POST', body: JSON.stringify({ ticket: tickets[i], sealId, version: current.version }) },
          false,
        );
        expect(again.status, JSON.stringify(again.body)).toBe(200);
        retried++;
        current = (await call(b.url, `/signature/${id}`)).body.entities[0];
      }
      expectSingleChain(current, 1);
    }
    expect(retried).toBeGreaterThan(0);

    // The control, reconnecting (to B), is shown the true state.
    const reconnected = await subscribe(
      `${b.url.replace('http', 'ws')}/signature/${signatures[29]}/events?ticket=${encodeURIComponent(tickets[29])}`,
    );
    expect((await reconnected.next()).signature.seals[0].state).toBe('signed');
    reconnected.ws.close();
  }, 300_000);
});
