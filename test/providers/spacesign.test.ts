// SpaceSign through the real service against the local SpaceSign sandbox (Bearer key, envelopes,
// a signing page with real PDF signatures, HMAC-signed webhooks with a timestamp).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPdf } from '@infoplus/pdf-verify';
import { spaceSignSignature, verifySpaceSignWebhook } from '../../src/providers/spacesign/webhooks.js';
import { startSpaceSignSandbox } from '../sandboxes/spacesign/index.js';
import { docxOf, sofficePdf } from '../helpers/office.js';
import { nssDbTrusting, pdfsig } from '../helpers/pdfsig.js';
import { type TestService, jsonInit, startTestService, tempDataDir, uploadFile } from '../helpers/service.js';
import { sleep, until } from '../helpers/poll.js';

const SECRET = 'spacesign-webhook-secret-0123456789';

describe('SpaceSign provider against the sandbox', () => {
  let sandbox: Awaited<ReturnType<typeof startSpaceSignSandbox>>;
  let service: TestService;
  let env: Record<string, string>;
  let dataDir: string;
  let pdfId: string;
  let seal: any;

  const startService = async () => {
    service = await startTestService(env, dataDir);
    sandbox.setWebhookUrl(`${service.url}/callbacks/spacesign`);
  };

  beforeAll(async () => {
    sandbox = await startSpaceSignSandbox({ apiKey: 'space-key-0123456789', webhookSecret: SECRET });
    const anchors = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'space-ca-')), 'ca.pem');
    fs.writeFileSync(anchors, sandbox.caPem);
    dataDir = tempDataDir();
    env = {
      DEMO_DATA: 'true',
      SPACESIGN_BASE_URL: sandbox.apiUrl,
      SPACESIGN_API_KEY: 'space-key-0123456789',
      SPACESIGN_WEBHOOK_SECRET: SECRET,
      TRUST_ANCHORS: anchors,
      RECONCILE_INTERVAL_MS: '3600000',
      RECONCILE_AFTER_MS: '0',
    };
    await startService();
    expect(
      (await service.json('/provider-accounts/spacesign/chenqi', jsonInit('PUT', { name: '陈七', email: 'chenqi@xinghe.example.com' })))
        .status,
    ).toBe(200);
    seal = (
      await service.json(
        '/seals',
        jsonInit('POST', {
          name: '陈七（SpaceSign）',
          type: '个人签名',
          owner: '陈七',
          ownerKind: 'person',
          holders: ['chenqi'],
          provider: 'spacesign',
        }),
      )
    ).body.entities[0];
    pdfId = (await uploadFile(service, sofficePdf(docxOf(['技术服务合同', '乙方（签字）：【乙方盖章】'])), 'contract.pdf')).body.entities[0]
      .id;
  });
  afterAll(async () => {
    await service?.stop();
    await sandbox?.close();
  });

  const start = async () => {
    const signature = (
      await service.json(
        '/signature',
        jsonInit('POST', {
          file: pdfId,
          seals: [{ placeHolder: '【乙方盖章】', signer: { account: 'chenqi', name: '陈七' }, description: '乙方' }],
        }),
      )
    ).body.entities[0];
    const ticket = (await service.json(`/signature/${signature.id}/tickets`, jsonInit('POST', { account: 'chenqi', name: '陈七' }))).body
      .entities[0].ticket;
    const started = await service.json(
      `/sign/${signature.id}/seals/0`,
      jsonInit('POST', { ticket, sealId: seal.id, version: signature.version }, { auth: false }),
    );
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    return { signature, ticket, signUrl: started.body.entities[1]?.signUrl as string, envelopeId: sandbox.envelopes().at(-1)!.id };
  };
  const s1 = async (id: string) => (await service.json(`/signature/${id}`)).body.entities[0];
  const reset = () => Object.assign(sandbox.webhooks, { repeat: 1, delayMs: 0, drop: false, forge: false });

  it('signs end to end (document, envelope with signer and field, send, signing page, webhook, download), verified by pdfsig and our verifier', async () => {
    reset();
    const { signature, signUrl } = await start();
    expect(sandbox.envelopes().at(-1)).toMatchObject({
      status: 'sent',
      signer: { email: 'chenqi@xinghe.example.com', name: '陈七', role: '乙方', order: 1 },
      field: { page: 1, width: 119, height: 119 },
    });
    expect((await fetch(signUrl)).status).toBe(200);
    expect((await fetch(`${signUrl}/sign`, { method: 'POST' })).status).toBe(200);
    const final = await until(
      () => s1(signature.id),
      (s) => s.seals[0].state === 'signed',
    );
    const pdf = new Uint8Array(await (await service.api(new URL(final.uri).pathname)).arrayBuffer());
    expect((await verifyPdf(pdf, { trustAnchorsPem: [sandbox.caPem] })).signatures.map((s) => [s.valid, s.trusted])).toEqual([
      [true, true],
    ]);
    const nss = nssDbTrusting([sandbox.caPem]);
    expect(pdfsig(nss, pdf).map((s) => s.signatureValidation)).toEqual(['Signature is Valid.']);
    fs.rmSync(nss, { recursive: true, force: true });
  });

  it('refuses forged and stale webhooks (nothing changes), applies a duplicated one once', async () => {
    reset();
    const { signature, envelopeId } = await start();
    sandbox.webhooks.forge = true;
    await sandbox.signAs(envelopeId);
    await sleep(600);
    expect((await s1(signature.id)).seals[0].state).toBe('pending');
    const body = JSON.stringify({ id: 'evt_stale', event: 'envelope.completed', data: { envelopeId, status: 'completed' } });
    const old = Math.floor(Date.now() / 1000) - 3600;
    const stale = await fetch(`${service.url}/callbacks/spacesign`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-spacesign-signature': `t=${old},v1=${spaceSignSignature(SECRET, old, body)}` },
    });
    expect(stale.status).toBe(401);
    expect((await s1(signature.id)).seals[0].state).toBe('pending');

    // A genuine webhook, delivered three times.
    const now = Math.floor(Date.now() / 1000);
    const genuine = JSON.stringify({ id: 'evt_genuine_1', event: 'envelope.completed', data: { envelopeId, status: 'completed' } });
    const send = () =>
      fetch(`${service.url}/callbacks/spacesign`, {
        method: 'POST',
        body: genuine,
        headers: { 'content-type': 'application/json', 'x-spacesign-signature': `t=${now},v1=${spaceSignSignature(SECRET, now, genuine)}` },
      });
    expect((await send()).status).toBe(200);
    const signed = await until(
      () => s1(signature.id),
      (s) => s.seals[0].state === 'signed',
    );
    expect((await (await send()).json()).entities[0].duplicate).toBe(true);
    await send();
    await sleep(300);
    const after = await s1(signature.id);
    expect(after.version).toBe(signed.version);
    expect(verifySpaceSignWebhook(SECRET, `t=${now},v1=${spaceSignSignature(SECRET, now, genuine)}`, Buffer.from(genuine))).toBe(true);
    expect(verifySpaceSignWebhook(SECRET, `t=${now},v1=${spaceSignSignature('other', now, genuine)}`, Buffer.from(genuine))).toBe(false);
  });

  it('waits out a 429 and shows declined and expired envelopes', async () => {
    reset();
    sandbox.rateLimitNext(1);
    const before = sandbox.rateLimited;
    const declined = await start();
    expect(sandbox.rateLimited).toBe(before + 1);
    await sandbox.decline(declined.envelopeId, '条款需修改');
    expect(
      (
        await until(
          () => s1(declined.signature.id),
          (s) => s.seals[0].state === 'refused',
        )
      ).seals[0].stateReason,
    ).toContain('条款需修改');
    const expiring = await start();
    await sandbox.expire(expiring.envelopeId);
    await until(
      () => s1(expiring.signature.id),
      (s) => s.seals[0].state === 'expired',
    );
  });

  it('resumes a flow across a restart (the webhook was lost while it was down) by polling', async () => {
    reset();
    const { signature, envelopeId } = await start();
    const port = service.port;
    await service.close();
    sandbox.webhooks.drop = true;
    await sandbox.signAs(envelopeId);
    env = { ...env, PORT: String(port) };
    await startService();
    await until(
      () => s1(signature.id),
      (s) => s.seals[0].state === 'signed',
    );
  });
});
