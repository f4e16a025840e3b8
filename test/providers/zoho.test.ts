// Zoho Sign through the real service against the local Zoho sandbox (short-lived OAuth tokens,
// embedded signing page with real PDF signatures, webhooks treated as hints).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPdf } from '@infoplus/pdf-verify';
import { startZohoSandbox } from '../sandboxes/zoho/index.js';
import { docxOf, sofficePdf } from '../helpers/office.js';
import { nssDbTrusting, pdfsig } from '../helpers/pdfsig.js';
import { type TestService, jsonInit, startTestService, tempDataDir, uploadFile } from '../helpers/service.js';
import { sleep, until } from '../helpers/poll.js';

const WEBHOOK_TOKEN = 'zoho-webhook-path-token-0123456789abcdef';
/** Short-lived access tokens, so the flows below meet a token refresh. */
const TOKEN_LIFETIME_S = 2;

describe('Zoho Sign provider against the sandbox', () => {
  let sandbox: Awaited<ReturnType<typeof startZohoSandbox>>;
  let service: TestService;
  let env: Record<string, string>;
  let dataDir: string;
  let pdfId: string;
  let seal: any;

  const startService = async () => {
    service = await startTestService(env, dataDir);
    sandbox.setWebhookUrl(`${service.url}/callbacks/zoho/${WEBHOOK_TOKEN}`);
  };

  beforeAll(async () => {
    sandbox = await startZohoSandbox({
      clientId: 'client-1',
      clientSecret: 'client-secret-1',
      refreshToken: 'refresh-1',
      tokenLifetimeSeconds: TOKEN_LIFETIME_S,
    });
    const anchors = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zoho-ca-')), 'ca.pem');
    fs.writeFileSync(anchors, sandbox.caPem);
    dataDir = tempDataDir();
    env = {
      DEMO_DATA: 'true',
      ZOHO_ACCOUNTS_URL: sandbox.accountsUrl,
      ZOHO_API_URL: sandbox.apiUrl,
      ZOHO_CLIENT_ID: 'client-1',
      ZOHO_CLIENT_SECRET: 'client-secret-1',
      ZOHO_REFRESH_TOKEN: 'refresh-1',
      ZOHO_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
      TRUST_ANCHORS: anchors,
      RECONCILE_INTERVAL_MS: '3600000',
      RECONCILE_AFTER_MS: '0',
    };
    await startService();
    expect(
      (await service.json('/provider-accounts/zoho/zhaoliu', jsonInit('PUT', { name: '赵六', email: 'zhaoliu@example.edu.cn' }))).status,
    ).toBe(200);
    seal = (
      await service.json(
        '/seals',
        jsonInit('POST', {
          name: '赵六（Zoho Sign）',
          type: '个人签名',
          owner: '赵六',
          ownerKind: 'person',
          holders: ['zhaoliu'],
          provider: 'zoho',
        }),
      )
    ).body.entities[0];
    pdfId = (await uploadFile(service, sofficePdf(docxOf(['技术服务合同', '\f', '甲方（盖章）：【甲方盖章】'])), 'contract.pdf')).body
      .entities[0].id;
  });
  afterAll(async () => {
    await service?.stop();
    await sandbox?.close();
  });

  const start = async () => {
    const signature = (
      await service.json(
        '/signature',
        jsonInit('POST', { file: pdfId, seals: [{ placeHolder: '【甲方盖章】', signer: { account: 'zhaoliu', name: '赵六' } }] }),
      )
    ).body.entities[0];
    const ticket = (await service.json(`/signature/${signature.id}/tickets`, jsonInit('POST', { account: 'zhaoliu', name: '赵六' }))).body
      .entities[0].ticket;
    const started = await service.json(
      `/sign/${signature.id}/seals/0`,
      jsonInit('POST', { ticket, sealId: seal.id, version: signature.version }, { auth: false }),
    );
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    return { signature, ticket, signUrl: started.body.entities[1]?.signUrl as string, requestId: sandbox.requests().at(-1)!.request_id };
  };
  const s1 = async (id: string) => (await service.json(`/signature/${id}`)).body.entities[0];
  const reset = () => {
    Object.assign(sandbox.webhooks, { repeat: 1, delayMs: 0, drop: false, forge: false });
    sandbox.setTokenLifetime(TOKEN_LIFETIME_S);
  };

  it('signs end to end through the signing page, refreshing the token mid-flow; verified by pdfsig and our verifier', async () => {
    reset();
    const { signature, signUrl, requestId } = await start();
    expect(signUrl.startsWith(`${sandbox.url}/zsign/`)).toBe(true);
    const field = sandbox.requests().at(-1)!.fields[0];
    expect(field).toMatchObject({ page_no: 1, abs_width: expect.closeTo((119 / 595.3) * 100, 1) });
    const issued = sandbox.tokensIssued;
    await sleep(2200); // the access token expires while the signer is at Zoho
    expect((await fetch(signUrl)).status).toBe(200);
    expect((await fetch(`${signUrl}/sign`, { method: 'POST' })).status).toBe(200);
    const final = await until(
      () => s1(signature.id),
      (s) => s.seals[0].state === 'signed',
    );
    expect(sandbox.tokensIssued).toBeGreaterThan(issued);
    expect(final.seals[0]).toMatchObject({ provider: 'zoho', evidence: expect.stringContaining('/file/') });
    expect((await service.api(new URL(final.seals[0].evidence).pathname)).headers.get('content-type')).toBe('application/pdf');
    const pdf = new Uint8Array(await (await service.api(new URL(final.uri).pathname)).arrayBuffer());
    expect((await verifyPdf(pdf, { trustAnchorsPem: [sandbox.caPem] })).signatures.map((s) => [s.valid, s.trusted])).toEqual([
      [true, true],
    ]);
    const nss = nssDbTrusting([sandbox.caPem]);
    expect(pdfsig(nss, pdf).map((s) => s.signatureValidation)).toEqual(['Signature is Valid.']);
    fs.rmSync(nss, { recursive: true, force: true });
    expect(requestId).toBeTruthy();
  });

  it('treats webhooks as hints: a forged one changes nothing, a duplicated one applies once, a wrong path is 404', async () => {
    reset();
    // The service must still hold an unexpired token when Zoho revokes it below: with the 2-s tokens
    // of the first test a slow machine lets it expire first, and the service refreshes without a 401.
    sandbox.setTokenLifetime(3600);
    sandbox.revokeTokens();
    const { signature, requestId } = await start();
    await sandbox.forgeCompleted(requestId);
    await sleep(600);
    expect((await s1(signature.id)).seals[0].state).toBe('pending');
    expect(
      (
        await fetch(`${service.url}/callbacks/zoho/wrong-token`, {
          method: 'POST',
          body: '{}',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(404);

    // Zoho revokes our (still unexpired) token: the next call gets 401, refreshes once and retries once.
    const rejected = sandbox.rejectedTokens;
    sandbox.revokeTokens();
    sandbox.webhooks.repeat = 4;
    await sandbox.signAs(requestId);
    const signed = await until(
      () => s1(signature.id),
      (s) => s.seals[0].state === 'signed',
    );
    await sleep(600);
    const after = await s1(signature.id);
    expect(after.version).toBe(signed.version);
    expect(after.revisions.length).toBe(2);
    expect(sandbox.rejectedTokens).toBeGreaterThan(rejected);
  });

  it('waits out a 429, and shows declined and expired requests as such', async () => {
    reset();
    sandbox.rateLimitNext(2);
    const before = sandbox.rateLimited;
    const declined = await start();
    expect(sandbox.rateLimited).toBe(before + 2);
    await sandbox.decline(declined.requestId, '合同金额有误');
    const refused = await until(
      () => s1(declined.signature.id),
      (s) => s.seals[0].state === 'refused',
    );
    expect(refused.seals[0].stateReason).toContain('合同金额有误');

    const expiring = await start();
    await sandbox.expire(expiring.requestId);
    await until(
      () => s1(expiring.signature.id),
      (s) => s.seals[0].state === 'expired',
    );
  });

  it('resumes a flow across a restart (the webhook was lost while it was down)', async () => {
    reset();
    const { signature, requestId } = await start();
    const port = service.port;
    await service.close();
    sandbox.webhooks.drop = true;
    await sandbox.signAs(requestId);
    env = { ...env, PORT: String(port) };
    await startService();
    await until(
      () => s1(signature.id),
      (s) => s.seals[0].state === 'signed',
    );
  });

  it('recalls a request when its signer cancels', async () => {
    reset();
    const { signature, ticket, requestId } = await start();
    const cancelled = await service.json(`/sign/${signature.id}/seals/0`, {
      method: 'DELETE',
      auth: false,
      headers: { 'x-infoplus-ticket': ticket },
    });
    expect(cancelled.body.entities[0].seals[0].state).toBe('cancelled');
    expect(sandbox.requests().find((r) => r.request_id === requestId)!.request_status).toBe('recalled');
  });
});
