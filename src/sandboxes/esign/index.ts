// A local e签宝 (tsign open API v3) sandbox: the documented subset, strictly. It checks every
// request's HMAC and every upload's Content-MD5, keeps state, serves a signing page that applies a
// real PDF signature with its own CA, and fires HMAC-signed callbacks (which tests can repeat,
// delay, drop or sign wrongly). Development and tests only.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import { findText, type Placement } from '../../pdf/placement.js';
import { signPdf } from '../../pdf/sign/index.js';
import { createCa, issueSigningCertificate, type CertifiedKey } from '../../pki/index.js';
import { officialSealSvg, personalSealSvg, rasterizeSvg } from '../../seals/seal-image.js';

export interface EsignSandboxOptions {
  projectId: string;
  projectSecret: string;
  callbackUrl?: string;
  port?: number;
  host?: string;
  /** Interval between callback delivery attempts (e签宝: 30 min; here short). */
  retryIntervalMs?: number;
}

export interface CallbackBehaviour {
  /** How many times each callback is sent (e签宝 retries up to 6 times). */
  repeat: number;
  delayMs: number;
  /** Callbacks are not sent at all. */
  drop: boolean;
  /** The signature header is wrong. */
  badSignature: boolean;
}

interface Account {
  accountId: string;
  thirdId?: string;
  kind: 'person' | 'organization';
  name: string;
  idNo: string;
  idType: number;
  agentAccountId?: string;
}
interface Upload {
  fileKey: string;
  fileName: string;
  fileSize: number;
  contentType: string;
  contentMd5: string;
  token: string;
  bytes?: Buffer;
}
interface Doc {
  docId: string;
  name: string;
  bytes: Buffer;
}
interface Signer {
  accountId: string;
  authorizationOrgId?: string;
  signOrder: number;
  autoSign: boolean;
  sealType: string;
  docPosList: Array<{ docId: string; signType: number; posBeanList: Array<{ posPage?: string; posX?: number; posY?: number; key?: string; scale?: number }> }>;
  signStatus: number;
  recieveTime: string;
  signTime?: string;
  signExplain?: string;
}
interface Flow {
  flowId: string;
  businessScene: string;
  flowStatus: number;
  redirectUrl: string;
  docIds: string[];
  signers: Signer[];
  startTime: string;
  endTime?: string;
}

export interface EsignSandbox {
  url: string;
  apiBase: string;
  caPem: string;
  setCallbackUrl(url: string): void;
  callbacks: CallbackBehaviour;
  expireFlow(flowId: string): Promise<void>;
  signAs(flowId: string, accountId: string): Promise<void>;
  refuseAs(flowId: string, accountId: string, reason?: string): Promise<void>;
  flows(): Array<{ flowId: string; flowStatus: number; signers: Array<{ accountId: string; signStatus: number; autoSign: boolean }>; docPosList: unknown[] }>;
  requests: Array<{ path: string; body: unknown }>;
  close(): Promise<void>;
}

const API = '/opentreaty/rest/v3.0';
const PERSON_ID_TYPES = new Set([13, 14, 15, 16, 17, 18, 19, 20, 21, 22]);
const ORGAN_TYPES = new Set([10, 11, 12]);

const hmac = (secret: string, bytes: Buffer | string) => createHmac('sha256', secret).update(bytes).digest('hex');
const id = (bytes = 16) => randomBytes(bytes).toString('hex');
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
function timeText(date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}
const num = (value: unknown) => (value === undefined || value === null || value === '' ? undefined : Number(value));

class SandboxError extends Error {
  constructor(readonly errCode: number, message: string, readonly status = 200) {
    super(message);
  }
}

