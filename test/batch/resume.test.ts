import { afterAll, describe, expect, it } from 'vitest';
import { startChildService } from '../helpers/child.js';
import { nssDbTrusting, pdfsig } from '../helpers/pdfsig.js';
import { ENGINE_KEY, type TestService, startTestService, tempDataDir } from '../helpers/service.js';
import { OFFICE, approvalForm } from './fixtures.js';

const ITEMS = 60;

describe('a batch interrupted by a crash', () => {
  let resumed: TestService | undefined;
  afterAll(() => resumed?.stop());

  it('is resumed by a fresh service after SIGKILL, and no slot carries two seals', { timeout: 600_000 }, async () => {
    const dataDir = tempDataDir();
    const env = { DATA_DIR: dataDir, ENGINE_KEYS: ENGINE_KEY, DEMO_DATA: 'true', BATCH_CONCURRENCY: '1', BATCH_LEASE_MS: '1000' };
    const child = await startChildService(env, 120_000);
    const call = async (
      pathname: string,
      init: RequestInit = {},
      headers: Record<string, string> = { authorization: `Bearer ${ENGINE_KEY}` },
    ) => {
      const response = await fetch(`${child.url}${pathname}`, {
        ...init,
        headers: { ...headers, ...(init.body && typeof init.body === 'string' ? { 'content-type': 'application/json' } : {}) },
      });
      return (await response.json()) as any;
    };
    const form = new FormData();
    form.append('file', new Blob([await approvalForm('Resumable batch')]), 'form.pdf');
    const fileId = (await call('/file', { method: 'PUT', body: form })).entities[0].id;
    const items = [];
    for (let i = 0; i < ITEMS; i++) {
      const signature = (
        await call('/signature', { method: 'POST', body: JSON.stringify({ file: fileId, seals: [{ placeHolder: OFFICE }] }) })
      ).entities[0];
      items.push({ signatureId: signature.id, sealIndex: 0 });
    }
    const batch = (await call('/batches', { method: 'POST', body: JSON.stringify({ account: 'zhaoliu', name: '赵六', items }) }))
      .entities[0];
    const seal = (await call('/seals')).entities.find((entry: any) => entry.name === '示范大学公章');
    const started = await call(
      `/sign-batch/${batch.id}/start`,
      { method: 'POST', body: JSON.stringify({ sealId: seal.id }) },
      { 'x-infoplus-ticket': batch.ticket },
    );
    expect(started.errno, JSON.stringify(started)).toBe(0);

    let before: any;
    for (;;) {
      before = (await call(`/batches/${batch.id}`)).entities[0];
      if (before.counts.stamped >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.process.kill('SIGKILL');
    await child.exited;
    expect(before.state).toBe('running');

    // Restarted at the same address, as a real restart is: the stored document URIs name it.
    resumed = await startTestService({ DEMO_DATA: 'true', BATCH_LEASE_MS: '1000', PORT: new URL(child.url).port }, dataDir);
    const afterCrash = (await resumed.json(`/batches/${batch.id}`)).body.entities[0];
    expect(afterCrash.counts.stamped).toBeLessThan(ITEMS);
    let done: any;
    for (let i = 0; i < 1200 && done?.state !== 'done'; i++) {
      done = (await resumed.json(`/batches/${batch.id}`)).body.entities[0];
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(done.counts, JSON.stringify(done.items.filter((item: any) => item.state !== 'stamped').slice(0, 3))).toMatchObject({
      total: ITEMS,
      stamped: ITEMS,
      failed: 0,
      refused: 0,
    });

    const nss = nssDbTrusting([await (await resumed.api('/ca.pem')).text()]);
    for (const item of done.items) {
      const signature = (await resumed.json(`/signature/${item.signatureId}`)).body.entities[0];
      expect(signature.revisions).toHaveLength(2);
      const pdf = new Uint8Array(await (await resumed.api(new URL(signature.uri).pathname)).arrayBuffer());
      const checks = pdfsig(nss, pdf);
      expect(
        checks.map((check) => check.signatureValidation),
        item.signatureId,
      ).toEqual(['Signature is Valid.']);
    }
  });
});
