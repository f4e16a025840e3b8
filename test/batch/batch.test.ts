import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nssDbTrusting, pdfsig } from '../helpers/pdfsig.js';
import { type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';
import { subscribe } from '../helpers/ws.js';
import { DEAN, OFFICE, approvalForm } from './fixtures.js';

describe('batch stamping (批量盖章)', () => {
  let service: TestService;
  let pdfId: string;
  let nss: string;
  let seals: any[];
  const sealNamed = (name: string) => seals.find((seal) => seal.name === name);

  beforeAll(async () => {
    service = await startTestService({ DEMO_DATA: 'true', BATCH_MAX_ITEMS: '40', BATCH_CONCURRENCY: '4' });
    pdfId = (await uploadFile(service, await approvalForm('Application for leave'), 'application.pdf')).body.entities[0].id;
    seals = (await service.json('/seals')).body.entities;
    nss = nssDbTrusting([await (await service.api('/ca.pem')).text()]);
  }, 300_000);
  afterAll(() => service?.stop());

  const create = async (slots: unknown[], name = 'application.pdf') => {
    const created = await service.json('/signature', jsonInit('POST', { file: pdfId, name, seals: slots }));
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    return created.body.entities[0];
  };
  const issue = async (items: Array<{ signatureId: string; sealIndex: number }>, account = 'zhaoliu', name = '赵六') =>
    service.json('/batches', jsonInit('POST', { account, name, items }));
  const asApprover = (ticket: string) => ({ auth: false, headers: { 'x-infoplus-ticket': ticket } });
  const start = (batch: any, body: Record<string, unknown>) =>
    service.json(`/sign-batch/${batch.id}/start`, jsonInit('POST', body, asApprover(batch.ticket)));
  const waitDone = async (batch: any) => {
    for (let i = 0; i < 600; i++) {
      const state = (await service.json(`/batches/${batch.id}`)).body.entities[0];
      if (state.state === 'done') return state;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the batch did not finish');
  };
  const pdfOf = async (uri: string) => new Uint8Array(await (await service.api(new URL(uri).pathname)).arrayBuffer());

  it('30 items across two seal-type rules: forbidden items each carry their rule, every other slot is stamped once, as a single stamp would', async () => {
    const contract = { placeHolder: OFFICE, permission: { sealTypes: ['合同专用章'] } };
    const either = { placeHolder: DEAN, permission: { sealTypes: ['公章', '合同专用章'] } };
    const items: Array<{ signatureId: string; sealIndex: number }> = [];
    const expected = new Map<number, string>();
    const twoSlot: string[] = [];
    for (let i = 0; i < 5; i++) {
      const signature = await create([contract, either], `two-slot-${i}.pdf`);
      twoSlot.push(signature.id);
      items.push({ signatureId: signature.id, sealIndex: 0 }, { signatureId: signature.id, sealIndex: 1 });
    }
    for (let i = 0; i < 10; i++)
      items.push({ signatureId: (await create([i % 2 ? contract : either], `one-slot-${i}.pdf`)).id, sealIndex: 0 });
    const refusal = async (slot: unknown, rule: string) => {
      expected.set(items.length, rule);
      items.push({ signatureId: (await create([slot], `${rule}.pdf`)).id, sealIndex: 0 });
    };
    for (let i = 0; i < 3; i++) await refusal({ placeHolder: OFFICE, signer: { account: 'chenqi', name: '陈七' } }, 'SIGNER_MISMATCH');
    for (let i = 0; i < 3; i++) await refusal({ placeHolder: OFFICE, permission: { signers: ['lisi'] } }, 'SIGNER_NOT_ALLOWED');
    for (let i = 0; i < 2; i++) await refusal({ placeHolder: OFFICE, permission: { sealTypes: ['财务专用章'] } }, 'SEAL_TYPE_NOT_ALLOWED');
    expected.set(items.length, 'DUPLICATE_ITEM');
    items.push({ ...items[3] });
    expected.set(items.length, 'SEAL_NOT_FOUND');
    items.push({ signatureId: twoSlot[0], sealIndex: 7 });
    expect(items).toHaveLength(30);

    const issued = await issue(items);
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    const batch = issued.body.entities[0];
    expect(batch.url).toContain(`/sign-batch/${batch.id}?ticket=`);
    expect(batch.items.filter((item: any) => item.state === 'refused').map((item: any) => item.ecode)).toEqual([
      'DUPLICATE_ITEM',
      'SEAL_NOT_FOUND',
    ]);

    // Only the seal that passes every stampable slot is offered; slots no held seal can take are listed with their rule.
    const state = (await service.json(`/sign-batch/${batch.id}/state`, asApprover(batch.ticket))).body.entities[0];
    expect(state.seals.map((seal: any) => seal.name)).toEqual(['示范大学合同专用章']);
    expect(Object.fromEntries(state.blocked.map((item: any) => [item.position, item.ecode]))).toEqual(
      Object.fromEntries([...expected].filter(([, rule]) => !['DUPLICATE_ITEM', 'SEAL_NOT_FOUND'].includes(rule))),
    );
    // Another ticket cannot read or start it; the 公章 (fails the contract-only slots) is refused up front.
    expect(
      (await service.json(`/sign-batch/${batch.id}/state`, asApprover(issued.body.entities[0].ticket.replace(/.$/, 'x')))).status,
    ).toBe(401);
    const wrongSeal = await start(batch, { sealId: sealNamed('示范大学公章').id });
    expect([wrongSeal.status, wrongSeal.body.ecode]).toEqual([403, 'BATCH_SEAL_NOT_OFFERED']);

    const progress = await subscribe(
      `${service.url.replace('http', 'ws')}/sign-batch/${batch.id}/events?ticket=${encodeURIComponent(batch.ticket)}`,
    );
    expect((await progress.next()).type).toBe('batch');
    const started = await start(batch, { sealId: sealNamed('示范大学合同专用章').id, comment: '同意' });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const seen = await progress.until((message) => message.type === 'batch.done');
    expect(seen.filter((message) => message.type === 'batch.item' && message.item.state === 'stamped')).toHaveLength(20);
    progress.ws.close();
    expect((await start(batch, { sealId: sealNamed('示范大学合同专用章').id })).body.ecode).toBe('BATCH_ALREADY_STARTED');

    const done = await waitDone(batch);
    expect(done.counts).toMatchObject({ total: 30, stamped: 20, failed: 0, refused: 10 });
    for (const [position, rule] of expected)
      expect([position, done.items[position].state, done.items[position].ecode]).toEqual([position, 'refused', rule]);

    // Each Signature carries exactly one PAdES signature per stamped slot, all valid; S1 shows each as a single stamp would.
    const stampedBySignature = new Map<string, number>();
    for (const item of done.items.filter((entry: any) => entry.state === 'stamped'))
      stampedBySignature.set(item.signatureId, (stampedBySignature.get(item.signatureId) ?? 0) + 1);
    for (const [signatureId, count] of stampedBySignature) {
      const signature = (await service.json(`/signature/${signatureId}`)).body.entities[0];
      for (const slot of signature.seals)
        expect(slot).toMatchObject({
          state: 'signed',
          sealName: '示范大学合同专用章',
          comment: '同意',
          provider: 'local',
          signedBy: { account: 'zhaoliu' },
        });
      const checks = pdfsig(nss, await pdfOf(signature.uri));
      expect(checks, signatureId).toHaveLength(count);
      // pdfsig (NSS) reports the same certificate's second signature in one file as "Unknown issue with
      // Certificate", so trust is checked by our verifier; pdfsig checks each signature's bytes.
      expect(checks[0].certificateValidation).toBe('Certificate is Trusted.');
      for (const check of checks) expect(check.signatureValidation).toBe('Signature is Valid.');
      const verified = await service.json(`/signature/${signatureId}/verify`);
      expect(verified.status, JSON.stringify(verified.body)).toBe(200);
      const report = verified.body.entities[0];
      expect([
        report.valid,
        report.matchesRecord,
        report.signatures.every((entry: any) => entry.valid && entry.trusted && !entry.modifiedAfterSigning),
      ]).toEqual([true, true, true]);
    }
    expect([...stampedBySignature.values()].filter((count) => count === 2)).toHaveLength(5);
    for (const [position] of expected) {
      const item = done.items[position];
      if (item.ecode === 'SEAL_NOT_FOUND' || item.ecode === 'DUPLICATE_ITEM') continue;
      expect((await service.json(`/signature/${item.signatureId}`)).body.entities[0].seals[0].state).toBe('unsigned');
    }
  });

  it('open controls of every affected Signature flip live while the batch runs', async () => {
    const signatures = [await create([{ placeHolder: OFFICE }]), await create([{ placeHolder: DEAN }])];
    const controls = [];
    for (const signature of signatures) {
      const read = (await service.json(`/signature/${signature.id}/tickets`, jsonInit('POST', { account: 'someone', scopes: ['read'] })))
        .body.entities[0].ticket;
      const socket = await subscribe(
        `${service.url.replace('http', 'ws')}/signature/${signature.id}/events?ticket=${encodeURIComponent(read)}`,
      );
      expect((await socket.next()).signature.seals[0].state).toBe('unsigned');
      controls.push(socket);
    }
    const batch = (await issue(signatures.map((signature) => ({ signatureId: signature.id, sealIndex: 0 })))).body.entities[0];
    expect((await start(batch, { sealId: sealNamed('示范大学公章').id })).status).toBe(200);
    for (const socket of controls) {
      await socket.until((message) => message.type === 'signature' && message.signature.seals[0].state === 'signed');
      socket.ws.close();
    }
  });

  it('bad input: over the maximum refused up front; a changed Signature and a seal disabled mid-batch reported per item; nothing stamped twice', async () => {
    const tooMany = await issue(Array.from({ length: 41 }, (_, i) => ({ signatureId: pdfId, sealIndex: i })));
    expect([tooMany.status, tooMany.body.ecode]).toEqual([413, 'BATCH_TOO_LARGE']);

    const changed = await create([{ placeHolder: OFFICE }]);
    const others = [];
    for (let i = 0; i < 12; i++) others.push(await create([{ placeHolder: OFFICE }]));
    const batch = (await issue([changed, ...others].map((signature) => ({ signatureId: signature.id, sealIndex: 0 })))).body.entities[0];
    // The engine renames the first document after the batch was issued: the approver did not see this version.
    expect((await service.json(`/signature/${changed.id}`, jsonInit('POST', { name: 'renamed.pdf' }))).status).toBe(200);
    const state = (await service.json(`/sign-batch/${batch.id}/state`, asApprover(batch.ticket))).body.entities[0];
    expect(state.blocked).toEqual([expect.objectContaining({ position: 0, ecode: 'DOCUMENT_CHANGED' })]);

    const seal = sealNamed('示范大学公章');
    const progress = await subscribe(
      `${service.url.replace('http', 'ws')}/sign-batch/${batch.id}/events?ticket=${encodeURIComponent(batch.ticket)}`,
    );
    expect((await start(batch, { sealId: seal.id })).status).toBe(200);
    await progress.until((message) => message.type === 'batch.item' && message.item.state === 'stamped');
    await service.registry.setDisabled(seal.id, true);
    try {
      const done = await waitDone(batch);
      progress.ws.close();
      expect(done.items[0]).toMatchObject({ state: 'refused', ecode: 'DOCUMENT_CHANGED' });
      const stamped = done.items.filter((item: any) => item.state === 'stamped');
      const failed = done.items.filter((item: any) => item.state === 'failed');
      expect(stamped.length).toBeGreaterThanOrEqual(1);
      expect(stamped.length + failed.length).toBe(12);
      for (const item of failed) expect(item.ecode).toBe('SEAL_DISABLED');
      for (const item of done.items.slice(1)) {
        const signature = (await service.json(`/signature/${item.signatureId}`)).body.entities[0];
        expect(pdfsig(nss, await pdfOf(signature.uri)), item.state).toHaveLength(item.state === 'stamped' ? 1 : 0);
      }
    } finally {
      await service.registry.setDisabled(seal.id, false);
    }
  });
});
