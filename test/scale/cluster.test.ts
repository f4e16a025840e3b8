// The deployment of docs/deploy.md in small: two API instances and one converter worker, each its own
// process, on one PostgreSQL database and one Redis prefix, behind the test's balancer.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EsignSandbox, startEsignSandbox } from '../sandboxes/esign/index.js';
import { type ChildWorker, startChildWorker, startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { type ChildService } from '../helpers/child.js';
import { ESIGN_TEST_PROJECT, esignSandboxEnv, expectCallbackAppliedOnce } from '../helpers/esign-cluster.js';
import { makePdf } from '../helpers/fixtures.js';
import { docxOf } from '../helpers/office.js';
import { jsonInit, type ServiceClient, ticketFor, uploadFile } from '../helpers/service.js';
import { subscribe } from '../helpers/ws.js';

const wsUrl = (on: ServiceClient, pathname: string) => `${on.url.replace('http', 'ws')}${pathname}`;

describe('two API instances and a converter worker, as processes', () => {
  let sandbox: EsignSandbox;
  let cluster: TestCluster;
  let a: ChildService & ServiceClient;
  let b: ChildService & ServiceClient;
  let worker: ChildWorker;
  let pdfId: string;

  beforeAll(async () => {
    sandbox = await startEsignSandbox({ projectId: ESIGN_TEST_PROJECT.id, projectSecret: ESIGN_TEST_PROJECT.secret });
    cluster = await startTestCluster({ DEMO_DATA: 'true', CONVERT_TIMEOUT_MS: '120000', ...esignSandboxEnv(sandbox) });
    // A first: it migrates and seeds the demo data; B and the worker then start side by side.
    a = await cluster.startChild('api-a');
    [b, worker] = await Promise.all([cluster.startChild('api-b'), startChildWorker({ ...cluster.env, INSTANCE_ID: 'conv-1' })]);
    pdfId = (await uploadFile(a, await makePdf('cluster'), 'c.pdf')).body.entities[0].id;
  }, 400_000);
  afterAll(async () => {
    if (worker && worker.process.exitCode === null && worker.process.signalCode === null) {
      worker.process.kill('SIGTERM');
      await worker.exited;
    }
    worker?.killOrphans();
    if (worker) fs.rmSync(worker.dataDir, { recursive: true, force: true });
    await cluster?.stop();
    await sandbox?.close();
  });

  it('a Signature created on A: a control on B sees a stamp made through A within 100 ms of its acknowledgement', async () => {
    const sealId = (await b.json('/seals')).body.entities.find((seal: any) => seal.name === '示范大学公章').id;
    const signature = (
      await a.json(
        '/signature',
        jsonInit('POST', { file: pdfId, seals: [{ x: 100, y: 120, page: 1, signer: { account: 'zhaoliu', name: '赵六' } }] }),
      )
    ).body.entities[0];
    const control = await subscribe(
      wsUrl(b, `/signature/${signature.id}/events?ticket=${encodeURIComponent(await ticketFor(b, signature.id, 'zhaoliu'))}`),
    );
    expect((await control.next()).signature.version).toBe(signature.version);

    const stamped = await a.json(
      `/sign/${signature.id}/seals/0`,
      jsonInit('POST', { ticket: await ticketFor(a, signature.id, 'zhaoliu'), sealId, version: signature.version }, { auth: false }),
    );
    const acknowledged = performance.now();
    expect(stamped.status, JSON.stringify(stamped.body)).toBe(200);
    const seen = await control.until((m) => m.signature?.seals?.[0]?.state === 'signed', 5000);
    expect(performance.now() - acknowledged).toBeLessThan(100);
    expect(seen.at(-1).signature.seals[0].signature).toBe(stamped.body.entities[0].seals[0].signature);
    control.ws.close();
  });

  it('an export submitted on A, from a template uploaded on B, is converted by the worker', async () => {
    const form = new FormData();
    form.append('file', new Blob([docxOf(['集群导出：{name}'])]), 'cluster-notice.docx');
    expect((await b.json('/templates/cluster-notice', { method: 'PUT', body: form })).status).toBe(200);

    const exported = await a.api('/export/pdf', jsonInit('POST', { template: 'cluster-notice', data: { name: '张三' } }));
    expect(exported.status).toBe(200);
    expect(
      Buffer.from(await exported.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    expect(worker.output()).toMatch(/"msg":"converted"/);
    expect((await a.json('/readyz')).body.entities[0].checks.converters).toMatchObject({ ok: true, seen: ['conv-1'] });
  }, 200_000);

  it('an e签宝 callback for a flow started on A, delivered to B (three times), is applied once', async () => {
    await expectCallbackAppliedOnce(a, b, sandbox, 3);
  }, 90_000);
});
