// e签宝 through the real service against the local e签宝 sandbox (which checks our request
// signatures and Content-MD5, signs PDFs with its own CA and fires signed callbacks).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEsignSandbox } from '../sandboxes/esign/index.js';
import { esignSignature } from '../../src/providers/esign/signature.js';
import { verifyPdf } from '@infoplus/pdf-verify';
import { docxOf, sofficePdf } from '../helpers/office.js';
import { nssDbTrusting, pdfsig } from '../helpers/pdfsig.js';
import { type TestService, jsonInit, startTestService, tempDataDir, uploadFile } from '../helpers/service.js';
import { subscribe } from '../helpers/ws.js';
import { until } from '../helpers/poll.js';

type Sandbox = Awaited<ReturnType<typeof startEsignSandbox>>;
const PROJECT = { id: 'sandbox-project-1', secret: 'sandbox-secret-0123456789abcdef' };
const AGREEMENT = [
  '技术服务合同',
  '甲方：示范大学',
  '乙方：星河科技有限公司',
  '\f',
  '甲方（盖章）：【甲方盖章】',
  '乙方（盖章）：【乙方盖章】',
  '【骑缝】',
];

describe('e签宝 provider against the sandbox', () => {
  let sandbox: Sandbox;
  let service: TestService;
  let dataDir: string;
  let anchorsFile: string;
  let pdfId: string;
  let personalSeal: any;
  let orgSeal: any;
  let env: Record<string, string>;

  const startService = async () => {
    service = await startTestService(env, dataDir);
    sandbox.setCallbackUrl(`${service.url}/callbacks/esign`);
  };

  beforeAll(async () => {
    sandbox = await startEsignSandbox({ projectId: PROJECT.id, projectSecret: PROJECT.secret });
    anchorsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'anchors-')), 'sandbox-ca.pem');
    fs.writeFileSync(anchorsFile, sandbox.caPem);
    dataDir = tempDataDir();
    env = {
      DEMO_DATA: 'true',
      ESIGN_BASE_URL: sandbox.apiBase,
      ESIGN_PROJECT_ID: PROJECT.id,
      ESIGN_PROJECT_SECRET: PROJECT.secret,
      TRUST_ANCHORS: anchorsFile,
      RECONCILE_INTERVAL_MS: '3600000',
      RECONCILE_AFTER_MS: '0',
    };
    await startService();
    const put = (account: string, body: object) => service.json(`/provider-accounts/esign/${account}`, jsonInit('PUT', body));
    expect(
      (
        await put('zhaoliu', {
          name: '赵六',
          idNo: '110101199001011234',
          idType: 19,
          mobile: '13800000000',
          organization: { name: '示范大学', idNo: '12100000400000000X', idType: 11 },
        })
      ).status,
    ).toBe(200);
    expect((await put('chenqi', { name: '陈七', idNo: '110101199202022345', idType: 19 })).status).toBe(200);
    personalSeal = (
      await service.json(
        '/seals',
        jsonInit('POST', {
          name: '赵六（e签宝）',
          type: '个人签名',
          owner: '赵六',
          ownerKind: 'person',
          holders: ['zhaoliu'],
          provider: 'esign',
        }),
      )
    ).body.entities[0];
    orgSeal = (
      await service.json(
        '/seals',
        jsonInit('POST', {
          name: '示范大学公章（e签宝自动签署）',
          type: '公章',
          owner: '示范大学',
          holders: ['zhaoliu'],
          provider: 'esign',
          providerOptions: { autoSign: true },
        }),
      )
    ).body.entities[0];
    expect(personalSeal?.provider).toBe('esign');
    pdfId = (await uploadFile(service, sofficePdf(docxOf(AGREEMENT)), '技术服务合同.pdf')).body.entities[0].id;
  });
  afterAll(async () => {
    await service?.stop();
    await sandbox?.close();
  });

  const newSignature = async (seals: object[]) =>
    (await service.json('/signature', jsonInit('POST', { file: pdfId, seals }))).body.entities[0];
  const ticket = async (id: string, account: string, name = account) =>
    (await service.json(`/signature/${id}/tickets`, jsonInit('POST', { account, name }))).body.entities[0].ticket as string;
  const stamp = async (id: string, index: number, body: object) => {
    const version = (await service.json(`/signature/${id}`)).body.entities[0].version;
    return service.json(`/sign/${id}/seals/${index}`, jsonInit('POST', { version, ...body }, { auth: false }));
  };
  const s1 = async (id: string) => (await service.json(`/signature/${id}`)).body.entities[0];
  const startRequests = () => sandbox.requests.filter((r) => r.path.endsWith('/sign/start'));
  const reset = () => Object.assign(sandbox.callbacks, { repeat: 1, delayMs: 0, drop: false, badSignature: false });

  it('signs by redirect: signing page → e签宝 → callback → S2, verified by pdfsig and our verifier, pushed to the control', async () => {
    reset();
    const signature = await newSignature([{ placeHolder: '【甲方盖章】', signer: { account: 'zhaoliu', name: '赵六' } }]);
    const t = await ticket(signature.id, 'zhaoliu', '赵六');
    const events = await subscribe(`${service.url.replace('http', 'ws')}/signature/${signature.id}/events?ticket=${encodeURIComponent(t)}`);
    const started = await stamp(signature.id, 0, { ticket: t, sealId: personalSeal.id });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(started.body.entities[0].seals[0]).toMatchObject({ state: 'pending', provider: 'esign' });
    const signUrl: string = started.body.entities[1].signUrl;
    expect(signUrl.startsWith(sandbox.url)).toBe(true);

    // A second click gets the same address, and no second flow.
    const before = startRequests().length;
    expect((await stamp(signature.id, 0, { ticket: t, sealId: personalSeal.id })).body.entities[1].signUrl).toBe(signUrl);
    expect(startRequests().length).toBe(before);
    const body = startRequests().at(-1)!.body as any;
    expect(body.recipientList.signerList[0]).toMatchObject({
      autoSign: 0,
      sealType: '1',
      docPosList: [{ signType: 1, posBeanList: [{ key: '【甲方盖章】' }] }],
    });
    expect(body.redirectUrl).toMatch(new RegExp(`^${service.url}/sign/${signature.id}/return\\?flow=[0-9a-f-]{36}$`));

    const page = await fetch(signUrl);
    expect(page.status).toBe(200);
    const signed = await fetch(`${signUrl}/sign`, { method: 'POST', redirect: 'manual' });
    expect(signed.status).toBe(303);
    expect(signed.headers.get('location')).toBe(body.redirectUrl);

    const final = await until(
      () => s1(signature.id),
      (s) => s.seals[0].state === 'signed',
    );
    expect(final.seals[0]).toMatchObject({ provider: 'esign', sealName: personalSeal.name, signedBy: { account: 'zhaoliu' } });
    expect(final.seals[0].privateKey).toContain('BEGIN CERTIFICATE');
    const returnPage = await (await fetch(body.redirectUrl)).text();
    expect(returnPage).toContain('data-state="signed"');

    const seen = await events.until((m) => m.type === 'signature' && m.signature.seals[0].state === 'signed');
    expect(seen.at(-1).signature.seals[0].signature).toBe(final.seals[0].signature);
    events.ws.close();

    const pdf = new Uint8Array(await (await service.api(new URL(final.uri).pathname)).arrayBuffer());
    const report = await verifyPdf(pdf, { trustAnchorsPem: [sandbox.caPem] });
    expect(report.signatures.map((s) => [s.valid, s.trusted, s.modifiedAfterSigning])).toEqual([[true, true, false]]);
    const nss = nssDbTrusting([sandbox.caPem]);
    expect(pdfsig(nss, pdf).map((s) => [s.signatureValidation, s.certificateValidation])).toEqual([
      ['Signature is Valid.', 'Certificate is Trusted.'],
    ]);
    fs.rmSync(nss, { recursive: true, force: true });
    const verified = (await service.json(`/signature/${signature.id}/verify`)).body.entities[0];
    expect(verified).toMatchObject({ valid: true, matchesRecord: true });
  });

  it('applies an organisation seal silently (autoSign), with no signing page', async () => {
    reset();
    const signature = await newSignature([{ placeHolder: '【乙方盖章】', permission: { signers: ['zhaoliu'] } }]);
    const started = await stamp(signature.id, 0, { ticket: await ticket(signature.id, 'zhaoliu'), sealId: orgSeal.id });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(started.body.entities[1]).toBeUndefined();
    const signer = (startRequests().at(-1)!.body as any).recipientList.signerList[0];
    expect(signer).toMatchObject({ autoSign: 1, authorizationOrgId: expect.any(String) });
    const final = await until(
      () => s1(signature.id),
      (s) => s.seals[0].state === 'signed',
    );
    expect(final.seals[0].signature).toBeTruthy();
  });

  it('maps coordinates, keyword and cross-page placement to docPosList', async () => {
    reset();
    const signature = await newSignature([
      { x: 100, y: 200, page: 1, signer: { account: 'zhaoliu' } },
      { crossPage: true, signer: { account: 'zhaoliu' } },
    ]);
    const t = await ticket(signature.id, 'zhaoliu');
    expect((await stamp(signature.id, 0, { ticket: t, sealId: personalSeal.id })).status).toBe(200);
    const byXY = (startRequests().at(-1)!.body as any).recipientList.signerList[0].docPosList[0];
    expect(byXY).toMatchObject({ signType: 2, posBeanList: [{ posPage: '1', posX: 100, posY: expect.closeTo(841.89 - 200, 0) }] });
    const first = sandbox.flows().at(-1)!;
    await sandbox.signAs(first.flowId, first.signers[0].accountId);
    await until(
      () => s1(signature.id),
      (s) => s.seals[0].state === 'signed',
    );
    expect((await stamp(signature.id, 1, { ticket: t, sealId: personalSeal.id })).status).toBe(200);
    const cross = (startRequests().at(-1)!.body as any).recipientList.signerList[0].docPosList[0];
    expect(cross).toMatchObject({ signType: 3, posBeanList: [{ posPage: '1-2' }] });
  });

  it('shows a refused and an expired flow as such, and a new click starts again', async () => {
    reset();
    const signature = await newSignature([
      { placeHolder: '【甲方盖章】', signer: { account: 'zhaoliu' } },
      { placeHolder: '【乙方盖章】', signer: { account: 'zhaoliu' } },
    ]);
    const t = await ticket(signature.id, 'zhaoliu');
    await stamp(signature.id, 0, { ticket: t, sealId: personalSeal.id });
    const refusedFlow = sandbox.flows().at(-1)!;
    await sandbox.refuseAs(refusedFlow.flowId, refusedFlow.signers[0].accountId, '信息有误');
    const refused = await until(
      () => s1(signature.id),
      (s) => s.seals[0].state === 'refused',
    );
    expect(refused.seals[0].stateReason).toContain('信息有误');
    expect(refused.state).toBe('unsigned');

    await stamp(signature.id, 1, { ticket: t, sealId: personalSeal.id });
    await sandbox.expireFlow(sandbox.flows().at(-1)!.flowId);
    expect(
      (
        await until(
          () => s1(signature.id),
          (s) => s.seals[1].state === 'expired',
        )
      ).seals[1].state,
    ).toBe('expired');

    const again = await stamp(signature.id, 0, { ticket: t, sealId: personalSeal.id });
    expect(again.status).toBe(200);
    expect(again.body.entities[0].seals[0].state).toBe('pending');

    // The signer gives up: the flow is revoked at e签宝 and the seal shows cancelled.
    const flowId = sandbox.flows().at(-1)!.flowId;
    const cancelled = await service.json(`/sign/${signature.id}/seals/0`, {
      method: 'DELETE',
      auth: false,
      headers: { 'x-infoplus-ticket': t },
    });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.entities[0].seals[0].state).toBe('cancelled');
    expect(sandbox.flows().find((f) => f.flowId === flowId)!.flowStatus).toBe(3);
    expect(sandbox.requests.at(-1)!.path).toBe('/sign/revoke');
  });

  it('applies a callback replayed 6 times once, and refuses a callback with a bad signature, changing nothing', async () => {
    reset();
    sandbox.callbacks.repeat = 6;
    const signature = await newSignature([{ placeHolder: '【甲方盖章】', signer: { account: 'zhaoliu' } }]);
    await stamp(signature.id, 0, { ticket: await ticket(signature.id, 'zhaoliu'), sealId: personalSeal.id });
    const flow = sandbox.flows().at(-1)!;
    await sandbox.signAs(flow.flowId, flow.signers[0].accountId);
    const signed = await until(
      () => s1(signature.id),
      (s) => s.seals[0].state === 'signed',
    );
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the replays arrive
    const after = await s1(signature.id);
    expect(after.version).toBe(signed.version);
    expect(after.revisions.length).toBe(2); // the original and one signed revision

    reset();
    const forged = JSON.stringify({
      action: 'SIGN_FLOW_FINISH',
      flowId: flow.flowId,
      flowStatus: 3,
      createTime: '2026-11-22 10:00:00',
      endTime: '2026-11-22 10:01:00',
    });
    const headers = {
      'content-type': 'application/json',
      'x-timevale-project-id': PROJECT.id,
      'x-timevale-signature-algorithm': 'hmac-sha256',
    };
    const bad = await fetch(`${service.url}/callbacks/esign`, {
      method: 'POST',
      body: forged,
      headers: { ...headers, 'x-timevale-signature': esignSignature('wrong-secret', forged) },
    });
    expect(bad.status).toBe(401);
    expect((await bad.json()).ecode).toBe('CALLBACK_SIGNATURE_INVALID');
    const missing = await fetch(`${service.url}/callbacks/esign`, { method: 'POST', body: forged, headers });
    expect(missing.status).toBe(401);

    sandbox.callbacks.badSignature = true;
    const second = await newSignature([{ placeHolder: '【甲方盖章】', signer: { account: 'zhaoliu' } }]);
    await stamp(second.id, 0, { ticket: await ticket(second.id, 'zhaoliu'), sealId: personalSeal.id });
    const flow2 = sandbox.flows().at(-1)!;
    await sandbox.signAs(flow2.flowId, flow2.signers[0].accountId);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await s1(second.id)).seals[0].state).toBe('pending');
    expect((await s1(signature.id)).version).toBe(signed.version);
  });

  it('recovers a lost callback by reconciliation, and resumes a flow across a restart', async () => {
    reset();
    sandbox.callbacks.drop = true;
    const lost = await newSignature([{ placeHolder: '【甲方盖章】', signer: { account: 'zhaoliu' } }]);
    await stamp(lost.id, 0, { ticket: await ticket(lost.id, 'zhaoliu'), sealId: personalSeal.id });
    let flow = sandbox.flows().at(-1)!;
    await sandbox.signAs(flow.flowId, flow.signers[0].accountId);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await s1(lost.id)).seals[0].state).toBe('pending');
    await service.reconciler.runOnce();
    expect((await s1(lost.id)).seals[0].state).toBe('signed');

    // Restart in the middle: the flow starts, the service stops, the signer signs, the callback is lost.
    const resumed = await newSignature([{ placeHolder: '【甲方盖章】', signer: { account: 'zhaoliu' } }]);
    await stamp(resumed.id, 0, { ticket: await ticket(resumed.id, 'zhaoliu'), sealId: personalSeal.id });
    flow = sandbox.flows().at(-1)!;
    // Same address after the restart, as a deployment with a fixed PUBLIC_URL would have.
    const port = service.port;
    await service.close();
    await sandbox.signAs(flow.flowId, flow.signers[0].accountId);
    sandbox.callbacks.drop = false;
    env = { ...env, PORT: String(port) };
    await startService();
    const final = await until(
      () => s1(resumed.id),
      (s) => s.seals[0].state === 'signed',
    );
    expect(final.seals[0].signature).toBeTruthy();
  });

  it('refuses before sending what e签宝 cannot enforce: seal ids, exact seal types, comments', async () => {
    reset();
    const signature = await newSignature([
      { placeHolder: '【甲方盖章】', permission: { sealIds: [personalSeal.id] } },
      { placeHolder: '【甲方盖章】', permission: { sealTypes: ['个人签名'] } },
      { placeHolder: '【甲方盖章】' },
    ]);
    const t = await ticket(signature.id, 'zhaoliu');
    const count = sandbox.requests.length;
    expect((await stamp(signature.id, 0, { ticket: t, sealId: personalSeal.id })).body).toMatchObject({
      ecode: 'PROVIDER_CANNOT_ENFORCE',
      entities: [{ rule: 'sealIds' }],
    });
    expect((await stamp(signature.id, 1, { ticket: t, sealId: personalSeal.id })).body).toMatchObject({
      ecode: 'PROVIDER_CANNOT_ENFORCE',
      entities: [{ rule: 'sealTypes' }],
    });
    expect((await stamp(signature.id, 2, { ticket: t, sealId: personalSeal.id, comment: '同意' })).body.ecode).toBe(
      'PROVIDER_CANNOT_COMMENT',
    );
    expect(sandbox.requests.length).toBe(count);
    expect((await s1(signature.id)).seals.map((s: any) => s.state)).toEqual(['unsigned', 'unsigned', 'unsigned']);
  });
});
