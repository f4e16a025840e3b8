// Hostile PDFs sent to the anonymous POST /verify: each gets a quick, clear 4xx while the service
// keeps answering /healthz; a job past its deadline or its memory is cut off and its worker
// replaced; a full queue answers 503 with Retry-After.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_INPUTS } from '../../packages/pdf-verify/test/attacks/hostile.js';
import { makePdf } from '../helpers/fixtures.js';
import { type TestService, startTestService } from '../helpers/service.js';

const postPdf = (service: TestService, pdf: Uint8Array) =>
  service.json('/verify', { method: 'POST', body: pdf, headers: { 'content-type': 'application/pdf' }, auth: false });

/** Polls /healthz every 25 ms while `work` runs; returns every status seen and the slowest answer. */
async function whileHealthChecked<T>(
  service: TestService,
  work: () => Promise<T>,
): Promise<{ result: T; statuses: number[]; slowestMs: number }> {
  const statuses: number[] = [];
  let slowestMs = 0;
  let done = false;
  const poller = (async () => {
    while (!done) {
      const started = performance.now();
      const response = await service.api('/healthz', { auth: false });
      await response.arrayBuffer();
      statuses.push(response.status);
      slowestMs = Math.max(slowestMs, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  try {
    return { result: await work(), statuses, slowestMs };
  } finally {
    done = true;
    await poller;
  }
}

describe('POST /verify under attack', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ UPLOAD_LIMIT: '8mb' });
  });
  afterAll(() => service?.stop());

  it('answers every hostile input quickly and clearly while /healthz stays 200', async () => {
    for (const [name, make] of Object.entries(HOSTILE_INPUTS)) {
      const pdf = make();
      const started = performance.now();
      const { result, statuses } = await whileHealthChecked(service, () => postPdf(service, pdf));
      const elapsed = performance.now() - started;
      expect(statuses.length, name).toBeGreaterThan(0);
      expect(
        statuses.every((status) => status === 200),
        name,
      ).toBe(true);
      // A clear answer: a report (nothing signed) or a 422 naming why; never a hang or a 5xx.
      expect([200, 422], `${name}: ${JSON.stringify(result.body)}`).toContain(result.status);
      if (result.status === 200) expect(result.body.entities[0]).toMatchObject({ valid: false, signatureCount: 0 });
      else expect(['PDF_UNREADABLE', 'PDF_LIMIT_EXCEEDED', 'VERIFY_TIMEOUT']).toContain(result.body.ecode);
      expect(elapsed, name).toBeLessThan(10_000);
    }
    const { status, body } = await postPdf(service, HOSTILE_INPUTS.manyEofMarkers());
    expect(status).toBe(422);
    expect(body).toMatchObject({ errno: 422, ecode: 'PDF_LIMIT_EXCEEDED', entities: [{ limit: 'maxRevisions', max: 1000 }] });
    const bomb = await postPdf(service, HOSTILE_INPUTS.flateBomb());
    expect(bomb.body).toMatchObject({ ecode: 'PDF_LIMIT_EXCEEDED', entities: [{ limit: 'maxStreamBytes' }] });
    // And the service still verifies an honest PDF afterwards.
    const after = await postPdf(service, await makePdf());
    expect(after.status).toBe(200);
    expect(after.body.entities[0]).toMatchObject({ valid: false, documentStates: ['NO_SIGNATURES'] });
  }, 120_000);
});

describe('verification workers: deadline and queue', () => {
  let service: TestService;
  beforeAll(async () => {
    // The bomb inflates to 2 GiB within the (raised) inflate limit: the job ends at its deadline or
    // at its worker's memory limit, whichever comes first; either way the worker is replaced.
    service = await startTestService({
      UPLOAD_LIMIT: '8mb',
      VERIFY_WORKERS: '1',
      VERIFY_TIMEOUT_MS: '1000',
      VERIFY_QUEUE_LIMIT: '1',
      VERIFY_MAX_INFLATE: '4gb',
      VERIFY_MAX_MEMORY_MB: '256',
    });
  });
  afterAll(() => service?.stop());

  it('cuts off a job at its deadline (or its memory limit) with a 422 and replaces the worker', async () => {
    const { status, body } = await postPdf(service, HOSTILE_INPUTS.flateBomb());
    expect([422]).toContain(status);
    expect(['VERIFY_TIMEOUT', 'PDF_LIMIT_EXCEEDED']).toContain(body.ecode);
    const next = await postPdf(service, await makePdf());
    expect(next.status).toBe(200);
  }, 60_000);

  it('refuses work beyond the queue limit with 503 and Retry-After', async () => {
    const bomb = HOSTILE_INPUTS.flateBomb();
    const answers = await Promise.all([0, 1, 2, 3].map(() => postPdf(service, bomb)));
    const refused = answers.filter((answer) => answer.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0].body.ecode).toBe('VERIFY_QUEUE_FULL');
    expect(refused[0].headers.get('retry-after')).toBeTruthy();
    expect(answers.every((answer) => [422, 503].includes(answer.status))).toBe(true);
    expect((await postPdf(service, await makePdf())).status).toBe(200);
  }, 60_000);
});
