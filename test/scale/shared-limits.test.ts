// What one instance counts or refuses, every instance of the deployment must: rate-limit budgets in
// Redis, Digest nonces and revoked tickets in PostgreSQL, and a revoked ticket's sockets closed everywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestHeader } from '../../src/util/digest-auth.js';
import { makePdf } from '../helpers/fixtures.js';
import { sleep } from '../helpers/poll.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { jsonInit, type TestService, uploadFile } from '../helpers/service.js';
import { subscribe } from '../helpers/ws.js';

const BUDGET = 6;
const DIGEST = { code: 'infoplus-engine', domain: 'example.edu.cn', secret: 'digest-secret-shared-by-instances' };

/** Anonymous requests (refused 401, but counted by client IP before authentication), alternating between instances. */
async function anonymousStatuses(instances: TestService[], count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await instances[i % instances.length].api('/seals', { auth: false })).status);
  return statuses;
}

describe('two instances with one REDIS_URL', () => {
  let cluster: TestCluster;
  let a: TestService;
  let b: TestService;

  beforeAll(async () => {
    cluster = await startTestCluster({
      RATE_LIMIT_ANONYMOUS: `${BUDGET}/60`,
      DIGEST_CODE: DIGEST.code,
      DIGEST_DOMAIN: DIGEST.domain,
      DIGEST_SECRET: DIGEST.secret,
    });
    a = await cluster.start('api-a');
    b = await cluster.start('api-b');
  });
  afterAll(() => cluster?.stop());

  it('share one rate-limit budget: requests spread over A and B are refused once the budget is spent', async () => {
    const statuses = await anonymousStatuses([a, b], BUDGET + 2);
    expect(statuses.slice(0, BUDGET)).toEqual(Array(BUDGET).fill(401));
    expect(statuses.slice(BUDGET)).toEqual([429, 429]);
    const refused = await b.api('/seals', { auth: false });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Other buckets are untouched: engine requests still pass on both.
    expect((await a.json('/seals')).status).toBe(200);
    expect((await b.json('/seals')).status).toBe(200);
  });

  it('refuse on B a Digest nonce already used on A', async () => {
    const uri = '/seals';
    const nonce = `n${Math.random().toString(36).slice(2)}-${Math.floor(Date.now() / 1000)}`;
    const header = digestHeader(DIGEST, 'GET', uri, nonce);
    expect((await a.json(uri, { headers: { authorization: header } })).status).toBe(200);
    expect(await b.json(uri, { headers: { authorization: header } })).toMatchObject({ status: 401, body: { ecode: 'NONCE_REPLAYED' } });
  });

  it('a ticket revoked on A is refused on B, and its live-push socket on B is closed (4003)', async () => {
    const pdfId = (await uploadFile(a, await makePdf('revoke'), 'r.pdf')).body.entities[0].id;
    const signature = (await a.json('/signature', jsonInit('POST', { file: pdfId, seals: [{}] }))).body.entities[0];
    const { ticket, jti } = (await a.json(`/signature/${signature.id}/tickets`, jsonInit('POST', { account: 'zhangsan', name: '张三' })))
      .body.entities[0];
    const events = await subscribe(`${b.url.replace('http', 'ws')}/signature/${signature.id}/events?ticket=${encodeURIComponent(ticket)}`);
    const closed = new Promise<number>((resolve) => events.ws.once('close', (code: number) => resolve(code)));
    expect((await a.json(`/signature/${signature.id}/tickets/${jti}`, { method: 'DELETE' })).status).toBe(200);
    expect(await Promise.race([closed, sleep(5000).then(() => 'still open after 5 s')])).toBe(4003);
    expect(await b.json(`/signature/${signature.id}`, { auth: false, headers: { 'x-infoplus-ticket': ticket } })).toMatchObject({
      status: 401,
      body: { ecode: 'TICKET_REVOKED' },
    });
  });
});

describe('two instances with RATE_LIMIT_STORE=memory', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster({ RATE_LIMIT_ANONYMOUS: `${BUDGET}/60`, RATE_LIMIT_STORE: 'memory' });
    await cluster.start('api-a');
    await cluster.start('api-b');
  });
  afterAll(() => cluster?.stop());

  it('count per instance (the embedded default), so the same spread passes', async () => {
    expect(await anonymousStatuses(cluster.instances, BUDGET + 2)).toEqual(Array(BUDGET + 2).fill(401));
  });
});
