import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { EsignSandbox } from '../sandboxes/esign/index.js';
import { makePdf } from './fixtures.js';
import { sleep, until } from './poll.js';
import { ENGINE_KEY, jsonInit, type ServiceClient, ticketFor, uploadFile } from './service.js';
import { subscribe } from './ws.js';

/** The e签宝 sandbox's project, shared by the sandbox and every instance that talks to it. */
export const ESIGN_TEST_PROJECT = { id: 'sandbox-project-scale', secret: 'sandbox-secret-scale-0123456789' };

/** Environment for API instances using the sandbox: its API, the project, its CA as a trust anchor, no background reconciliation. */
export function esignSandboxEnv(sandbox: EsignSandbox, project = ESIGN_TEST_PROJECT): Record<string, string> {
  const anchors = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'anchors-')), 'sandbox-ca.pem');
  fs.writeFileSync(anchors, sandbox.caPem);
  return {
    ESIGN_BASE_URL: sandbox.apiBase,
    ESIGN_PROJECT_ID: project.id,
    ESIGN_PROJECT_SECRET: project.secret,
    TRUST_ANCHORS: anchors,
    RECONCILE_INTERVAL_MS: '3600000',
  };
}

/**
 * Issue 14's callback case: 赵六 starts an e签宝 flow through `start`, the sandbox sends its callback
 * `repeat` times to `receive`; the stamp is applied once (one new revision, one version) and pushed
 * to a control connected to `start`.
 */
export async function expectCallbackAppliedOnce(
  start: ServiceClient,
  receive: ServiceClient,
  sandbox: EsignSandbox,
  repeat: number,
): Promise<void> {
  expect(
    (await start.json('/provider-accounts/esign/zhaoliu', jsonInit('PUT', { name: '赵六', idNo: '110101199001011234', idType: 19 })))
      .status,
  ).toBe(200);
  const seal = (
    await start.json(
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
  const pdfId = (await uploadFile(start, await makePdf('甲方盖章'), 'c.pdf')).body.entities[0].id;
  const signature = (
    await start.json('/signature', jsonInit('POST', { file: pdfId, seals: [{ x: 100, y: 200, page: 1, signer: { account: 'zhaoliu' } }] }))
  ).body.entities[0];
  const control = await subscribe(`${start.url.replace('http', 'ws')}/signature/${signature.id}/events`, {
    authorization: `Bearer ${ENGINE_KEY}`,
  });

  const started = await start.json(
    `/sign/${signature.id}/seals/0`,
    jsonInit(
      'POST',
      { ticket: await ticketFor(start, signature.id, 'zhaoliu'), sealId: seal.id, version: signature.version },
      { auth: false },
    ),
  );
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  sandbox.setCallbackUrl(`${receive.url}/callbacks/esign`);
  sandbox.callbacks.repeat = repeat;
  const flow = sandbox.flows().at(-1)!;
  await sandbox.signAs(flow.flowId, flow.signers[0].accountId);

  const final = await until(
    async () => (await receive.json(`/signature/${signature.id}`)).body.entities[0],
    (s) => s.seals[0].state === 'signed',
    30_000,
  );
  await sleep(1500); // let every repeated delivery arrive
  const after = (await start.json(`/signature/${signature.id}`)).body.entities[0];
  expect(after.version).toBe(final.version);
  expect(after.revisions).toHaveLength(2);
  await control.until((m) => m.signature?.seals?.[0]?.state === 'signed', 5000);
  control.ws.close();
}
