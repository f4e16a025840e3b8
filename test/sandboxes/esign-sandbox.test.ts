// The e签宝 sandbox is strict and faithful to the documented protocol (spec 4.2–4.10). These tests
// talk plain HTTP with their own HMAC code (not our adapter's), so they check the sandbox itself.
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PDFDict, PDFDocument, PDFName, PDFArray, PDFNumber, StandardFonts } from '@cantoo/pdf-lib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findText } from '../../src/pdf/placement.js';
import { verifyPdf } from '@infoplus/pdf-verify';
import { type EsignSandbox, startEsignSandbox } from './esign/index.js';
import { docxOf, sofficePdf } from '../helpers/office.js';
import { sleep, until } from '../helpers/poll.js';

const PROJECT = 'sandbox-test-project';
const SECRET = 'sandbox-test-secret-0123456789';
const hmac = (secret: string, bytes: Buffer | string) => createHmac('sha256', secret).update(bytes).digest('hex');
const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

interface Received {
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
  body: any;
}

/** A local callback receiver that answers `status()` and records every delivery. */
async function startReceiver() {
  const received: Received[] = [];
  let status = () => 200;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      received.push({ headers: req.headers, raw, body: JSON.parse(raw.toString('utf8')) });
      res.writeHead(status()).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callbacks/esign`,
    received,
    answer(fn: () => number) {
      status = fn;
    },
    of: (flowId: string) => received.filter((r) => r.body.flowId === flowId),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Every widget of the PDF: page index and the centre of its /Rect. */
async function widgetsOf(pdf: Uint8Array): Promise<Array<{ page: number; x: number; y: number; width: number }>> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const widgets: Array<{ page: number; x: number; y: number; width: number }> = [];
  doc.getPages().forEach((page, index) => {
    const annots = page.node.lookupMaybe(PDFName.of('Annots'), PDFArray);
    for (let i = 0; i < (annots?.size() ?? 0); i++) {
      const annot = annots!.lookup(i, PDFDict);
      if (annot.get(PDFName.of('Subtype')) !== PDFName.of('Widget')) continue;
      const [x1, y1, x2, y2] = annot
        .lookup(PDFName.of('Rect'), PDFArray)
        .asArray()
        .map((n) => (n as PDFNumber).asNumber());
      widgets.push({ page: index, x: (x1 + x2) / 2, y: (y1 + y2) / 2, width: x2 - x1 });
    }
  });
  return widgets;
}

describe('e签宝 sandbox', () => {
  let sandbox: EsignSandbox;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let chinesePdf: Uint8Array;
  let plainPdf: Uint8Array;

  beforeAll(async () => {
    [sandbox, receiver] = await Promise.all([
      startEsignSandbox({ projectId: PROJECT, projectSecret: SECRET, retryIntervalMs: 50 }),
      startReceiver(),
    ]);
    sandbox.setCallbackUrl(receiver.url);
    chinesePdf = sofficePdf(
      docxOf([
        '技术服务合同',
        '甲方：示范大学',
        '乙方：星河科技有限公司',
        '甲方（盖章）：【甲方盖章】',
        '\f',
        '附件：补充条款',
        '甲方（盖章）：【甲方盖章】',
      ]),
    );
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    for (const text of ['Page one', 'Page two']) doc.addPage([595.28, 841.89]).drawText(text, { x: 72, y: 760, size: 14, font });
    plainPdf = await doc.save();
  });
  afterAll(async () => {
    await sandbox?.close();
    await receiver?.close();
  });
  beforeEach(() => {
    Object.assign(sandbox.callbacks, { repeat: 1, delayMs: 0, drop: false, badSignature: false });
    receiver.answer(() => 200);
  });

  /** POST apiBase+path with the given raw body, signed (or not) as told. */
  async function call(
    path: string,
    body: object | string,
    init: { secret?: string; projectId?: string; signature?: string; contentType?: string; method?: string } = {},
  ) {
    const raw = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
    const response = await fetch(`${sandbox.apiBase}${path}`, {
      method: init.method ?? 'POST',
      ...(init.method === 'GET' ? {} : { body: raw }),
      headers: {
        'Content-Type': init.contentType ?? 'application/json',
        'X-timevale-mode': 'package',
        'X-timevale-project-id': init.projectId ?? PROJECT,
        'X-timevale-signature': init.signature ?? hmac(init.secret ?? SECRET, raw),
        'X-timevale-signature-algorithm': 'hmac-sha256',
      },
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, bytes, json: JSON.parse(bytes.toString('utf8')) };
  }
  /** A successful call's data, after checking the answer's signature. */
  async function data<T = any>(path: string, body: object | string): Promise<T> {
    const answer = await call(path, body);
    expect(answer.headers.get('x-timevale-signature')).toBe(hmac(SECRET, answer.bytes));
    expect(answer.json, `${path}: ${answer.bytes}`).toMatchObject({ errCode: 0 });
    return answer.json.data as T;
  }
  async function person(name: string, idNo: string) {
    return (await data<{ accountId: string }>('/account/create/person/private', { name, idNo, idType: 19 })).accountId;
  }
  async function uploadDoc(pdf: Uint8Array, fileName: string): Promise<string> {
    const contentMd5 = createHash('md5').update(pdf).digest('base64');
    const { fileKey, uploadUrl } = await data('/file/uploadurl', {
      fileName,
      fileSize: pdf.length,
      contentType: 'application/pdf',
      contentMd5,
    });
    const put = await fetch(uploadUrl, {
      method: 'PUT',
      body: Buffer.from(pdf),
      headers: { 'Content-MD5': contentMd5, 'Content-Type': 'application/pdf' },
    });
    expect(put.status).toBe(200);
    return (await data<{ docId: string }>('/doc/createbyfilekey', { fileKey })).docId;
  }
  async function signedPdf(flowId: string): Promise<Uint8Array> {
    const files = await data<Array<{ docId: string; docUrl: string }>>('/sign/download', { flowId });
    expect(Array.isArray(files)).toBe(true);
    const response = await fetch(files[0].docUrl);
    expect(response.headers.get('content-type')).toContain('application/pdf');
    return new Uint8Array(await response.arrayBuffer());
  }

  it('answers a correctly signed request with a signed answer; refuses wrong signatures, projects, methods and types', async () => {
    const ok = await call('/account/create/person/private', {
      thirdId: 'user-1',
      name: '张三',
      idNo: '371500198101175693',
      idType: 19,
      mobile: '13516134875',
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-timevale-signature')).toBe(hmac(SECRET, ok.bytes));
    expect(ok.headers.get('x-timevale-mode')).toBe('package');
    expect(ok.headers.get('x-timevale-project-id')).toBe(PROJECT);
    expect(ok.headers.get('x-timevale-signature-algorithm')).toBe('hmac-sha256');
    expect(ok.json).toMatchObject({ errCode: 0, data: { accountId: expect.stringMatching(/^[0-9a-f]{32}$/) } });

    const body = { thirdId: 'user-1' };
    const wrong = await call('/account/idexchange', body, { secret: 'not-the-secret' });
    expect(wrong.status).toBe(401);
    expect(wrong.bytes.toString('utf8')).toBe('{"errCode":401,"msg":"签名校验失败"}');
    expect(wrong.headers.get('x-timevale-signature')).toBe(hmac(SECRET, wrong.bytes));
    expect((await call('/account/idexchange', body, { signature: '' })).status).toBe(401);
    expect((await call('/account/idexchange', body, { projectId: 'another-project' })).status).toBe(401);
    // The signature is over the exact bytes: the same JSON re-serialised is another signature.
    expect((await call('/account/idexchange', '{ "thirdId": "user-1" }', { signature: hmac(SECRET, '{"thirdId":"user-1"}') })).status).toBe(
      401,
    );
    expect((await call('/account/idexchange', '{ "thirdId": "user-1" }')).json).toMatchObject({
      errCode: 0,
      data: { accountId: ok.json.data.accountId },
    });

    const get = await call('/account/idexchange', '', { method: 'GET' });
    expect([get.status, get.json.errCode]).toEqual([400, 400]);
    expect(get.headers.get('x-timevale-signature')).toBe(hmac(SECRET, get.bytes));
    const text = await call('/account/idexchange', JSON.stringify(body), { contentType: 'text/plain' });
    expect([text.status, text.json.errCode]).toEqual([400, 400]);

    // Business errors: errCode ≠ 0 in a signed answer.
    const again = await call('/account/create/person/private', { thirdId: 'user-1', name: '张三', idNo: '371500198101175693', idType: 19 });
    expect(again.json).toMatchObject({ errCode: 1001, msg: '账号已存在' });
    expect((await call('/account/idexchange', { thirdId: 'nobody' })).json.errCode).toBe(1002);
    expect((await call('/account/create/person/private', { name: '李四', idNo: '1', idType: 12 })).json.errCode).not.toBe(0);
    expect((await call('/account/create/person/private', { name: '李四', idType: 19 })).json.errCode).not.toBe(0);
    expect(
      (await call('/account/create/organize/private', { agentAccountId: 'nobody', name: '某公司', organCode: '91330000', organType: 11 }))
        .json.errCode,
    ).not.toBe(0);
    expect(
      (
        await call('/account/create/organize/private', {
          agentAccountId: ok.json.data.accountId,
          name: '某公司',
          organCode: '91330000',
          organType: 13,
        })
      ).json.errCode,
    ).not.toBe(0);
    const organization = await call('/account/create/organize/private', {
      thirdId: 'org-1',
      agentAccountId: ok.json.data.accountId,
      name: '天谷科技信息有限公司',
      organCode: '745830607',
      organType: '12',
      legalName: '童瑶',
      legalIdNo: '33012219921122281X',
      legalIdType: 19,
    });
    expect(organization.json).toMatchObject({ errCode: 0, data: { accountId: expect.any(String) } });
    expect((await data('/account/idexchange', { thirdId: 'org-1' })).accountId).toBe(organization.json.data.accountId);
    expect(sandbox.requests.some((r) => r.path === '/account/idexchange' && (r.body as any).thirdId === 'org-1')).toBe(true);
  });

  it('refuses an upload whose Content-MD5, type or bytes differ from what was declared', async () => {
    const pdf = Buffer.from(plainPdf);
    const contentMd5 = createHash('md5').update(pdf).digest('base64');
    const { fileKey, uploadUrl } = await data('/file/uploadurl', {
      fileName: '借款合同.pdf',
      fileSize: pdf.length,
      contentType: 'application/pdf',
      contentMd5,
    });
    expect(uploadUrl).toMatch(new RegExp(`^${sandbox.url}/oss/[^?]+\\?Expires=\\d+&Signature=[0-9a-f]+$`));
    expect((await call('/doc/createbyfilekey', { fileKey })).json.errCode).not.toBe(0); // not uploaded yet
    const put = (body: Buffer, headers: Record<string, string>, url = uploadUrl) =>
      fetch(url, { method: 'PUT', body, headers }).then((r) => r.status);
    expect(await put(pdf, { 'Content-MD5': createHash('md5').update('other').digest('base64'), 'Content-Type': 'application/pdf' })).toBe(
      403,
    );
    const tampered = Buffer.from(pdf);
    tampered[20] ^= 1;
    expect(await put(tampered, { 'Content-MD5': contentMd5, 'Content-Type': 'application/pdf' })).toBe(403);
    expect(await put(pdf, { 'Content-MD5': contentMd5, 'Content-Type': 'application/octet-stream' })).toBe(403);
    expect(
      await put(
        pdf,
        { 'Content-MD5': contentMd5, 'Content-Type': 'application/pdf' },
        uploadUrl.replace(/Signature=[0-9a-f]+/, 'Signature=00'),
      ),
    ).toBe(403);
    expect(
      (await call('/file/uploadurl', { fileName: 'a.pdf', fileSize: pdf.length, contentType: 'application/pdf', contentMd5: 'not-an-md5' }))
        .json.errCode,
    ).not.toBe(0);
    expect(await put(pdf, { 'Content-MD5': contentMd5, 'Content-Type': 'application/pdf' })).toBe(200);
    const { docId } = await data('/doc/createbyfilekey', { fileKey });
    const { docUrl } = await data('/doc/downloadurl', { docId });
    expect(Buffer.from(await (await fetch(docUrl)).arrayBuffer()).equals(pdf)).toBe(true);
    expect((await fetch(docUrl.replace(/token=[0-9a-f]+/, 'token=00'))).status).toBe(403);
  });

  it('runs a flow over HTTP: keyword placement on every occurrence, signing page, 303 to redirectUrl, signed callbacks, a verifiable PDF', async () => {
    const accountId = await person('赵六', '110101199001011234');
    const docId = await uploadDoc(chinesePdf, '技术服务合同.pdf');
    const redirectUrl = 'http://127.0.0.1:9/return?flow=abc';
    // Numbers as strings, as in the spec's example.
    const started = await data('/sign/start', {
      businessScene: '技术服务合同签署',
      autoInitiate: '1',
      redirectUrl,
      docList: [{ docId }],
      recipientList: {
        signerList: [
          {
            accountId,
            signOrder: '1',
            autoSign: '0',
            sealType: '1',
            docPosList: [{ docId, signType: '1', posBeanList: [{ key: '【甲方盖章】', posX: '', posY: '', scale: '' }] }],
          },
        ],
      },
    });
    const signUrl = `${sandbox.url}/h5/sign/${started.flowId}/${accountId}`;
    expect(started.signUrlList).toEqual([{ accountId, signUrl: [signUrl] }]);
    expect(sandbox.flows().find((f) => f.flowId === started.flowId)).toMatchObject({
      flowStatus: 1,
      signers: [{ accountId, signStatus: 1, autoSign: false }],
    });

    const pageHtml = await (await fetch(signUrl)).text();
    expect(pageHtml).toContain('lang="zh-CN"');
    expect(pageHtml).toContain('技术服务合同.pdf');
    expect(pageHtml).toMatch(/<form method="post" action="[^"]+\/sign">/);
    expect(pageHtml).toMatch(/<form method="post" action="[^"]+\/refuse">[\s\S]*name="reason"/);

    const signed = await fetch(`${signUrl}/sign`, { method: 'POST', redirect: 'manual' });
    expect(signed.status).toBe(303);
    expect(signed.headers.get('location')).toBe(redirectUrl);

    const [update, finish] = await until(
      () => receiver.of(started.flowId),
      (r) => r.length >= 2,
    );
    for (const delivery of [update, finish]) {
      expect(delivery.headers['x-timevale-signature']).toBe(hmac(SECRET, delivery.raw));
      expect(delivery.headers['x-timevale-project-id']).toBe(PROJECT);
      expect(delivery.headers['x-timevale-signature-algorithm']).toBe('hmac-sha256');
      expect(delivery.headers['content-type']).toBe('application/json');
    }
    expect(update.body).toEqual({
      action: 'SIGN_FLOW_UPDATE',
      accountId,
      flowId: started.flowId,
      docId,
      signTime: expect.stringMatching(TIME),
      signResult: 2,
    });
    expect(finish.body).toEqual({
      action: 'SIGN_FLOW_FINISH',
      businessScence: '技术服务合同签署',
      flowId: started.flowId,
      flowStatus: 2,
      createTime: expect.stringMatching(TIME),
      endTime: expect.stringMatching(TIME),
    });

    const detail = await data('/sign/docdetail', { flowId: started.flowId });
    expect(detail).toMatchObject({
      flowId: started.flowId,
      businessScene: '技术服务合同签署',
      flowStatus: 2,
      startTime: expect.stringMatching(TIME),
      endTime: expect.stringMatching(TIME),
    });
    expect(detail.signInfo).toEqual([
      {
        docId,
        docName: '技术服务合同.pdf',
        signDetail: [{ accountId, signStatus: 2, recieveTime: expect.stringMatching(TIME), signTime: expect.stringMatching(TIME) }],
      },
    ]);

    const pdf = await signedPdf(started.flowId);
    const report = await verifyPdf(pdf, { trustAnchorsPem: [sandbox.caPem] });
    expect(report.valid).toBe(true);
    expect(report.signatures.map((s) => [s.valid, s.trusted, s.signer])).toEqual([[true, true, '赵六']]);
    // One signature with a widget centred on each of the two occurrences (e签宝: 查找所有符合的字段).
    const matches = await findText(chinesePdf, '【甲方盖章】');
    expect(matches.map((m) => m.page)).toEqual([0, 1]);
    const widgets = await widgetsOf(pdf);
    expect(widgets).toHaveLength(2);
    widgets.forEach((w, i) => {
      expect(w.page).toBe(matches[i].page);
      expect(w.x).toBeCloseTo(matches[i].x, 0);
      expect(w.y).toBeCloseTo(matches[i].y, 0);
      expect(w.width).toBeCloseTo(119, 0);
    });
    // Signing again changes nothing; a signed flow cannot be revoked.
    expect((await fetch(`${signUrl}/sign`, { method: 'POST', redirect: 'manual' })).status).toBe(303);
    expect((await call('/sign/revoke', { flowId: started.flowId })).json.errCode).not.toBe(0);
  });

  it('validates /sign/start: accounts, documents, keyword and coordinate positions', async () => {
    const accountId = await person('钱八', '110101199101011234');
    const docId = await uploadDoc(plainPdf, 'plain.pdf');
    const start = (signer: object, docList: object[] = [{ docId }]) =>
      call('/sign/start', { businessScene: '校验', docList, recipientList: { signerList: [{ accountId, ...signer }] } }).then(
        (r) => r.json,
      );
    expect((await start({ docPosList: [{ docId, signType: 1, posBeanList: [{ posPage: '1' }] }] })).errCode).not.toBe(0);
    expect((await start({ docPosList: [{ docId, signType: 2, posBeanList: [{ posPage: '1', posX: 100 }] }] })).errCode).not.toBe(0);
    expect((await start({ docPosList: [{ docId, signType: 2, posBeanList: [{ posPage: '3', posX: 100, posY: 100 }] }] })).errCode).not.toBe(
      0,
    );
    expect((await start({ docPosList: [{ docId, signType: 4, posBeanList: [] }] })).errCode).not.toBe(0);
    expect((await start({ accountId: 'nobody' })).errCode).not.toBe(0);
    expect((await start({}, [{ docId: 'nodoc' }])).errCode).not.toBe(0);
    expect((await start({ autoSign: 'yes' })).errCode).not.toBe(0);
    expect(
      (await start({ docPosList: [{ docId, signType: '2', posBeanList: [{ posPage: '2', posX: '300', posY: '400', scale: '80' }] }] }))
        .errCode,
    ).toBe(0);
  });

  it('signs silently for autoSign signers (organisation seal, coordinates), with no signing page', async () => {
    const agent = await person('孙九', '110101198001011234');
    const organization = (
      await data('/account/create/organize/private', {
        agentAccountId: agent,
        name: '星河科技有限公司',
        organCode: '91330100MA27XXXX1X',
        organType: 11,
      })
    ).accountId;
    const docId = await uploadDoc(plainPdf, 'auto.pdf');
    const started = await data('/sign/start', {
      businessScene: '自动签署',
      docList: [{ docId }],
      recipientList: {
        signerList: [
          {
            accountId: agent,
            authorizationOrgId: organization,
            autoSign: 1,
            sealType: '1',
            docPosList: [{ docId, signType: 2, posBeanList: [{ posPage: '2', posX: 400, posY: 200, scale: 100 }] }],
          },
        ],
      },
    });
    expect(started.signUrlList).toEqual([]);
    const finish = await until(
      () => receiver.of(started.flowId),
      (r) => r.some((d) => d.body.action === 'SIGN_FLOW_FINISH'),
    );
    expect(finish.map((d) => [d.body.action, d.body.signResult ?? d.body.flowStatus])).toEqual([
      ['SIGN_FLOW_UPDATE', 2],
      ['SIGN_FLOW_FINISH', 2],
    ]);
    const pdf = await signedPdf(started.flowId);
    const report = await verifyPdf(pdf, { trustAnchorsPem: [sandbox.caPem] });
    expect(report.signatures.map((s) => [s.valid, s.trusted, s.signer])).toEqual([[true, true, '星河科技有限公司 (星河科技有限公司)']]);
    // Coordinates: PDF points from the bottom-left corner to the seal's centre; scale = width.
    expect(await widgetsOf(pdf)).toEqual([
      { page: 1, x: expect.closeTo(400, 0), y: expect.closeTo(200, 0), width: expect.closeTo(100, 0) },
    ]);
    // Only the organisation's agent may sign for it.
    const stranger = await person('周十', '110101198201011234');
    expect(
      (
        await call('/sign/start', {
          businessScene: 'x',
          docList: [{ docId }],
          recipientList: { signerList: [{ accountId: stranger, authorizationOrgId: organization }] },
        })
      ).json.errCode,
    ).not.toBe(0);
  });

  it('enforces signOrder, drafts (autoInitiate 0 → /sign/execute), revoke, refuse, expiry and keyword failures', async () => {
    const first = await person('吴一', '110101197001011234');
    const second = await person('郑二', '110101197101011234');
    const docId = await uploadDoc(plainPdf, 'order.pdf');
    const started = await data('/sign/start', {
      businessScene: '顺序签署',
      autoInitiate: 0,
      docList: [{ docId }],
      recipientList: {
        signerList: [
          { accountId: first, signOrder: 1 },
          { accountId: second, signOrder: 2 },
        ],
      },
    });
    const page = (accountId: string) => `${sandbox.url}/h5/sign/${started.flowId}/${accountId}`;
    expect((await data('/sign/docdetail', { flowId: started.flowId })).flowStatus).toBe(0);
    expect((await fetch(`${page(first)}/sign`, { method: 'POST', redirect: 'manual' })).status).toBe(409); // draft
    expect(await data('/sign/execute', { flowId: started.flowId })).toBeUndefined();
    const early = await fetch(`${page(second)}/sign`, { method: 'POST', redirect: 'manual' });
    expect(early.status).toBe(409);
    expect(await early.text()).toContain('尚未轮到您签署');
    const done = await fetch(`${page(first)}/sign`, { method: 'POST', redirect: 'manual' });
    expect([done.status, await done.text()]).toEqual([200, expect.stringContaining('签署完成')]); // no redirectUrl
    await sandbox.signAs(started.flowId, second);
    const deliveries = await until(
      () => receiver.of(started.flowId),
      (r) => r.length >= 3,
    );
    expect(deliveries.map((d) => [d.body.action, d.body.accountId ?? d.body.flowStatus])).toEqual([
      ['SIGN_FLOW_UPDATE', first],
      ['SIGN_FLOW_UPDATE', second],
      ['SIGN_FLOW_FINISH', 2],
    ]);
    expect(
      (await verifyPdf(await signedPdf(started.flowId), { trustAnchorsPem: [sandbox.caPem] })).signatures.map((s) => [
        s.signer,
        s.valid,
        s.trusted,
      ]),
    ).toEqual([
      ['吴一', true, true],
      ['郑二', true, true],
    ]);

    // Refused on the page, with a reason → signStatus 4, flowStatus 4.
    const refusing = await data('/sign/start', {
      businessScene: '拒签',
      docList: [{ docId }],
      redirectUrl: 'https://example.com/back',
      recipientList: { signerList: [{ accountId: first }] },
    });
    const refused = await fetch(`${sandbox.url}/h5/sign/${refusing.flowId}/${first}/refuse`, {
      method: 'POST',
      body: new URLSearchParams({ reason: '信息有误' }),
      redirect: 'manual',
    });
    expect([refused.status, refused.headers.get('location')]).toEqual([303, 'https://example.com/back']);
    const refusal = await until(
      () => receiver.of(refusing.flowId),
      (r) => r.length >= 2,
    );
    expect(refusal.map((d) => d.body)).toEqual([
      expect.objectContaining({ action: 'SIGN_FLOW_UPDATE', signResult: 4, resultDescription: '信息有误' }),
      expect.objectContaining({ action: 'SIGN_FLOW_FINISH', flowStatus: 4, statusDescription: '信息有误' }),
    ]);
    expect((await data('/sign/docdetail', { flowId: refusing.flowId })).signInfo[0].signDetail[0]).toMatchObject({
      signStatus: 4,
      signExplain: '信息有误',
    });

    // Revoked → 3; expired → 5; both with a FINISH callback, and nobody can sign any more.
    const revoking = await data('/sign/start', {
      businessScene: '撤销',
      docList: [{ docId }],
      recipientList: { signerList: [{ accountId: first }] },
    });
    await data('/sign/revoke', { flowId: revoking.flowId });
    const expiring = await data('/sign/start', {
      businessScene: '过期',
      docList: [{ docId }],
      recipientList: { signerList: [{ accountId: first }] },
    });
    await sandbox.expireFlow(expiring.flowId);
    expect(
      (
        await until(
          () => receiver.of(revoking.flowId),
          (r) => r.length >= 1,
        )
      )[0].body,
    ).toMatchObject({ action: 'SIGN_FLOW_FINISH', flowStatus: 3 });
    expect(
      (
        await until(
          () => receiver.of(expiring.flowId),
          (r) => r.length >= 1,
        )
      )[0].body,
    ).toMatchObject({ action: 'SIGN_FLOW_FINISH', flowStatus: 5 });
    await expect(sandbox.signAs(expiring.flowId, first)).rejects.toThrow();

    // A keyword that is not in the document: the signing fails (signResult 3) and the flow ends (4).
    const missing = await data('/sign/start', {
      businessScene: '关键字',
      docList: [{ docId }],
      recipientList: { signerList: [{ accountId: first, docPosList: [{ docId, signType: 1, posBeanList: [{ key: '【不存在】' }] }] }] },
    });
    expect((await fetch(`${sandbox.url}/h5/sign/${missing.flowId}/${first}/sign`, { method: 'POST', redirect: 'manual' })).status).toBe(
      422,
    );
    const failed = await until(
      () => receiver.of(missing.flowId),
      (r) => r.length >= 2,
    );
    expect(failed.map((d) => [d.body.action, d.body.signResult ?? d.body.flowStatus])).toEqual([
      ['SIGN_FLOW_UPDATE', 3],
      ['SIGN_FLOW_FINISH', 4],
    ]);
    expect(failed[0].body.resultDescription).toContain('【不存在】');
  });

  it('repeats, forges, drops and retries callbacks as told', async () => {
    const accountId = await person('冯三', '110101197201011234');
    const docId = await uploadDoc(plainPdf, 'callbacks.pdf');
    const newFlow = async () =>
      (await data('/sign/start', { businessScene: '回调', docList: [{ docId }], recipientList: { signerList: [{ accountId }] } }))
        .flowId as string;

    sandbox.callbacks.repeat = 3;
    const repeated = await newFlow();
    await sandbox.refuseAs(repeated, accountId, '不同意');
    const six = await until(
      () => receiver.of(repeated),
      (r) => r.length >= 6,
    );
    await sleep(150);
    expect(receiver.of(repeated)).toHaveLength(6);
    const updates = six.filter((d) => d.body.action === 'SIGN_FLOW_UPDATE');
    const finishes = six.filter((d) => d.body.action === 'SIGN_FLOW_FINISH');
    for (const same of [updates, finishes]) {
      expect(same).toHaveLength(3);
      expect(new Set(same.map((d) => d.raw.toString('hex'))).size).toBe(1);
      expect(new Set(same.map((d) => d.headers['x-timevale-signature'])).size).toBe(1);
      expect(same[0].headers['x-timevale-signature']).toBe(hmac(SECRET, same[0].raw));
    }

    Object.assign(sandbox.callbacks, { repeat: 1, badSignature: true });
    const forged = await newFlow();
    await sandbox.refuseAs(forged, accountId);
    for (const delivery of await until(
      () => receiver.of(forged),
      (r) => r.length >= 2,
    )) {
      expect(delivery.headers['x-timevale-signature']).toMatch(/^[0-9a-f]{64}$/);
      expect(delivery.headers['x-timevale-signature']).not.toBe(hmac(SECRET, delivery.raw));
    }

    Object.assign(sandbox.callbacks, { badSignature: false, drop: true });
    const dropped = await newFlow();
    await sandbox.refuseAs(dropped, accountId);
    await sleep(200);
    expect(receiver.of(dropped)).toHaveLength(0);

    // Not delivered (HTTP 500) → retried, at most 6 attempts in all; a 3xx counts as delivered.
    Object.assign(sandbox.callbacks, { drop: false, delayMs: 100 });
    receiver.answer(() => 500);
    const failing = await newFlow();
    const before = Date.now();
    await sandbox.expireFlow(failing);
    await until(
      () => receiver.of(failing),
      (r) => r.length >= 6,
    );
    expect(Date.now() - before).toBeGreaterThanOrEqual(100 + 5 * 50 - 10);
    await sleep(300);
    expect(receiver.of(failing)).toHaveLength(6);
    receiver.answer(() => 302);
    const redirected = await newFlow();
    await sandbox.expireFlow(redirected);
    await until(
      () => receiver.of(redirected),
      (r) => r.length >= 1,
    );
    await sleep(250);
    expect(receiver.of(redirected)).toHaveLength(1);
  });
});
