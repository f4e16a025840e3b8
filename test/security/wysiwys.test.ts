import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestService, jsonInit, startTestService } from '../helpers/service.js';

const SAMPLE = JSON.parse(fs.readFileSync(path.resolve('templates/leave-application.sample.json'), 'utf8'));

function sofficePids(dataDir: string): number[] {
  const out = spawnSync('pgrep', ['-f', `${dataDir}/office/profile`], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .map(Number)
    .filter((pid) => pid > 0 && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('soffice.bin'));
}

describe('what you see is what you sign', () => {
  let service: TestService;
  let personalSeal: string;

  beforeAll(async () => {
    service = await startTestService({ DEMO_DATA: 'true', CONVERT_TIMEOUT_MS: '60000' });
    personalSeal = (await service.json('/seals')).body.entities.find((seal: any) => seal.name === '张三').id;
  });
  afterAll(() => service.stop());

  /** A leave application generated from its template, with one seal for zhangsan. */
  async function generated() {
    const created = await service.json(
      '/signature',
      jsonInit('POST', {
        template: 'leave-application',
        generate: false,
        seals: [{ signer: { account: 'zhangsan', name: '张三' }, permission: { sealTypes: ['个人签名'] } }],
      }),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const id = created.body.entities[0].id as string;
    const first = await service.json(`/signature/${id}/document`, jsonInit('POST', { data: SAMPLE }));
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    return first.body.entities[0];
  }
  const ticketFor = async (id: string) =>
    (await service.json(`/signature/${id}/tickets`, jsonInit('POST', { account: 'zhangsan', name: '张三' }))).body.entities[0]
      .ticket as string;
  const sha256Of = async (uri: string) =>
    createHash('sha256')
      .update(Buffer.from(await (await service.api(new URL(uri).pathname)).arrayBuffer()))
      .digest('hex');

  it('refuses a stamp made against a document other than the one the page showed (409 DOCUMENT_CHANGED), changing nothing', async () => {
    const signature = await generated();
    const ticket = await ticketFor(signature.id);
    const page = await (await service.api(`/sign/${signature.id}?seal=0&ticket=${encodeURIComponent(ticket)}`, { auth: false })).text();
    const shown = /data-sha256="([0-9a-f]{64})"/.exec(page)?.[1];
    expect(shown).toBe(await sha256Of(signature.uri));
    expect(page).toContain(`rev=${signature.fileId}`);

    // The engine regenerates the document with other data after the page was rendered.
    const changed = await service.json(
      `/signature/${signature.id}/document`,
      jsonInit('POST', { data: { ...SAMPLE, reason: '另一份文件' } }),
    );
    expect(changed.status).toBe(200);
    const stale = await service.json(
      `/sign/${signature.id}/seals/0`,
      jsonInit('POST', { ticket, sealId: personalSeal, sha256: shown }, { auth: false }),
    );
    expect(stale).toMatchObject({ status: 409, body: { ecode: 'DOCUMENT_CHANGED' } });
    const staleVersion = await service.json(
      `/sign/${signature.id}/seals/0`,
      jsonInit('POST', { ticket, sealId: personalSeal, version: signature.version }, { auth: false }),
    );
    expect(staleVersion).toMatchObject({ status: 409, body: { ecode: 'DOCUMENT_CHANGED' } });
    const after = (await service.json(`/signature/${signature.id}`)).body.entities[0];
    expect(after.seals[0].signature).toBeFalsy();
    expect(after.version).toBe(changed.body.entities[0].version);

    // Neither a version nor a digest: not a stamp of anything in particular.
    const blind = await service.json(`/sign/${signature.id}/seals/0`, jsonInit('POST', { ticket, sealId: personalSeal }, { auth: false }));
    expect(blind).toMatchObject({ status: 400, body: { ecode: 'INVALID_REQUEST' } });

    // The current digest stamps.
    const good = await service.json(
      `/sign/${signature.id}/seals/0`,
      jsonInit('POST', { ticket, sealId: personalSeal, sha256: await sha256Of(after.uri) }, { auth: false }),
    );
    expect(good.status, JSON.stringify(good.body)).toBe(200);
    expect(good.body.entities[0].seals[0].state).toBe('signed');
  });

  it('the preview shows only revisions of this Signature', async () => {
    const signature = await generated();
    const ticket = await ticketFor(signature.id);
    const other = await generated();
    const foreign = await service.api(`/sign/${signature.id}/preview?seal=0&rev=${other.fileId}`, {
      auth: false,
      headers: { 'x-infoplus-ticket': ticket },
    });
    expect(foreign.status).toBe(404);
    const own = await service.api(`/sign/${signature.id}/preview?seal=0&rev=${signature.fileId}`, {
      auth: false,
      headers: { 'x-infoplus-ticket': ticket },
    });
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toContain('image/png');
  });

  it('a regeneration that started before a stamp and finishes after it is refused; the stamped PDF stays (soffice paused)', async () => {
    const signature = await generated();
    const ticket = await ticketFor(signature.id);
    const pids = sofficePids(service.dataDir);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    let regeneration: Promise<{ status: number; body: any }>;
    try {
      regeneration = service.json(`/signature/${signature.id}/document`, jsonInit('POST', { data: { ...SAMPLE, reason: '替换后的内容' } }));
      // The regeneration is now inside LibreOffice; the signer stamps the document they saw.
      await new Promise((resolve) => setTimeout(resolve, 800));
      const stamped = await service.json(
        `/sign/${signature.id}/seals/0`,
        jsonInit('POST', { ticket, sealId: personalSeal, sha256: await sha256Of(signature.uri) }, { auth: false }),
      );
      expect(stamped.status, JSON.stringify(stamped.body)).toBe(200);
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
    const regenerated = await regeneration;
    expect(regenerated).toMatchObject({ status: 409, body: { ecode: 'DOCUMENT_LOCKED' } });
    const after = (await service.json(`/signature/${signature.id}`)).body.entities[0];
    expect(after.seals[0].state).toBe('signed');
    expect(after.revisions.at(-1)).toMatchObject({ sealIndex: 0, uri: after.uri });
    const report = (await service.json(`/signature/${signature.id}/verify`)).body.entities[0];
    expect(report).toMatchObject({ valid: true, signatureCount: 1 });
  });

  it('refuses regeneration while a seal is pending at a provider', async () => {
    const signature = await generated();
    await service.json(`/signature/${signature.id}`, jsonInit('POST', { seals: [{ index: 0, state: 'pending', provider: 'esign' }] }));
    const refused = await service.json(`/signature/${signature.id}/document`, jsonInit('POST', { data: SAMPLE }));
    expect(refused).toMatchObject({ status: 409, body: { ecode: 'DOCUMENT_LOCKED' } });
  });

  it('end users fill only the fields the template declares', async () => {
    const signature = await generated();
    const ticket = await ticketFor(signature.id);
    const extra = await service.json(
      `/signature/${signature.id}/document`,
      jsonInit('POST', { ticket, data: { ...SAMPLE, approvedBy: '院长' } }, { auth: false }),
    );
    expect(extra).toMatchObject({ status: 422, body: { ecode: 'TEMPLATE_DATA_INVALID', entities: [{ path: '$.data.approvedBy' }] } });
    const declared = await service.json(`/signature/${signature.id}/document`, jsonInit('POST', { ticket, data: SAMPLE }, { auth: false }));
    expect(declared.status, JSON.stringify(declared.body)).toBe(200);
  });
});
