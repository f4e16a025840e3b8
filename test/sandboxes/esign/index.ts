// A local e签宝 (tsign open API v3) sandbox: the documented subset (spec 4.2–4.10), strictly. It
// checks every request's HMAC over the raw bytes and signs every answer, checks every upload's
// Content-MD5, keeps state in memory, serves an H5 signing page that applies a real PAdES signature
// with its own CA, and fires HMAC-signed callbacks with e签宝's retry rule (which tests can repeat,
// delay, drop or sign wrongly). Development and tests only.
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PDFDocument } from '@cantoo/pdf-lib';
import express, { type NextFunction, type Request, type Response } from 'express';
import { type DocPos, type PosBean, parsePages, placementsFor, SandboxAuthority, SigningFailure } from './signing.js';

export interface EsignSandboxOptions {
  projectId: string;
  projectSecret: string;
  /** Where callbacks are POSTed (our service's POST /callbacks/esign). Can be set later via sandbox.setCallbackUrl. */
  callbackUrl?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Interval between callback delivery attempts (e签宝: 30 min; default here 200 ms). */
  retryIntervalMs?: number;
}

/** Callback behaviour for the next callbacks until changed. */
export interface CallbackBehaviour {
  /** How many times each callback is sent (same bytes each time); default 1. */
  repeat: number;
  /** Wait before the first attempt; default 0. */
  delayMs: number;
  /** Callbacks are not sent at all. */
  drop: boolean;
  /** The X-timevale-signature header is wrong. */
  badSignature: boolean;
}

export interface EsignSandbox {
  /** Base URL, e.g. http://127.0.0.1:PORT. */
  url: string;
  /** `${url}/opentreaty/rest/v3.0` */
  apiBase: string;
  /** The sandbox CA's root certificate (ECDSA P-256), generated at start. */
  caPem: string;
  setCallbackUrl(url: string): void;
  callbacks: CallbackBehaviour;
  /** flowStatus 5 + SIGN_FLOW_FINISH callback (for a draft or signing flow). */
  expireFlow(flowId: string): Promise<void>;
  /**
   * A compromised provider, for tests: `rewrite` re-saves the document before signing it (a valid,
   * trusted signature on bytes that no longer start with ours); `self-signed` signs with a key from
   * a CA nobody configured. `none` (default) behaves.
   */
  hostile: { mode: 'none' | 'rewrite' | 'self-signed' };
  /** The same as clicking 签署 on the signing page (rejects when it is not this signer's turn). */
  signAs(flowId: string, accountId: string): Promise<void>;
  refuseAs(flowId: string, accountId: string, reason?: string): Promise<void>;
  flows(): Array<{ flowId: string; flowStatus: number; signers: Array<{ accountId: string; signStatus: number; autoSign: boolean }>; docPosList: unknown[] }>;
  /** Every accepted API request (authenticated, JSON), in order. */
  requests: Array<{ path: string; body: unknown }>;
  /** The next call of `path` does its work but is answered HTTP `status` (a gateway that lost the answer). */
  failAfterwards(path: string, status: number): void;
  close(): Promise<void>;
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
  pageCount: number;
  firstPageHeight: number;
}
interface Signer {
  accountId: string;
  authorizationOrgId?: string;
  signOrder: number;
  autoSign: boolean;
  sealType: string;
  /** undefined: not given (the signer signs every document, at the default position). */
  docPosList?: DocPos[];
  signStatus: number;
  recieveTime?: string;
  signTime?: string;
  signExplain?: string;
  autoScheduled?: boolean;
}
interface Flow {
  flowId: string;
  businessScene: string;
  initiatorAccountId?: string;
  flowStatus: number;
  redirectUrl: string;
  docs: Array<{ docId: string; name: string }>;
  signers: Signer[];
  signValidity?: number;
  startTime: string;
  endTime?: string;
}

const API = '/opentreaty/rest/v3.0';
const PERSON_ID_TYPES = new Set([13, 14, 15, 16, 17, 18, 19, 20, 21, 22]);
const ORGAN_TYPES = new Set([10, 11, 12]);
const SEAL_TYPES = new Set(['', '0', '1', '0,1', '1,0']);
const FLOW_STATUS_TEXT = ['草稿', '签署中', '已完成', '已撤销', '已终止', '已过期'];
const MAX_UPLOAD = 50 * 1024 * 1024;
const MAX_TIMER = 2 ** 31 - 1;
/** e签宝 waits for callbacks for at most 2 s and tries at most 6 times. */
const CALLBACK_TIMEOUT_MS = 2000;
const CALLBACK_ATTEMPTS = 6;

