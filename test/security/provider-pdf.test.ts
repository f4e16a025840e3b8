// A compromised provider: the e签宝 sandbox returns a rewritten PDF, or one signed by a CA nobody
// trusts. The service must fail the seal with the reason and store nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEsignSandbox } from '../sandboxes/esign/index.js';
import { docxOf, sofficePdf } from '../helpers/office.js';
import { until } from '../helpers/poll.js';
import { type TestService, jsonInit, startTestService, uploadFile } from '../helpers/service.js';

type Sandbox = Awaited<ReturnType<typeof startEsignSandbox>>;
const PROJECT = { id: 'hostile-project-1', secret: 'hostile-secret-0123456789abcdef' };

describe('provider PDFs must continue ours', () => {
  let sandbox: Sandbox;
  let service: TestService;
  let pdfId: string;
  let orgSeal: any;

  beforeAll(async () => {
    sandbox = await startEsignSandbox({ projectId: PROJECT.id, projectSecret: PROJECT.secret });
    const anchors = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'anchors-')), 'esign-ca.pem');
    fs.writeFileSync(anchors, sandbox.caPem);
    // The sandbox CA is trusted for e签宝 only (per-provider anchors), not through TRUST_ANCHORS.
    service = await startTestService({
      DEMO_DATA: 'true',
      ESIGN_BASE_URL: sandbox.apiBase,
      ESIGN_PROJECT_ID: PROJECT.id,
      ESIGN_PROJECT_SECRET: PROJECT.secret,
      ESIGN_TRUST_ANCHORS: anchors,
      RECONCILE_INTERVAL_MS: '3600000',
    });
    sandbox.setCallbackUrl(`${service.url}/callbacks/esign`);
    const put = (account: string, body: object) => service.json(`/provider-accounts/esign/${account}`, jsonInit('PUT', body));
    expect(
      (
        await put('zhaoliu', {
          name: '赵六',
          idNo: '110101199001011234',
          idType: 19,
          organization: { name: '示范大学', idNo: '12100000400000000X', idType: 11 },
        })
      ).status,
    ).toBe(200);
    orgSeal = (
      await service.json(
        '/seals',
        jsonInit('POST', {
          name: '示范大学公章（e签宝）',
          type: '公章',
          owner: '示范大学',
          holders: ['zhaoliu'],
          provider: 'esign',
          providerOptions: { autoSign: true },
        }),
      )
    ).body.entities[0];
    pdfId = (await uploadFile(service, sofficePdf(docxOf(['技术服务合同', '甲方（盖章）：【甲方盖章】'])), 'contract.pdf')).body.entities[0]
      .id;
  });
  afterAll(async () => {
    await service?.stop();
    await sandbox?.close();
  });

  async function stampAtProvider() {
    const signature = (
      await service.json(
        '/signature',
        jsonInit('POST', { file: pdfId, seals: [{ placeHolder: '【甲方盖章】', permission: { signers: ['zhaoliu'] } }] }),
      )
    ).body.entities[0];
    const ticket = (await service.json(`/signature/${signature.id}/tickets`, jsonInit('POST', { account: 'zhaoliu' }))).body.entities[0]
      .ticket;
    const started = await service.json(
      `/sign/${signature.id}/seals/0`,
      jsonInit('POST', { ticket, sealId: orgSeal.id, version: signature.version }, { auth: false }),
    );
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const final = await until(
      async () => (await service.json(`/signature/${signature.id}`)).body.entities[0],
      (s) => s.seals[0].state !== 'pending',
    );
    return { before: signature, after: final };
  }

  it('fails the seal when the provider rewrote the document (a valid, trusted signature on other bytes), storing nothing', async () => {
    sandbox.hostile.mode = 'rewrite';
    const { before, after } = await stampAtProvider();
    expect(after.seals[0]).toMatchObject({ state: 'failed', stateReason: expect.stringMatching(/does not continue/) });
    expect(after.seals[0].signature).toBeFalsy();
    expect(after.uri).toBe(before.uri);
    expect(after.revisions).toHaveLength(1);
  });

  it('fails the seal when the new signature is not trusted for the provider', async () => {
    sandbox.hostile.mode = 'self-signed';
    const { before, after } = await stampAtProvider();
    expect(after.seals[0]).toMatchObject({
      state: 'failed',
      stateReason: expect.stringMatching(/not from a certificate trusted for esign/),
    });
    expect(after.uri).toBe(before.uri);
    expect(after.revisions).toHaveLength(1);
  });

  it('accepts an honest incremental signature trusted by the provider anchors', async () => {
    sandbox.hostile.mode = 'none';
    const { after } = await stampAtProvider();
    expect(after.seals[0]).toMatchObject({ state: 'signed', provider: 'esign' });
    expect(after.revisions).toHaveLength(2);
  });
});
