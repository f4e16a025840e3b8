// A local e签宝 (tsign open API v3) sandbox: the documented subset (spec 4.2–4.10), strictly. It
// checks every request's HMAC over the raw bytes and signs every answer, checks every upload's
// Content-MD5, keeps state in memory, serves an H5 signing page that applies a real PAdES signature
// with its own CA, and fires HMAC-signed callbacks with e签宝's retry rule (which tests can repeat,
// delay, drop or sign wrongly). Development and tests only.
import express, { type NextFunction, type Request, type Response } from 'express';
import { serve } from '../shared.js';
import { accountHandlers } from './accounts.js';
import { type CallbackBehaviour, CallbackSender } from './callbacks.js';
import { downloadUrlOf, fileHandlers, fileRoutes } from './files.js';
import { flowEngine, type Hostility } from './flows.js';
import { signingPageRoutes } from './signing-page.js';
import { SandboxAuthority } from './signing.js';
import { hmac, type Json, type SandboxContext, SandboxError, sameText, Timers } from './state.js';

export type { CallbackBehaviour } from './callbacks.js';

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
  hostile: Hostility;
  /** The same as clicking 签署 on the signing page (rejects when it is not this signer's turn). */
  signAs(flowId: string, accountId: string): Promise<void>;
  refuseAs(flowId: string, accountId: string, reason?: string): Promise<void>;
  flows(): Array<{
    flowId: string;
    flowStatus: number;
    signers: Array<{ accountId: string; signStatus: number; autoSign: boolean }>;
    docPosList: unknown[];
  }>;
  /** Every accepted API request (authenticated, JSON), in order. */
  requests: Array<{ path: string; body: unknown }>;
  /** The next call of `path` does its work but is answered HTTP `status` (a gateway that lost the answer). */
  failAfterwards(path: string, status: number): void;
  close(): Promise<void>;
}

const API = '/opentreaty/rest/v3.0';

export async function startEsignSandbox(options: EsignSandboxOptions): Promise<EsignSandbox> {
  const { projectId, projectSecret: secret } = options;
  if (!projectId || !secret) throw new TypeError('startEsignSandbox needs projectId and projectSecret');
  const ctx: SandboxContext = {
    projectId,
    secret,
    base: '',
    accounts: new Map(),
    uploads: new Map(),
    docs: new Map(),
    flows: new Map(),
    timers: new Timers(),
  };
  const authority = await SandboxAuthority.create();
  const callbacks = new CallbackSender(ctx, options.retryIntervalMs ?? 200, options.callbackUrl);
  const downloadUrl = downloadUrlOf(ctx);
  const engine = flowEngine(ctx, authority, callbacks, downloadUrl);
  const handlers = { ...fileHandlers(ctx), ...accountHandlers(ctx), ...engine.handlers };
  const requests: EsignSandbox['requests'] = [];
  const lostAnswers = new Map<string, number>();

  /** Every API answer: JSON, signed like the request (4.3.2), with the four X-timevale headers. */
  function answer(res: Response, status: number, envelope: Json): void {
    const bytes = Buffer.from(JSON.stringify(envelope), 'utf8');
    res
      .status(status)
      .set({
        'Content-Type': 'application/json;charset=UTF-8',
        'X-timevale-mode': 'package',
        'X-timevale-project-id': projectId,
        'X-timevale-signature': hmac(secret, bytes),
        'X-timevale-signature-algorithm': 'hmac-sha256',
      })
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
    const type = String(req.get('content-type') ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
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
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return answer(res, 400, { errCode: 400, msg: '请求体须为 JSON 对象' });
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

  fileRoutes(app, ctx);
  signingPageRoutes(app, ctx, engine, downloadUrl);

  // Body-parser failures (too large, aborted): API callers still get a signed JSON answer.
  app.use((error: Error & { status?: number }, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (req.path.startsWith(API)) return answer(res, status, { errCode: status, msg: error.message });
    res.status(status).type('text/plain').send(error.message);
  });

  const server = await serve(app, options);
  ctx.base = server.base;
  const { flowOf, endFlow, sign, refuse } = engine;
  const signerOf = (flowId: string, accountId: string) => {
    const flow = flowOf(flowId);
    const signer = flow.signers.find((s) => s.accountId === accountId);
    if (!signer) throw new Error(`No signer ${accountId} in flow ${flowId}.`);
    return { flow, signer };
  };
  return {
    url: ctx.base,
    apiBase: `${ctx.base}${API}`,
    caPem: authority.ca.certificatePem,
    hostile: engine.hostile,
    setCallbackUrl(url) {
      callbacks.url = url;
    },
    callbacks: callbacks.behaviour,
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
      [...ctx.flows.values()].map((flow) => ({
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
      if (ctx.timers.closed) return;
      ctx.timers.close();
      callbacks.abortAll();
      await server.close();
      await engine.idle();
    },
  };
}