const hmac = (secret: string, bytes: Buffer | string) => createHmac('sha256', secret).update(bytes).digest('hex');
const hexId = (bytes = 16) => randomBytes(bytes).toString('hex');
function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
/** yyyy-MM-dd HH:mm:ss in Beijing time (UTC+8, no DST), as e签宝 writes times. */
function timeText(date = new Date()): string {
  const d = new Date(date.getTime() + 8 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

class SandboxError extends Error {
  constructor(
    readonly errCode: number,
    message: string,
    readonly status = 200,
  ) {
    super(message);
  }
}
/** errCode 1000: a parameter is missing or malformed. */
const param = (message: string) => new SandboxError(1000, `参数错误：${message}`);

// ---- request field readers: numbers may arrive as numbers or numeric strings ("" = not given)
type Json = Record<string, unknown>;
const given = (value: unknown) => value !== undefined && value !== null && value !== '';
function optText(value: unknown, field: string): string | undefined {
  if (!given(value)) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw param(`${field} 必须是字符串`);
}
function reqText(value: unknown, field: string): string {
  const text = optText(value, field);
  if (text === undefined || text.trim() === '') throw param(`${field} 不能为空`);
  return text;
}
function optNumber(value: unknown, field: string): number | undefined {
  if (!given(value)) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  throw param(`${field} 必须是数字`);
}
function optInt(value: unknown, field: string, allowed?: number[]): number | undefined {
  const n = optNumber(value, field);
  if (n === undefined) return undefined;
  if (!Number.isInteger(n)) throw param(`${field} 必须是整数`);
  if (allowed && !allowed.includes(n)) throw param(`${field} 只能是 ${allowed.join('、')}`);
  return n;
}
function object(value: unknown, field: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw param(`${field} 必须是对象`);
  return value as Json;
}
function list(value: unknown, field: string): unknown[] {
  if (!given(value)) return [];
  if (!Array.isArray(value)) throw param(`${field} 必须是数组`);
  return value;
}

export async function startEsignSandbox(options: EsignSandboxOptions): Promise<EsignSandbox> {
  const { projectId, projectSecret: secret } = options;
  if (!projectId || !secret) throw new TypeError('startEsignSandbox needs projectId and projectSecret');
  const retryIntervalMs = options.retryIntervalMs ?? 200;
  const authority = await SandboxAuthority.create();
  const accounts = new Map<string, Account>();
  const uploads = new Map<string, Upload>();
  const docs = new Map<string, Doc>();
  const flows = new Map<string, Flow>();
  const requests: EsignSandbox['requests'] = [];
  const lostAnswers = new Map<string, number>();
  const callbacks: CallbackBehaviour = { repeat: 1, delayMs: 0, drop: false, badSignature: false };
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<AbortController>();
  let callbackUrl = options.callbackUrl ?? '';
  let closed = false;
  let base = '';

  const later = (ms: number, fn: () => void) => {
    if (closed) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) fn();
    }, Math.max(0, Math.min(ms, MAX_TIMER)));
    timers.add(timer);
  };

  // Signing changes documents: one operation at a time, so two signers never sign the same bytes.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  // ---- callbacks (4.10): each one's first attempts go out in order; failed attempts are retried
  let deliveries: Promise<void> = Promise.resolve();
  function sendCallback(payload: Json): void {
    if (callbacks.drop || !callbackUrl || closed) return;
    const url = callbackUrl;
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    const signature = callbacks.badSignature ? hmac(secret, Buffer.concat([body, Buffer.from(' ')])) : hmac(secret, body);
    const headers = { 'Content-Type': 'application/json', 'X-timevale-project-id': projectId, 'X-timevale-signature': signature, 'X-timevale-signature-algorithm': 'hmac-sha256' };
    const attempt = async (n: number): Promise<void> => {
      if (closed) return;
      const controller = new AbortController();
      inFlight.add(controller);
      let delivered = false;
      try {
        const response = await fetch(url, { method: 'POST', body, headers, redirect: 'manual', signal: AbortSignal.any([controller.signal, AbortSignal.timeout(CALLBACK_TIMEOUT_MS)]) });
        await response.arrayBuffer().catch(() => undefined);
        delivered = response.status >= 200 && response.status < 400;
      } catch {
        // not delivered
      } finally {
        inFlight.delete(controller);
      }
      if (!delivered && n < CALLBACK_ATTEMPTS) later(retryIntervalMs, () => void attempt(n + 1));
    };
    const { repeat, delayMs } = callbacks;
    for (let i = 0; i < Math.max(0, Math.floor(repeat)); i++) {
      later(delayMs, () => {
        deliveries = deliveries.then(() => attempt(1));
      });
    }
  }

  // ---- flow state
  function endFlow(flow: Flow, status: number, description?: string): void {
    flow.flowStatus = status;
    flow.endTime = timeText();
    sendCallback({
      action: 'SIGN_FLOW_FINISH',
      businessScence: flow.businessScene,
      flowId: flow.flowId,
      flowStatus: status,
      ...(description ? { statusDescription: description } : {}),
      createTime: flow.startTime,
      endTime: flow.endTime,
    });
  }

  /** Hands the flow to the signers whose turn it is (lowest signOrder still pending); schedules silent signers. */
  function advance(flow: Flow): void {
    if (flow.flowStatus !== 1) return;
    const pending = flow.signers.filter((s) => s.signStatus === 0 || s.signStatus === 1);
    if (pending.length === 0) return;
    const turn = Math.min(...pending.map((s) => s.signOrder));
    for (const signer of pending.filter((s) => s.signOrder === turn)) {
      if (signer.signStatus === 0) {
        signer.signStatus = 1;
        signer.recieveTime = timeText();
      }
      if (signer.autoSign && !signer.autoScheduled) {
        signer.autoScheduled = true;
        later(100, () => void sign(flow, signer).catch(() => undefined));
      }
    }
  }

  function start(flow: Flow): void {
    flow.flowStatus = 1;
    advance(flow);
    if (flow.signValidity !== undefined) {
      const wait = flow.signValidity - Date.now();
      if (wait < MAX_TIMER) later(wait, () => flow.flowStatus <= 1 && endFlow(flow, 5, '签署已过期'));
    }
  }

  function checkTurn(flow: Flow, signer: Signer): void {
    if (flow.flowStatus === 0) throw new SandboxError(1006, '签署流程尚未开始');
    if (flow.flowStatus !== 1) throw new SandboxError(1006, `签署流程${FLOW_STATUS_TEXT[flow.flowStatus] ?? '已结束'}`);
    if (signer.signStatus === 4) throw new SandboxError(1006, '您已拒签');
    if (signer.signStatus === 3) throw new SandboxError(1006, '签署失败');
    if (signer.signStatus === 0) throw new SandboxError(1007, '尚未轮到您签署（顺序签署：请等待前序签署人完成）');
  }

  const docIdsOf = (flow: Flow, signer: Signer) => (signer.docPosList ? flow.docs.map((d) => d.docId).filter((docId) => signer.docPosList!.some((p) => p.docId === docId)) : flow.docs.map((d) => d.docId));

  const hostile: EsignSandbox['hostile'] = { mode: 'none' };
  let rogue: Promise<SandboxAuthority> | undefined;
  async function hostileInput(bytes: Uint8Array, material: Parameters<SandboxAuthority['sign']>[2], account: { accountId: string; name: string; organization: boolean }) {
    if (hostile.mode === 'rewrite') {
      const document = await PDFDocument.load(bytes, { updateMetadata: false });
      return { bytes: await document.save({ useObjectStreams: false }), material };
    }
    if (hostile.mode === 'self-signed') {
      rogue ??= SandboxAuthority.create();
      return { bytes, material: { ...material, key: await (await rogue).keyOf(account) } };
    }
    return { bytes, material };
  }

  function sign(flow: Flow, signer: Signer): Promise<void> {
    return serial(async () => {
      if (signer.signStatus === 2) return;
      checkTurn(flow, signer);
      const person = accounts.get(signer.accountId)!;
      const organization = signer.authorizationOrgId ? accounts.get(signer.authorizationOrgId) : undefined;
      const owner = organization ?? person;
      const handDrawn = signer.sealType === '0';
      const material = {
        key: await authority.keyOf({ accountId: owner.accountId, name: owner.name, organization: Boolean(organization) }),
        image: await authority.imageOf(handDrawn ? person.name : owner.name, handDrawn ? 'hand-drawn' : organization ? 'official' : 'personal'),
        name: owner.name,
        reason: organization ? `e签宝签署：${flow.businessScene}（经办人：${person.name}）` : `e签宝签署：${flow.businessScene}`,
      };
      const signed = new Map<string, Buffer>();
      let failure: { docId: string; message: string } | undefined;
      for (const docId of docIdsOf(flow, signer)) {
        const doc = docs.get(docId)!;
        try {
          const positions = signer.docPosList?.filter((p) => p.docId === docId);
          const placements = await placementsFor(doc.bytes, positions, doc.firstPageHeight);
          const input = await hostileInput(doc.bytes, material, { accountId: owner.accountId, name: owner.name, organization: Boolean(organization) });
          signed.set(docId, Buffer.from(await authority.sign(input.bytes, placements, input.material)));
        } catch (error) {
          failure = { docId, message: error instanceof SigningFailure ? error.message : `签署失败：${(error as Error).message}` };
          break;
        }
      }
      if (flow.flowStatus !== 1) return; // ended while signing (revoked, expired)
      signer.signTime = timeText();
      if (failure) {
        signer.signStatus = 3;
        signer.signExplain = failure.message;
        sendCallback({ action: 'SIGN_FLOW_UPDATE', accountId: signer.accountId, flowId: flow.flowId, docId: failure.docId, signTime: signer.signTime, signResult: 3, resultDescription: failure.message });
        endFlow(flow, 4, failure.message);
        return;
      }
      for (const [docId, bytes] of signed) docs.get(docId)!.bytes = bytes;
      signer.signStatus = 2;
      for (const docId of signed.keys()) {
        sendCallback({ action: 'SIGN_FLOW_UPDATE', accountId: signer.accountId, flowId: flow.flowId, docId, signTime: signer.signTime, signResult: 2 });
      }
      if (flow.signers.every((s) => s.signStatus === 2)) endFlow(flow, 2);
      else advance(flow);
    });
  }

  function refuse(flow: Flow, signer: Signer, reason: string): Promise<void> {
    return serial(async () => {
      if (signer.signStatus === 2) throw new SandboxError(1006, '您已完成签署，不能拒签');
      checkTurn(flow, signer);
      signer.signStatus = 4;
      signer.signExplain = reason.trim() || '签署人拒签';
      signer.signTime = timeText();
      sendCallback({ action: 'SIGN_FLOW_UPDATE', accountId: signer.accountId, flowId: flow.flowId, docId: docIdsOf(flow, signer)[0], signTime: signer.signTime, signResult: 4, resultDescription: signer.signExplain });
      endFlow(flow, 4, signer.signExplain);
    });
  }

  function flowOf(flowId: unknown): Flow {
    const flow = flows.get(String(flowId ?? ''));
    if (!flow) throw new SandboxError(1005, '签署流程不存在');
    return flow;
  }
  const downloadUrl = (docId: string) => `${base}/download/${docId}?token=${hmac(secret, `download:${docId}`)}`;
  function uniqueThirdId(thirdId: string | undefined): void {
    if (thirdId === undefined) return;
    if (Buffer.byteLength(thirdId, 'utf8') > 50) throw param('thirdId 最大支持 50 个字节');
    if ([...accounts.values()].some((a) => a.thirdId === thirdId)) throw new SandboxError(1001, '账号已存在');
  }

  // ---- API (data only; the wrapper checks the request signature and signs the answer)
  const handlers: Record<string, (body: Json) => unknown> = {
    '/file/uploadurl': (body) => {
      const fileName = reqText(body.fileName, 'fileName');
      const contentType = reqText(body.contentType, 'contentType');
      const contentMd5 = reqText(body.contentMd5, 'contentMd5');
      const fileSize = optInt(body.fileSize, 'fileSize');
      if (fileSize === undefined || fileSize <= 0) throw param('fileSize 不能为空且须大于 0');
      if (fileSize > MAX_UPLOAD) throw param(`fileSize 不能超过 ${MAX_UPLOAD} 字节`);
      const digest = Buffer.from(contentMd5, 'base64');
      if (digest.length !== 16 || digest.toString('base64') !== contentMd5) throw param('contentMd5 须为 BASE64 编码的 MD5 摘要');
      const upload: Upload = { fileKey: `$${randomUUID()}$${randomBytes(4).readUInt32BE()}`, fileName, fileSize, contentType, contentMd5, token: hexId(12) };
      uploads.set(upload.token, upload);
      const expires = Math.floor(Date.now() / 1000) + 3600;
      return { fileKey: upload.fileKey, uploadUrl: `${base}/oss/${upload.token}?Expires=${expires}&Signature=${hmac(secret, `oss:${upload.token}:${expires}`)}` };
    },
    '/account/create/person/private': (body) => {
      const thirdId = optText(body.thirdId, 'thirdId');
      const name = reqText(body.name, 'name');
      const idNo = reqText(body.idNo, 'idNo');
      const idType = optInt(body.idType, 'idType');
      if (idType === undefined || !PERSON_ID_TYPES.has(idType)) throw param('idType 须为个人账号证件类型 13–22');
      optText(body.mobile, 'mobile');
      optText(body.email, 'email');
      uniqueThirdId(thirdId);
      const account: Account = { accountId: hexId(), thirdId, kind: 'person', name, idNo, idType };
      accounts.set(account.accountId, account);
      return { accountId: account.accountId };
    },
    '/account/create/organize/private': (body) => {
      const thirdId = optText(body.thirdId, 'thirdId');
      const agentAccountId = reqText(body.agentAccountId, 'agentAccountId');
      const name = reqText(body.name, 'name');
      const organCode = reqText(body.organCode, 'organCode');
      const organType = optInt(body.organType, 'organType');
      if (organType === undefined || !ORGAN_TYPES.has(organType)) throw param('organType 须为企业账号证照类型 10、11、12');
      optText(body.legalName, 'legalName');
      const legalIdNo = optText(body.legalIdNo, 'legalIdNo');
      const legalIdType = optInt(body.legalIdType, 'legalIdType');
      if (legalIdNo !== undefined && legalIdType === undefined) throw param('填写 legalIdNo 时 legalIdType 必填');
      if (legalIdType !== undefined && !PERSON_ID_TYPES.has(legalIdType)) throw param('legalIdType 须为个人账号证件类型 13–22');
      optText(body.email, 'email');
      if (accounts.get(agentAccountId)?.kind !== 'person') throw new SandboxError(1002, '经办人账号不存在');
      uniqueThirdId(thirdId);
      const account: Account = { accountId: hexId(), thirdId, kind: 'organization', name, idNo: organCode, idType: organType, agentAccountId };
      accounts.set(account.accountId, account);
      return { accountId: account.accountId };
    },
    '/account/idexchange': (body) => {
      const thirdId = reqText(body.thirdId, 'thirdId');
      const account = [...accounts.values()].find((a) => a.thirdId === thirdId);
      if (!account) throw new SandboxError(1002, '账号不存在');
      return { accountId: account.accountId };
    },
    '/doc/createbyfilekey': async (body) => {
      const fileKey = reqText(body.fileKey, 'fileKey');
      const upload = [...uploads.values()].find((u) => u.fileKey === fileKey);
      if (!upload) throw new SandboxError(1003, '文件不存在');
      if (!upload.bytes) throw new SandboxError(1004, '文件尚未上传成功');
      let pdf: PDFDocument;
      try {
        pdf = await PDFDocument.load(upload.bytes, { updateMetadata: false });
      } catch {
        throw new SandboxError(1004, '目前仅支持 PDF 格式文档签署（文件不是可读的未加密 PDF）');
      }
      const doc: Doc = { docId: hexId(), name: upload.fileName, bytes: upload.bytes, pageCount: pdf.getPageCount(), firstPageHeight: pdf.getPage(0).getCropBox().height };
      docs.set(doc.docId, doc);
      return { docId: doc.docId };
    },
    '/doc/downloadurl': (body) => {
      const docId = reqText(body.docId, 'docId');
      if (!docs.has(docId)) throw new SandboxError(1003, '合同不存在');
      return { docUrl: downloadUrl(docId) };
    },
    '/sign/start': (body) => {
      const businessScene = reqText(body.businessScene, 'businessScene');
      const initiatorAccountId = optText(body.initiatorAccountId, 'initiatorAccountId');
      if (initiatorAccountId !== undefined && !accounts.has(initiatorAccountId)) throw new SandboxError(1002, '发起方账号不存在');
      const autoInitiate = optInt(body.autoInitiate, 'autoInitiate', [0, 1]) ?? 1;
      const redirectUrl = optText(body.redirectUrl, 'redirectUrl') ?? '';
      if (redirectUrl && !/^https?:\/\/[^\s]+$/i.test(redirectUrl)) throw param('redirectUrl 须为 http(s) 地址');
      const signValidity = optInt(body.signValidity, 'signValidity');
      if (signValidity !== undefined && signValidity <= Date.now()) throw param('signValidity 已过期');
      optInt(body.contractValidity, 'contractValidity');

      const docList = list(body.docList, 'docList');
      if (docList.length === 0) throw param('docList 不能为空');
      const flowDocs = docList.map((item, i) => {
        const entry = object(item, `docList[${i}]`);
        const docId = reqText(entry.docId, `docList[${i}].docId`);
        const doc = docs.get(docId);
        if (!doc) throw new SandboxError(1003, `合同 ${docId} 不存在`);
        return { docId, name: optText(entry.name, `docList[${i}].name`) ?? doc.name };
      });
      if (new Set(flowDocs.map((d) => d.docId)).size !== flowDocs.length) throw param('docList 中合同重复');

      const recipients = object(body.recipientList, 'recipientList');
      if (given(recipients.signerAppAuto)) throw new SandboxError(1000, '沙箱不支持对接平台自身签署（signerAppAuto）');
      const signerList = list(recipients.signerList, 'recipientList.signerList');
      if (signerList.length === 0) throw param('recipientList.signerList 不能为空');
      const signers: Signer[] = signerList.map((item, i) => {
        const field = `signerList[${i}]`;
        const s = object(item, field);
        const accountId = reqText(s.accountId, `${field}.accountId`);
        if (accounts.get(accountId)?.kind !== 'person') throw new SandboxError(1002, `签署人账号 ${accountId} 不存在`);
        const authorizationOrgId = optText(s.authorizationOrgId, `${field}.authorizationOrgId`);
        if (authorizationOrgId !== undefined) {
          const organization = accounts.get(authorizationOrgId);
          if (organization?.kind !== 'organization') throw new SandboxError(1002, `授权企业 ${authorizationOrgId} 不存在`);
          if (organization.agentAccountId !== accountId) throw new SandboxError(1002, `签署人不是企业“${organization.name}”的经办人`);
        }
        const signOrder = optInt(s.signOrder, `${field}.signOrder`) ?? 1;
        if (signOrder < 1) throw param(`${field}.signOrder 须大于 0`);
        const sealType = (optText(s.sealType, `${field}.sealType`) ?? '').replace(/\s/g, '');
        if (!SEAL_TYPES.has(sealType)) throw param(`${field}.sealType 只能是 0、1 或 0,1`);
        optInt(s.certType, `${field}.certType`, [1, 2, 3, 4, 5]);
        const docPosList = given(s.docPosList) ? list(s.docPosList, `${field}.docPosList`).map((p, j) => docPos(p, `${field}.docPosList[${j}]`)) : undefined;
        return { accountId, authorizationOrgId, signOrder, autoSign: optInt(s.autoSign, `${field}.autoSign`, [0, 1]) === 1, sealType, docPosList, signStatus: 0 };
      });
      if (new Set(signers.map((s) => s.accountId)).size !== signers.length) throw param('同一签署人在一个流程中只能出现一次');

      function docPos(item: unknown, field: string): DocPos {
        const p = object(item, field);
        const docId = reqText(p.docId, `${field}.docId`);
        const doc = docs.get(docId);
        if (!doc || !flowDocs.some((d) => d.docId === docId)) throw new SandboxError(1003, `${field}.docId 不在 docList 中`);
        const signType = optInt(p.signType, `${field}.signType`, [1, 2, 3]);
        if (signType === undefined) throw param(`${field}.signType 不能为空（1 关键字、2 坐标、3 骑缝）`);
        optInt(p.qrcodeSign, `${field}.qrcodeSign`, [0, 1]);
        const beans = list(p.posBeanList, `${field}.posBeanList`).map((b, k): PosBean => {
          const f = `${field}.posBeanList[${k}]`;
          const bean = object(b, f);
          const parsed: PosBean = { posPage: optText(bean.posPage, `${f}.posPage`), posX: optNumber(bean.posX, `${f}.posX`), posY: optNumber(bean.posY, `${f}.posY`), key: optText(bean.key, `${f}.key`), scale: optNumber(bean.scale, `${f}.scale`) };
          if (parsed.scale !== undefined && !(parsed.scale > 0 && parsed.scale <= 1000)) throw param(`${f}.scale 须在 0–1000 之间`);
          if (signType === 1 && !parsed.key?.trim()) throw param(`${f}.key 关键字定位时不可空`);
          if (signType === 2) {
            if (parsed.posPage === undefined || parsed.posX === undefined || parsed.posY === undefined) throw param(`${f} 坐标定位时 posPage、posX、posY 必填`);
            const pages = parsePages(parsed.posPage);
            if (!pages) throw param(`${f}.posPage 格式不正确（如 "1-3,5"）`);
            if (pages.some((page) => page > doc.pageCount)) throw param(`${f}.posPage 超出文档页数（${doc.pageCount} 页）`);
          }
          if (signType === 3 && parsed.posPage !== undefined && !parsePages(parsed.posPage)) throw param(`${f}.posPage 格式不正确`);
          return parsed;
        });
        if (signType !== 3 && beans.length === 0) throw param(`${field}.posBeanList 不能为空`);
        return { docId, signType: signType as 1 | 2 | 3, posBeanList: beans };
      }

      const flow: Flow = { flowId: hexId(), businessScene, initiatorAccountId, flowStatus: 0, redirectUrl, docs: flowDocs, signers, signValidity, startTime: timeText() };
      flows.set(flow.flowId, flow);
      if (autoInitiate === 1) start(flow);
      return { flowId: flow.flowId, signUrlList: signers.filter((s) => !s.autoSign).map((s) => ({ accountId: s.accountId, signUrl: [`${base}/h5/sign/${flow.flowId}/${s.accountId}`] })) };
    },
    '/sign/execute': (body) => {
      const flow = flowOf(reqText(body.flowId, 'flowId'));
      if (flow.flowStatus !== 0) throw new SandboxError(1006, '签署流程不在草稿状态');
      start(flow);
      return undefined;
    },
    '/sign/revoke': (body) => {
      const flow = flowOf(reqText(body.flowId, 'flowId'));
      if (flow.flowStatus > 1) throw new SandboxError(1006, `签署流程${FLOW_STATUS_TEXT[flow.flowStatus]}，不能撤销`);
      endFlow(flow, 3, '发起方撤销签署');
      return undefined;
    },
    '/sign/download': (body) => {
      const flow = flowOf(reqText(body.flowId, 'flowId'));
      return flow.docs.map((d) => ({ docId: d.docId, docUrl: downloadUrl(d.docId) }));
    },
    '/sign/docdetail': (body) => {
      const flow = flowOf(reqText(body.flowId, 'flowId'));
      return {
        flowId: flow.flowId,
        businessScene: flow.businessScene,
        ...(flow.initiatorAccountId ? { initiatorAccountId: flow.initiatorAccountId } : {}),
        flowStatus: flow.flowStatus,
        ...(flow.signValidity !== undefined ? { signValidity: timeText(new Date(flow.signValidity)) } : {}),
        startTime: flow.startTime,
        ...(flow.endTime ? { endTime: flow.endTime } : {}),
        signInfo: flow.docs.map((d) => ({
          docId: d.docId,
          docName: d.name,
          signDetail: flow.signers
            .filter((s) => docIdsOf(flow, s).includes(d.docId))
            .map((s) => ({
              accountId: s.accountId,
              ...(s.authorizationOrgId ? { authorizationOrgId: s.authorizationOrgId } : {}),
              signStatus: s.signStatus,
              ...(s.recieveTime ? { recieveTime: s.recieveTime } : {}),
              ...(s.signTime ? { signTime: s.signTime } : {}),
              ...(s.signExplain ? { signExplain: s.signExplain } : {}),
            })),
        })),
      };
    },
  };

  /** Every API answer: JSON, signed like the request (4.3.2), with the four X-timevale headers. */
  function answer(res: Response, status: number, envelope: Json): void {
    const bytes = Buffer.from(JSON.stringify(envelope), 'utf8');
    res
      .status(status)
      .set({ 'Content-Type': 'application/json;charset=UTF-8', 'X-timevale-mode': 'package', 'X-timevale-project-id': projectId, 'X-timevale-signature': hmac(secret, bytes), 'X-timevale-signature-algorithm': 'hmac-sha256' })
      .end(bytes);
  }

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use(API, express.raw({ type: () => true, limit: '4mb', inflate: false }), async (req: Request, res: Response) => {
    if (req.method !== 'POST') return answer(res, 400, { errCode: 400, msg: '所有接口均采用 HTTP POST 方式调用' });
    const raw: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = String(req.get('x-timevale-signature') ?? '').toLowerCase();
    const authentic =
      sameText(String(req.get('x-timevale-project-id') ?? ''), projectId) &&
      (req.get('x-timevale-mode') ?? 'package').toLowerCase() === 'package' &&
      String(req.get('x-timevale-signature-algorithm') ?? '').toLowerCase() === 'hmac-sha256' &&
      sameText(signature, hmac(secret, raw));
    if (!authentic) return answer(res, 401, { errCode: 401, msg: '签名校验失败' });
    const type = String(req.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') return answer(res, 400, { errCode: 400, msg: 'Content-Type 仅支持 application/json' });
    const path = req.path;
    const handler = Object.hasOwn(handlers, path) ? handlers[path] : undefined;
    if (!handler) return answer(res, 404, { errCode: 404, msg: `接口 ${path} 不存在` });
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return answer(res, 400, { errCode: 400, msg: '请求体不是合法的 JSON' });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return answer(res, 400, { errCode: 400, msg: '请求体须为 JSON 对象' });
    requests.push({ path, body });
    try {
      const data = await handler(body as Json);
      const lost = lostAnswers.get(path);
      lostAnswers.delete(path);
      if (lost) return answer(res, lost, { errCode: lost, msg: '网关错误' });
      answer(res, 200, { errCode: 0, msg: 'SUCCESS', ...(data === undefined ? {} : { data }) });
    } catch (error) {
      if (error instanceof SandboxError) return answer(res, error.status, { errCode: error.errCode, msg: error.message });
      answer(res, 500, { errCode: 500, msg: `沙箱内部错误：${(error as Error).message}` });
    }
  });

  // File direct upload (4.5.2): Content-MD5 and Content-Type must be the declared ones, and the bytes must match.
  app.put('/oss/:token', express.raw({ type: () => true, limit: MAX_UPLOAD, inflate: false }), (req, res) => {
    const upload = uploads.get(String(req.params.token));
    const expires = Number(req.query.Expires);
    if (!upload || !(expires > Date.now() / 1000) || !sameText(String(req.query.Signature ?? ''), hmac(secret, `oss:${upload.token}:${expires}`))) {
      return res.status(403).type('text/plain').send('AccessDenied: the upload URL is invalid or expired');
    }
    const bytes: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const actual = createHash('md5').update(bytes).digest('base64');
    const header = String(req.get('content-md5') ?? '');
    if (header !== upload.contentMd5 || actual !== upload.contentMd5) return res.status(403).type('text/plain').send('InvalidDigest: Content-MD5 does not match the declared contentMd5 or the bytes');
    if (req.get('content-type') !== upload.contentType) return res.status(403).type('text/plain').send('AccessDenied: Content-Type does not match the declared contentType');
    if (bytes.length !== upload.fileSize) return res.status(403).type('text/plain').send('AccessDenied: the size does not match the declared fileSize');
    upload.bytes = bytes;
    res.status(200).end();
  });

  app.get('/download/:docId', (req, res) => {
    const doc = docs.get(String(req.params.docId));
    if (!doc || !sameText(String(req.query.token ?? ''), hmac(secret, `download:${doc.docId}`))) return res.status(403).type('text/plain').send('AccessDenied');
    res
      .type('application/pdf')
      .set('Content-Disposition', `inline; filename="document.pdf"; filename*=UTF-8''${encodeURIComponent(doc.name)}`)
      .send(doc.bytes);
  });

  // ---- H5 signing page
  const page = (title: string, content: string) =>
    `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} - e签宝（沙箱）</title>` +
    `<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#222}h1{font-size:1.25rem;color:#1677ff}dt{color:#666}dd{margin:0 0 .5rem}` +
    `button{font-size:1rem;padding:.5rem 1.5rem;margin:.5rem .5rem 0 0;cursor:pointer}.sign{background:#1677ff;color:#fff;border:0;border-radius:4px}.refuse{background:#fff;border:1px solid #d9363e;color:#d9363e;border-radius:4px}` +
    `input{font-size:1rem;padding:.4rem;width:100%;box-sizing:border-box}.note{color:#8c6d1f;background:#fffbe6;padding:.5rem}</style></head>` +
    `<body><h1>e签宝（沙箱）</h1>${content}</body></html>`;
  const lookup = (req: Request) => {
    const flow = flows.get(String(req.params.flowId));
    const signer = flow?.signers.find((s) => s.accountId === req.params.accountId);
    return flow && signer ? { flow, signer } : undefined;
  };
  const invalid = (res: Response) => res.status(404).type('html').send(page('签署', '<p>签署地址无效。</p>'));

  app.get('/h5/sign/:flowId/:accountId', (req, res) => {
    const found = lookup(req);
    if (!found) return invalid(res);
    const { flow, signer } = found;
    const person = accounts.get(signer.accountId)!;
    const organization = signer.authorizationOrgId ? accounts.get(signer.authorizationOrgId) : undefined;
    const documents = flow.docs
      .filter((d) => docIdsOf(flow, signer).includes(d.docId))
      .map((d) => `<li><a href="${escapeHtml(downloadUrl(d.docId))}" target="_blank" rel="noopener">${escapeHtml(d.name)}</a></li>`)
      .join('');
    let state = '';
    if (flow.flowStatus !== 1) state = `<p class="note">签署流程${escapeHtml(FLOW_STATUS_TEXT[flow.flowStatus] ?? '已结束')}。</p>`;
    else if (signer.signStatus === 2) state = '<p class="note">您已完成签署。</p>';
    else if (signer.signStatus === 0) state = '<p class="note">尚未轮到您签署，请等待前序签署人完成。</p>';
    const action = `/h5/sign/${encodeURIComponent(flow.flowId)}/${encodeURIComponent(signer.accountId)}`;
    const forms =
      flow.flowStatus === 1 && signer.signStatus === 1
        ? `<form method="post" action="${action}/sign"><button class="sign" type="submit">签署</button></form>` +
          `<form method="post" action="${action}/refuse"><p><label>拒签原因（选填）<input name="reason" maxlength="200"></label></p><button class="refuse" type="submit">拒签</button></form>`
        : '';
    res
      .type('html')
      .send(
        page(
          '签署文件',
          `<dl><dt>业务场景</dt><dd>${escapeHtml(flow.businessScene)}</dd><dt>签署人</dt><dd>${escapeHtml(person.name)}${organization ? `（代表 ${escapeHtml(organization.name)} 盖章）` : ''}</dd>` +
            `<dt>待签文件</dt><dd><ul>${documents}</ul></dd></dl>${state}${forms}`,
        ),
      );
  });

  const act = (action: 'sign' | 'refuse') => async (req: Request, res: Response) => {
    const found = lookup(req);
    if (!found) return invalid(res);
    const { flow, signer } = found;
    try {
      if (action === 'sign') await sign(flow, signer);
      else await refuse(flow, signer, String((req.body as Json | undefined)?.reason ?? ''));
    } catch (error) {
      const message = error instanceof SandboxError ? error.message : `出错了：${(error as Error).message}`;
      return res.status(409).type('html').send(page('无法签署', `<p>${escapeHtml(message)}</p>`));
    }
    if (action === 'sign' && signer.signStatus !== 2) {
      return res.status(422).type('html').send(page('签署失败', `<p>签署失败：${escapeHtml(signer.signExplain ?? '')}</p>`));
    }
    if (flow.redirectUrl) return res.redirect(303, flow.redirectUrl);
    res.type('html').send(page(action === 'sign' ? '签署完成' : '已拒签', `<p>${action === 'sign' ? '签署完成' : '已拒签'}</p>`));
  };
  app.post('/h5/sign/:flowId/:accountId/sign', express.urlencoded({ extended: false, limit: '16kb' }), act('sign'));
  app.post('/h5/sign/:flowId/:accountId/refuse', express.urlencoded({ extended: false, limit: '16kb' }), act('refuse'));

  // Body-parser failures (too large, aborted): API callers still get a signed JSON answer.
  app.use((error: Error & { status?: number }, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (req.path.startsWith(API)) return answer(res, status, { errCode: status, msg: error.message });
    res.status(status).type('text/plain').send(error.message);
  });

  const server = http.createServer(app);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  base = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;

  const signerOf = (flowId: string, accountId: string) => {
    const flow = flowOf(flowId);
    const signer = flow.signers.find((s) => s.accountId === accountId);
    if (!signer) throw new Error(`No signer ${accountId} in flow ${flowId}.`);
    return { flow, signer };
  };

  return {
    url: base,
    apiBase: `${base}${API}`,
    caPem: authority.ca.certificatePem,
    hostile,
    setCallbackUrl(url) {
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
      await refuse(flow, signer, reason);
    },
    flows: () =>
      [...flows.values()].map((flow) => ({
        flowId: flow.flowId,
        flowStatus: flow.flowStatus,
        signers: flow.signers.map((s) => ({ accountId: s.accountId, signStatus: s.signStatus, autoSign: s.autoSign })),
        docPosList: flow.signers.flatMap((s) => s.docPosList ?? []),
      })),
    requests,
    failAfterwards(path, status) {
      lostAnswers.set(path, status);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const controller of inFlight) controller.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.catch(() => undefined);
    },
  };
}