export async function startEsignSandbox(options: EsignSandboxOptions): Promise<EsignSandbox> {
  const secret = options.projectSecret;
  const ca = await createCa({ commonName: 'e签宝 Sandbox CA', organization: 'e签宝 Sandbox', keyAlgorithm: 'ECDSA-P256' });
  const signerKeys = new Map<string, Promise<CertifiedKey & { chainPem: string[] }>>();
  const images = new Map<string, Promise<Uint8Array>>();
  const accounts = new Map<string, Account>();
  const uploads = new Map<string, Upload>();
  const docs = new Map<string, Doc>();
  const flows = new Map<string, Flow>();
  const requests: Array<{ path: string; body: unknown }> = [];
  const callbacks: CallbackBehaviour = { repeat: 1, delayMs: 0, drop: false, badSignature: false };
  const timers = new Set<NodeJS.Timeout>();
  let callbackUrl = options.callbackUrl ?? '';
  let closed = false;
  let base = '';

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) fn();
    }, ms);
    timers.add(timer);
  };

  // ---- callbacks
  function sendCallback(payload: object): void {
    if (callbacks.drop || !callbackUrl) return;
    const body = Buffer.from(JSON.stringify(payload));
    const signature = callbacks.badSignature ? hmac(`${secret}-wrong`, body) : hmac(secret, body);
    const { repeat, delayMs } = callbacks;
    const deliver = async (attempt: number) => {
      try {
        const response = await fetch(callbackUrl, {
          method: 'POST',
          body,
          headers: { 'Content-Type': 'application/json', 'X-timevale-project-id': options.projectId, 'X-timevale-signature': signature, 'X-timevale-signature-algorithm': 'hmac-sha256' },
          signal: AbortSignal.timeout(2000),
        });
        await response.arrayBuffer();
        if (response.status >= 200 && response.status < 400) return;
      } catch {
        // counted as a failed delivery
      }
      if (attempt < 6) later(options.retryIntervalMs ?? 200, () => void deliver(attempt + 1));
    };
    for (let i = 0; i < repeat; i++) later(delayMs + i * 20, () => void deliver(1));
  }

  function finishIfDone(flow: Flow): void {
    if (flow.flowStatus !== 1) return;
    const refused = flow.signers.find((s) => s.signStatus === 4 || s.signStatus === 3);
    if (refused) return endFlow(flow, 4, refused.signExplain || (refused.signStatus === 4 ? '签署人拒签' : '签署失败'));
    if (flow.signers.every((s) => s.signStatus === 2)) endFlow(flow, 2);
  }

  function endFlow(flow: Flow, status: number, description?: string): void {
    flow.flowStatus = status;
    flow.endTime = timeText();
    sendCallback({ action: 'SIGN_FLOW_FINISH', businessScence: flow.businessScene, flowId: flow.flowId, flowStatus: status, ...(description ? { statusDescription: description } : {}), createTime: flow.startTime, endTime: flow.endTime });
  }

  function signerKey(accountId: string) {
    let key = signerKeys.get(accountId);
    if (!key) {
      const account = accounts.get(accountId)!;
      key = issueSigningCertificate(ca, { commonName: account.name, organization: account.kind === 'organization' ? account.name : undefined, keyAlgorithm: 'ECDSA-P256', validDays: 365 });
      signerKeys.set(accountId, key);
    }
    return key;
  }

  function sealImage(name: string, handDrawn: boolean, organization: boolean) {
    const key = `${name}|${handDrawn}|${organization}`;
    let image = images.get(key);
    if (!image) {
      image = rasterizeSvg(organization && !handDrawn ? officialSealSvg({ organization: name, kind: '公章' }) : personalSealSvg({ name }), 400);
      images.set(key, image);
    }
    return image;
  }

  async function placementFor(pdf: Buffer, signer: Signer, docId: string): Promise<Placement[]> {
    const positions = signer.docPosList.filter((pos) => pos.docId === docId);
    if (positions.length === 0) return [{ kind: 'anchors', anchors: [{ page: 'last', x: 72 + 59.5, y: 72 + 59.5, origin: 'bottom-right' }], width: 119, height: 119 }];
    const placements: Placement[] = [];
    for (const pos of positions) {
      for (const bean of pos.posBeanList.length ? pos.posBeanList : [{}]) {
        const width = num(bean.scale) ?? 119;
        if (Number(pos.signType) === 3) {
          placements.push({ kind: 'cross-page', width, height: width });
        } else if (Number(pos.signType) === 1) {
          const matches = await findText(pdf, String(bean.key ?? ''));
          if (matches.length === 0) throw new SandboxError(1435, `关键字“${bean.key}”不存在`);
          placements.push({ kind: 'anchors', anchors: matches.map((m) => ({ page: m.page, x: m.x + (num(bean.posX) ?? 0), y: m.y + (num(bean.posY) ?? 0), origin: 'pdf' as const })), width, height: width });
        } else {
          // Coordinates: PDF points from the page's bottom-left corner to the seal's centre.
          const pages = String(bean.posPage ?? '1');
          for (const page of expandPages(pages)) placements.push({ kind: 'anchors', anchors: [{ page: page - 1, x: num(bean.posX) ?? 0, y: num(bean.posY) ?? 0, origin: 'pdf' }], width, height: width });
        }
      }
    }
    return placements;
  }

  async function sign(flow: Flow, signer: Signer): Promise<void> {
    if (flow.flowStatus !== 1) throw new SandboxError(1437, '签署流程不在签署中');
    if (signer.signStatus === 2) return;
    const earlier = flow.signers.find((s) => s.signOrder < signer.signOrder && s.signStatus !== 2);
    if (earlier) throw new SandboxError(1438, '未轮到该签署人签署（顺序签）');
    const account = accounts.get(signer.accountId)!;
    const organization = signer.authorizationOrgId ? accounts.get(signer.authorizationOrgId) : undefined;
    const sealOwner = organization ?? account;
    const key = await signerKey(sealOwner.accountId);
    const image = { bytes: await sealImage(sealOwner.name, signer.sealType === '0', Boolean(organization)), mime: 'image/png' as const };
    try {
      for (const docId of flow.docIds) {
        const doc = docs.get(docId)!;
        let bytes = doc.bytes;
        for (const placement of await placementFor(bytes, signer, docId)) {
          const signed = await signPdf(bytes, key, { placement, image, signerName: account.name, reason: `e签宝签署：${flow.businessScene}` });
          bytes = Buffer.from(signed.pdf);
        }
        doc.bytes = bytes;
      }
      signer.signStatus = 2;
    } catch (error) {
      signer.signStatus = 3;
      signer.signExplain = error instanceof Error ? error.message : String(error);
    }
    signer.signTime = timeText();
    sendCallback({
      action: 'SIGN_FLOW_UPDATE',
      accountId: signer.accountId,
      flowId: flow.flowId,
      docId: flow.docIds[0],
      signTime: signer.signTime,
      signResult: signer.signStatus,
      ...(signer.signStatus === 3 ? { resultDescription: signer.signExplain } : {}),
    });
    finishIfDone(flow);
  }

  function refuse(flow: Flow, signer: Signer, reason: string): void {
    if (flow.flowStatus !== 1) throw new SandboxError(1437, '签署流程不在签署中');
    signer.signStatus = 4;
    signer.signExplain = reason || '签署人拒签';
    signer.signTime = timeText();
    sendCallback({ action: 'SIGN_FLOW_UPDATE', accountId: signer.accountId, flowId: flow.flowId, docId: flow.docIds[0], signTime: signer.signTime, signResult: 4, resultDescription: signer.signExplain });
    finishIfDone(flow);
  }

  function startAutoSigners(flow: Flow): void {
    for (const signer of flow.signers.filter((s) => s.autoSign)) {
      later(100, () => void sign(flow, signer).catch(() => undefined));
    }
  }

  // ---- API handlers (data only; the wrapper signs and checks)
  const handlers: Record<string, (body: any) => unknown> = {
    '/file/uploadurl': (body) => {
      for (const field of ['fileName', 'contentType', 'contentMd5']) if (!body[field]) throw new SandboxError(1001, `${field} 不能为空`);
      if (!(Number(body.fileSize) > 0)) throw new SandboxError(1001, 'fileSize 不正确');
      const upload: Upload = { fileKey: `$${id(8)}$${Date.now()}`, fileName: body.fileName, fileSize: Number(body.fileSize), contentType: body.contentType, contentMd5: body.contentMd5, token: id(12) };
      uploads.set(upload.token, upload);
      const expires = Math.floor(Date.now() / 1000) + 3600;
      return { fileKey: upload.fileKey, uploadUrl: `${base}/oss/${upload.token}?Expires=${expires}&Signature=${hmac(secret, `${upload.token}:${expires}`)}` };
    },
    '/account/create/person/private': (body) => {
      for (const field of ['name', 'idNo']) if (!body[field]) throw new SandboxError(1001, `${field} 不能为空`);
      if (!PERSON_ID_TYPES.has(Number(body.idType))) throw new SandboxError(1001, 'idType 不支持');
      if (body.thirdId && [...accounts.values()].some((a) => a.thirdId === body.thirdId)) throw new SandboxError(1001, '账号已存在');
      const account: Account = { accountId: id(), thirdId: body.thirdId, kind: 'person', name: body.name, idNo: body.idNo, idType: Number(body.idType) };
      accounts.set(account.accountId, account);
      return { accountId: account.accountId };
    },
    '/account/create/organize/private': (body) => {
      for (const field of ['name', 'organCode', 'agentAccountId']) if (!body[field]) throw new SandboxError(1001, `${field} 不能为空`);
      if (!ORGAN_TYPES.has(Number(body.organType))) throw new SandboxError(1001, 'organType 不支持');
      if (accounts.get(body.agentAccountId)?.kind !== 'person') throw new SandboxError(1002, '经办人账号不存在');
      if (body.thirdId && [...accounts.values()].some((a) => a.thirdId === body.thirdId)) throw new SandboxError(1001, '账号已存在');
      const account: Account = { accountId: id(), thirdId: body.thirdId, kind: 'organization', name: body.name, idNo: body.organCode, idType: Number(body.organType), agentAccountId: body.agentAccountId };
      accounts.set(account.accountId, account);
      return { accountId: account.accountId };
    },
    '/account/idexchange': (body) => {
      const account = [...accounts.values()].find((a) => body.thirdId && a.thirdId === body.thirdId);
      if (!account) throw new SandboxError(1002, '账号不存在');
      return { accountId: account.accountId };
    },
    '/doc/createbyfilekey': (body) => {
      const upload = [...uploads.values()].find((u) => u.fileKey === body.fileKey);
      if (!upload) throw new SandboxError(1003, '文件不存在');
      if (!upload.bytes) throw new SandboxError(1004, '文件尚未上传成功');
      const doc: Doc = { docId: id(), name: upload.fileName, bytes: upload.bytes };
      docs.set(doc.docId, doc);
      return { docId: doc.docId };
    },
    '/doc/downloadurl': (body) => {
      if (!docs.has(body.docId)) throw new SandboxError(1003, '合同不存在');
      return { docUrl: `${base}/download/${body.docId}?token=${hmac(secret, body.docId)}` };
    },
    '/sign/start': (body) => {
      if (!body.businessScene) throw new SandboxError(1001, 'businessScene 不能为空');
      const docIds: string[] = (body.docList ?? []).map((d: { docId: string }) => d.docId);
      if (docIds.length === 0 || docIds.some((docId) => !docs.has(docId))) throw new SandboxError(1003, '合同不存在');
      const list = body.recipientList?.signerList ?? [];
      if (list.length === 0) throw new SandboxError(1001, 'signerList 不能为空');
      const signers: Signer[] = list.map((s: any) => {
        if (accounts.get(s.accountId)?.kind !== 'person') throw new SandboxError(1002, `签署人账号 ${s.accountId} 不存在`);
        if (s.authorizationOrgId && accounts.get(s.authorizationOrgId)?.kind !== 'organization') throw new SandboxError(1002, '授权企业不存在');
        for (const pos of s.docPosList ?? []) {
          if (!docIds.includes(pos.docId)) throw new SandboxError(1003, 'docPosList 中的合同不在流程中');
          const type = Number(pos.signType);
          if (![1, 2, 3].includes(type)) throw new SandboxError(1001, 'signType 不正确');
          for (const bean of pos.posBeanList ?? []) {
            if (type === 1 && !bean.key) throw new SandboxError(1001, '关键字签署时 key 不能为空');
            if (type === 2 && (bean.posPage === undefined || bean.posX === undefined || bean.posY === undefined)) throw new SandboxError(1001, '坐标签署时 posPage、posX、posY 不能为空');
          }
        }
        return { accountId: s.accountId, authorizationOrgId: s.authorizationOrgId || undefined, signOrder: num(s.signOrder) ?? 1, autoSign: num(s.autoSign) === 1, sealType: String(s.sealType ?? ''), docPosList: s.docPosList ?? [], signStatus: 0, recieveTime: timeText() };
      });
      const flow: Flow = { flowId: id(), businessScene: body.businessScene, flowStatus: num(body.autoInitiate) === 0 ? 0 : 1, redirectUrl: body.redirectUrl ?? '', docIds, signers, startTime: timeText() };
      flows.set(flow.flowId, flow);
      if (flow.flowStatus === 1) {
        for (const s of signers) s.signStatus = 1;
        startAutoSigners(flow);
      }
      return { flowId: flow.flowId, signUrlList: signers.filter((s) => !s.autoSign).map((s) => ({ accountId: s.accountId, signUrl: [`${base}/h5/sign/${flow.flowId}/${s.accountId}`] })) };
    },
    '/sign/execute': (body) => {
      const flow = flowOf(body.flowId);
      if (flow.flowStatus !== 0) throw new SandboxError(1437, '流程不在草稿状态');
      flow.flowStatus = 1;
      for (const s of flow.signers) s.signStatus = 1;
      startAutoSigners(flow);
      return null;
    },
    '/sign/revoke': (body) => {
      const flow = flowOf(body.flowId);
      if (flow.flowStatus > 1) throw new SandboxError(1437, '流程已结束');
      endFlow(flow, 3, '发起方撤销');
      return null;
    },
    '/sign/download': (body) => {
      const flow = flowOf(body.flowId);
      return flow.docIds.map((docId) => ({ docId, docUrl: `${base}/download/${docId}?token=${hmac(secret, docId)}` }));
    },
    '/sign/docdetail': (body) => {
      const flow = flowOf(body.flowId);
      return {
        flowId: flow.flowId,
        businessScene: flow.businessScene,
        flowStatus: flow.flowStatus,
        startTime: flow.startTime,
        ...(flow.endTime ? { endTime: flow.endTime } : {}),
        signInfo: flow.docIds.map((docId) => ({
          docId,
          docName: docs.get(docId)!.name,
          signDetail: flow.signers.map((s) => ({ accountId: s.accountId, ...(s.authorizationOrgId ? { authorizationOrgId: s.authorizationOrgId } : {}), signStatus: s.signStatus, recieveTime: s.recieveTime, ...(s.signTime ? { signTime: s.signTime } : {}), ...(s.signExplain ? { signExplain: s.signExplain } : {}) })),
        })),
      };
    },
  };
  function flowOf(flowId: unknown): Flow {
    const flow = flows.get(String(flowId));
    if (!flow) throw new SandboxError(1005, '签署流程不存在');
    return flow;
  }

  function answer(res: Response, status: number, envelope: object): void {
    const bytes = Buffer.from(JSON.stringify(envelope));
    res
      .status(status)
      .set({ 'Content-Type': 'application/json;charset=UTF-8', 'X-timevale-mode': 'package', 'X-timevale-project-id': options.projectId, 'X-timevale-signature': hmac(secret, bytes), 'X-timevale-signature-algorithm': 'hmac-sha256' })
      .end(bytes);
  }

  const app = express();
  app.disable('x-powered-by');
  app.post(`${API}/*path`, express.raw({ type: () => true, limit: '2mb' }), (req: Request, res: Response) => {
    const path = req.path.slice(API.length);
    const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const given = String(req.get('x-timevale-signature') ?? '').toLowerCase();
    if (req.get('x-timevale-project-id') !== options.projectId || !sameText(given, hmac(secret, raw)) || req.get('x-timevale-signature-algorithm')?.toLowerCase() !== 'hmac-sha256') {
      return answer(res, 401, { errCode: 401, msg: '签名校验失败' });
    }
    if (!req.is('application/json')) return answer(res, 400, { errCode: 400, msg: 'Content-Type 仅支持 application/json' });
    const handler = handlers[path];
    if (!handler) return answer(res, 404, { errCode: 404, msg: `接口 ${path} 不存在` });
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return answer(res, 400, { errCode: 400, msg: '请求体不是 JSON' });
    }
    try {
      const data = handler(body ?? {});
      requests.push({ path, body });
      answer(res, 200, { errCode: 0, msg: 'SUCCESS', ...(data === null ? {} : { data }) });
    } catch (error) {
      if (error instanceof SandboxError) return answer(res, error.status, { errCode: error.errCode, msg: error.message });
      answer(res, 500, { errCode: 500, msg: (error as Error).message });
    }
  });

  // File direct upload: the declared MD5 and type must match the header and the bytes.
  app.put('/oss/:token', express.raw({ type: () => true, limit: '60mb' }), (req, res) => {
    const upload = uploads.get(String(req.params.token));
    const expires = Number(req.query.Expires);
    if (!upload || !(expires > Date.now() / 1000) || !sameText(String(req.query.Signature ?? ''), hmac(secret, `${upload.token}:${expires}`))) return res.status(403).send('AccessDenied');
    const bytes: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const md5 = createHash('md5').update(bytes).digest('base64');
    if (req.get('content-md5') !== upload.contentMd5 || md5 !== upload.contentMd5 || req.get('content-type') !== upload.contentType || bytes.length !== upload.fileSize) {
      return res.status(403).send('InvalidDigest');
    }
    upload.bytes = bytes;
    res.status(200).end();
  });

  app.get('/download/:docId', (req, res) => {
    const doc = docs.get(String(req.params.docId));
    if (!doc || !sameText(String(req.query.token ?? ''), hmac(secret, doc.docId))) return res.status(403).send('AccessDenied');
    res.type('application/pdf').send(doc.bytes);
  });

  const page = (title: string, content: string) =>
    `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>body{font-family:sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}button{font-size:1rem;padding:.5rem 1.5rem;margin:.5rem .5rem 0 0}</style></head><body><h1>e签宝（沙箱）</h1>${content}</body></html>`;
  const escape = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

  app.get('/h5/sign/:flowId/:accountId', (req, res) => {
    const flow = flows.get(String(req.params.flowId));
    const signer = flow?.signers.find((s) => s.accountId === req.params.accountId);
    if (!flow || !signer) return res.status(404).type('html').send(page('签署', '<p>签署地址无效。</p>'));
    const account = accounts.get(signer.accountId)!;
    const done = signer.signStatus === 2 ? '<p>您已完成签署。</p>' : '';
    res.type('html').send(
      page(
        '签署',
        `<p>签署人：${escape(account.name)}${signer.authorizationOrgId ? `（代表 ${escape(accounts.get(signer.authorizationOrgId)!.name)}）` : ''}</p><p>文件：${flow.docIds.map((d) => escape(docs.get(d)!.name)).join('、')}</p><p>业务：${escape(flow.businessScene)}</p>${done}` +
          `<form method="post" action="/h5/sign/${flow.flowId}/${signer.accountId}/sign"><button type="submit">签署</button></form>` +
          `<form method="post" action="/h5/sign/${flow.flowId}/${signer.accountId}/refuse"><label>拒签原因 <input name="reason"></label><button type="submit">拒签</button></form>`,
      ),
    );
  });

  const act = (action: 'sign' | 'refuse') => async (req: Request, res: Response) => {
    const flow = flows.get(String(req.params.flowId));
    const signer = flow?.signers.find((s) => s.accountId === req.params.accountId);
    if (!flow || !signer) return res.status(404).type('html').send(page('签署', '<p>签署地址无效。</p>'));
    try {
      if (action === 'sign') await sign(flow, signer);
      else refuse(flow, signer, String((req.body as Record<string, unknown> | undefined)?.reason ?? ''));
    } catch (error) {
      return res.status(409).type('html').send(page('签署', `<p>${escape((error as Error).message)}</p>`));
    }
    if (flow.redirectUrl) return res.redirect(303, flow.redirectUrl);
    res.type('html').send(page('签署', `<p>${signer.signStatus === 2 ? '签署完成' : signer.signStatus === 4 ? '已拒签' : '签署失败'}</p>`));
  };
  app.post('/h5/sign/:flowId/:accountId/sign', express.urlencoded({ extended: false }), act('sign'));
  app.post('/h5/sign/:flowId/:accountId/refuse', express.urlencoded({ extended: false }), act('refuse'));

  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  base = `http://${options.host ?? '127.0.0.1'}:${address.port}`;

  const signerOf = (flowId: string, accountId: string) => {
    const flow = flowOf(flowId);
    const signer = flow.signers.find((s) => s.accountId === accountId);
    if (!signer) throw new Error(`No signer ${accountId} in flow ${flowId}.`);
    return { flow, signer };
  };

  return {
    url: base,
    apiBase: `${base}${API}`,
    caPem: ca.certificatePem,
    setCallbackUrl: (url) => {
      callbackUrl = url;
    },
    callbacks,
    async expireFlow(flowId) {
      const flow = flowOf(flowId);
      if (flow.flowStatus <= 1) endFlow(flow, 5, '签署已过期');
    },
    async signAs(flowId, accountId) {
      const { flow, signer } = signerOf(flowId, accountId);
      await sign(flow, signer);
    },
    async refuseAs(flowId, accountId, reason = '') {
      const { flow, signer } = signerOf(flowId, accountId);
      refuse(flow, signer, reason);
    },
    flows: () =>
      [...flows.values()].map((flow) => ({
        flowId: flow.flowId,
        flowStatus: flow.flowStatus,
        signers: flow.signers.map((s) => ({ accountId: s.accountId, signStatus: s.signStatus, autoSign: s.autoSign })),
        docPosList: flow.signers.flatMap((s) => s.docPosList),
      })),
    requests,
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function expandPages(spec: string): number[] {
  const pages: number[] = [];
  for (const part of spec.split(',')) {
    const [from, to] = part.split('-').map((n) => Number.parseInt(n, 10));
    if (Number.isNaN(from)) continue;
    for (let page = from; page <= (Number.isNaN(to) || to === undefined ? from : to); page++) pages.push(page);
  }
  return pages.length ? pages : [1];
}
