// xuper seal registration through the real service against the local xuper sandbox, which checks
// our X_BXEO_* headers (app id, nonce, timestamp, body MD5, HMAC) independently.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startXuperSandbox } from '../sandboxes/xuper/index.js';
import { type TestService, jsonInit, startTestService } from '../helpers/service.js';

type Sandbox = Awaited<ReturnType<typeof startXuperSandbox>>;

describe('xuper seal registration against the sandbox', () => {
  let sandbox: Sandbox;
  let service: TestService;
  const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

  beforeAll(async () => {
    sandbox = await startXuperSandbox({ appId: 'xuper-app', secret: 'xuper-secret-0123456789' });
    service = await startTestService({ XUPER_BASE_URL: sandbox.url, XUPER_APP_ID: 'xuper-app', XUPER_SECRET: 'xuper-secret-0123456789' });
  });
  afterAll(async () => {
    await service?.stop();
    await sandbox?.close();
  });

  it('registers a seal with a correctly signed request and keeps the image xuper returns', async () => {
    const created = await service.json(
      '/seals',
      jsonInit('POST', {
        name: '示范大学合同章（xuper）',
        type: '合同专用章',
        owner: '示范大学',
        holders: ['zhaoliu'],
        provider: 'xuper',
        providerOptions: { address: 'bxeo-org-001' },
      }),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(sandbox.seals).toHaveLength(1);
    expect(sandbox.seals[0]).toMatchObject({ address: 'bxeo-org-001', signature_type: '1' });
    const image = new Uint8Array(await (await service.api(new URL(created.body.entities[0].image).pathname)).arrayBuffer());
    expect(sha256(image)).toBe(sandbox.seals[0].imageSha256);

    const person = await service.json(
      '/seals',
      jsonInit('POST', {
        name: '张三（xuper）',
        type: '个人签名',
        owner: '张三',
        ownerKind: 'person',
        holders: ['zhangsan'],
        provider: 'xuper',
        providerOptions: { address: 'bxeo-user-002' },
      }),
    );
    expect(person.status).toBe(200);
    expect(sandbox.seals[1]).toMatchObject({ address: 'bxeo-user-002', signature_type: '2' });
  });

  it('needs the owner’s xuper address, and refuses to stamp with a xuper seal (signing is not in the spec)', async () => {
    const before = sandbox.seals.length;
    const missing = await service.json(
      '/seals',
      jsonInit('POST', { name: 'x', type: '公章', owner: '示范大学', holders: ['zhaoliu'], provider: 'xuper' }),
    );
    expect(missing).toMatchObject({ status: 422, body: { ecode: 'PROVIDER_ACCOUNT_MISSING' } });
    expect(sandbox.seals.length).toBe(before);
  });

  it('reports a refused registration (wrong secret) as a bad gateway and stores no seal', async () => {
    const wrong = await startTestService({ XUPER_BASE_URL: sandbox.url, XUPER_APP_ID: 'xuper-app', XUPER_SECRET: 'not-the-secret' });
    try {
      const result = await wrong.json(
        '/seals',
        jsonInit('POST', {
          name: '错误密钥',
          type: '公章',
          owner: '示范大学',
          holders: ['zhaoliu'],
          provider: 'xuper',
          providerOptions: { address: 'bxeo-org-001' },
        }),
      );
      expect(result).toMatchObject({ status: 502, body: { ecode: 'XUPER_ERROR' } });
      expect((await wrong.json('/seals')).body.entities.filter((s: any) => s.provider === 'xuper')).toEqual([]);
    } finally {
      await wrong.stop();
    }
  });
});
