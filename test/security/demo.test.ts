import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { type TestService, jsonInit, startTestService } from '../helpers/service.js';

describe('the demo is an explicit opt-in that cannot hand out tickets for real documents', () => {
  let plain: TestService;
  let demo: TestService;

  beforeAll(async () => {
    [plain, demo] = await Promise.all([
      // The old default: no NODE_ENV, demo data seeded, but no DEMO=true.
      startTestService({ DEMO_DATA: 'true' }),
      startTestService({ DEMO: 'true', DEMO_DATA: 'true', RATE_LIMIT_DEMO_CREATE: '2/60' }),
    ]);
  });
  afterAll(() => Promise.all([plain?.stop(), demo?.stop()]));

  it('is off unless DEMO=true: no ticket for any Signature', async () => {
    const real = (await plain.json('/signature', jsonInit('POST', { template: 'leave-application', generate: false }))).body.entities[0];
    const attempt = await plain.json('/demo/session', jsonInit('POST', { account: 'wangwu', signatureId: real.id }, { auth: false }));
    expect(attempt.status).toBe(404);
    expect(JSON.stringify(attempt.body)).not.toContain('v1.');
    expect((await plain.api('/demo', { auth: false })).status).toBe(404);
  });

  it('is refused at start-up with NODE_ENV=production', () => {
    const production = {
      NODE_ENV: 'production',
      ENGINE_KEYS: 'k'.repeat(32),
      TICKET_SECRET: 's'.repeat(32),
      SEAL_MASTER_KEY: '0'.repeat(64),
    };
    expect(() => loadConfig({ ...production, DEMO: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...production, DEMO: 'true' })).toThrow(/DEMO/);
    expect(() => loadConfig({ DEMO: 'yes' })).toThrow(/DEMO/);
    expect(loadConfig({ ...production }).security.demo).toBe(false);
  });

  it('with DEMO=true answers only for Signatures the demo created', async () => {
    const real = (await demo.json('/signature', jsonInit('POST', { template: 'leave-application', generate: false }))).body.entities[0];
    const foreign = await demo.json('/demo/session', jsonInit('POST', { account: 'wangwu', signatureId: real.id }, { auth: false }));
    expect(foreign).toMatchObject({ status: 403, body: { ecode: 'DEMO_SIGNATURE_ONLY' } });
    expect(JSON.stringify(foreign.body)).not.toContain('v1.');

    const own = await demo.json('/demo/session', jsonInit('POST', { account: 'wangwu' }, { auth: false }));
    expect(own.status).toBe(200);
    const again = await demo.json(
      '/demo/session',
      jsonInit('POST', { account: 'lisi', signatureId: own.body.entities[0].signatureId }, { auth: false }),
    );
    expect(again.status).toBe(200);
    expect(again.body.entities[0].signatureId).toBe(own.body.entities[0].signatureId);
  });

  it('rate-limits /demo/create per client (429 with Retry-After in the header and the envelope)', async () => {
    const create = () => demo.json('/demo/create', jsonInit('POST', { template: 'Not A Template' }, { auth: false }));
    expect((await create()).status).toBe(400);
    expect((await create()).status).toBe(400);
    const limited = await create();
    expect(limited).toMatchObject({ status: 429, body: { errno: 429, ecode: 'RATE_LIMITED', entities: [{ bucket: 'demoCreate' }] } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body.entities[0].retryAfter).toBe(Number(limited.headers.get('retry-after')));
  });
});
