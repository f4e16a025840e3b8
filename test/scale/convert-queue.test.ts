import fs from 'node:fs';
import { QueueEvents } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix, CONVERT_QUEUE } from '../../src/export/queue/protocol.js';
import { type ChildWorker, REDIS_TEST_URL, startChildWorker, startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { docxOf } from '../helpers/office.js';
import { jsonInit, type TestService, uploadFile } from '../helpers/service.js';

/** Conversions through the durable queue: API instances on PostgreSQL + Redis, converter workers as processes. */
describe('conversions as durable jobs (BullMQ)', () => {
  let cluster: TestCluster;
  let api: TestService;
  let events: QueueEvents;
  const workers: ChildWorker[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster({ CONVERT_QUEUE_LIMIT: '2', CONVERT_ATTEMPTS: '2', CONVERT_TIMEOUT_MS: '60000' });
    api = await cluster.start('api-a');
    events = new QueueEvents(CONVERT_QUEUE, { connection: { url: REDIS_TEST_URL }, prefix: bullPrefix(cluster.prefix) });
    await events.waitUntilReady();
  });
  afterEach(async () => {
    for (const worker of workers.splice(0)) {
      if (worker.process.exitCode === null && worker.process.signalCode === null) {
        worker.process.kill('SIGTERM');
        await worker.exited;
      }
      worker.killOrphans();
      fs.rmSync(worker.dataDir, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    await events?.close();
    await cluster?.stop();
  });

  const worker = async (name: string, env: Record<string, string> = {}) => {
    const started = await startChildWorker({ ...cluster.env, INSTANCE_ID: name, ...env });
    workers.push(started);
    return started;
  };
  const docxTemplate = async (paragraphs: string[]) =>
    (await uploadFile(api, docxOf(paragraphs), 'form.docx')).body.entities[0].uri as string;
  const exportPdf = (template: string) => api.api('/export/pdf', jsonInit('POST', { template: new URL(template).pathname, data: {} }));
  const longDocument = Array.from({ length: 2500 }, (_, i) => `第 ${i} 段：申请人因病请假，特此证明。`);
  /** Resolves with the worker name when a job starts converting. */
  const nextStart = () =>
    new Promise<string>((resolve) => events.once('progress', ({ data }) => resolve((data as { worker: string }).worker)));

  it(
    'converts on a worker process (which reports the start of the job) and /readyz names the converter workers it has seen',
    { timeout: 300_000 },
    async () => {
      await worker('conv-1');
      const response = await exportPdf(await docxTemplate(['请假申请表', '申请人：张三']));
      expect(response.status).toBe(200);
      expect(
        Buffer.from(await response.arrayBuffer())
          .subarray(0, 5)
          .toString(),
      ).toBe('%PDF-');
      const ready = await api.json('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.entities[0].checks.converters).toMatchObject({ ok: true, seen: ['conv-1'] });
    },
  );

  it('a worker killed with SIGKILL mid-job: the job completes on a second worker', async () => {
    const first = await worker('conv-victim');
    const template = await docxTemplate(longDocument);
    const started = nextStart();
    const pending = exportPdf(template);
    expect(await started).toBe('conv-victim');
    first.process.kill('SIGKILL');
    await first.exited;
    const second = await worker('conv-rescuer');
    const response = await pending;
    expect(response.status).toBe(200);
    expect(
      Buffer.from(await response.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    expect(second.output()).toMatch(/"msg":"converted"/);
  }, 300_000);

  it('bounded attempts: killed on every try, the request gets CONVERT_FAILED instead of hanging', async () => {
    const template = await docxTemplate(longDocument);
    const startedAt = Date.now();
    const pending = exportPdf(template);
    for (const name of ['conv-doomed-1', 'conv-doomed-2']) {
      const started = nextStart();
      const doomed = await worker(name);
      expect(await started).toBe(name);
      doomed.process.kill('SIGKILL');
      await doomed.exited;
    }
    // A third worker finds the job abandoned a second time: over the limit, it fails.
    await worker('conv-witness');
    const response = await pending;
    const body = (await response.json()) as { ecode: string };
    expect({ status: response.status, ecode: body.ecode }).toEqual({ status: 500, ecode: 'CONVERT_FAILED' });
    // Within the request's deadline: queue wait + every attempt + the time to notice a dead worker.
    expect(Date.now() - startedAt).toBeLessThan(60_000 + 2 * (60_000 + 16_000));
  }, 300_000);

  it('queue limit: with no converter free, the request beyond CONVERT_QUEUE_LIMIT gets 503 and Retry-After', async () => {
    const template = await docxTemplate(['排队']);
    // No worker running: two jobs wait, the third is refused.
    const waiting = [exportPdf(template), exportPdf(template)];
    await new Promise((resolve) => setTimeout(resolve, 500));
    const refused = await exportPdf(template);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    expect(((await refused.json()) as { ecode: string }).ecode).toBe('CONVERT_QUEUE_FULL');
    await worker('conv-late');
    for (const response of await Promise.all(waiting)) expect(response.status).toBe(200);
  }, 300_000);
});
