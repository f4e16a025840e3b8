// A create call is never repeated blindly: when the provider made the flow but its answer was lost
// (a 5xx from a gateway), sending the call again would make a second flow. Reads are still retried.
import { PDFDocument } from '@cantoo/pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EsignClient } from '../../src/providers/esign/client.js';
import { ZohoTokens } from '../../src/providers/zoho/auth.js';
import { ZohoClient } from '../../src/providers/zoho/client.js';
import { type EsignSandbox, startEsignSandbox } from '../sandboxes/esign/index.js';
import { startZohoSandbox, type ZohoSandbox } from '../sandboxes/zoho/index.js';

const RETRY = { timeoutMs: 10_000, attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

async function onePagePdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]);
  return doc.save();
}

describe('e签宝: a 5xx on create', () => {
  const project = { projectId: 'retry-project', projectSecret: 'retry-secret-0123456789abcdef' };
  let sandbox: EsignSandbox;
  let client: EsignClient;
  let start: object;

  beforeAll(async () => {
    sandbox = await startEsignSandbox(project);
    client = new EsignClient({ baseUrl: sandbox.apiBase, ...project, retry: RETRY });
    const { accountId } = await client.call<{ accountId: string }>('/account/create/person/private', {
      thirdId: 'zhaoliu',
      name: '赵六',
      idNo: '110101199001011234',
      idType: 19,
    });
    const { docId } = await client.call<{ docId: string }>('/doc/createbyfilekey', {
      fileKey: await client.uploadPdf(await onePagePdf(), 'a.pdf'),
    });
    start = {
      businessScene: '签署文件',
      docList: [{ docId }],
      recipientList: {
        signerList: [{ accountId, docPosList: [{ docId, signType: 2, posBeanList: [{ posPage: '1', posX: 300, posY: 300 }] }] }],
      },
    };
  });
  afterAll(() => sandbox?.close());

  it('makes one flow, not two: /sign/start is not sent again', async () => {
    sandbox.failAfterwards('/sign/start', 502);
    await expect(client.call('/sign/start', start)).rejects.toMatchObject({ code: 'ESIGN_ERROR' });
    expect(sandbox.flows()).toHaveLength(1);
    expect(sandbox.requests.filter((r) => r.path === '/sign/start')).toHaveLength(1);
  });

  it('still retries a read after a 5xx', async () => {
    const { flowId } = sandbox.flows()[0];
    sandbox.failAfterwards('/sign/docdetail', 503);
    await expect(client.call<{ flowId: string }>('/sign/docdetail', { flowId })).resolves.toMatchObject({ flowId });
    expect(sandbox.requests.filter((r) => r.path === '/sign/docdetail')).toHaveLength(2);
  });
});

describe('Zoho: a 5xx on create', () => {
  const oauth = { clientId: 'client-1', clientSecret: 'secret-1', refreshToken: 'refresh-1' };
  let sandbox: ZohoSandbox;

  beforeAll(async () => {
    sandbox = await startZohoSandbox(oauth);
  });
  afterAll(() => sandbox?.close());

  it('makes one request, not two: POST /requests is not sent again', async () => {
    const client = new ZohoClient(
      { apiUrl: sandbox.apiUrl, retry: RETRY },
      new ZohoTokens({ accountsUrl: sandbox.accountsUrl, ...oauth, retry: RETRY }),
    );
    sandbox.failCreatesAfterwards(1);
    const input = { name: '签署文件', recipientName: '赵六', recipientEmail: 'zhaoliu@example.edu.cn', expirationDays: 15 };
    await expect(client.createRequest(await onePagePdf(), 'a.pdf', input)).rejects.toMatchObject({ code: 'ZOHO_ERROR' });
    expect(sandbox.requests()).toHaveLength(1);
  });
});
