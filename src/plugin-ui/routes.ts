import fs from 'node:fs';
import path from 'node:path';
import { type Response, Router } from 'express';
import type { Logger } from 'pino';
import { issueTicket } from '../http/auth/tickets.js';
import { success } from '../http/envelope.js';
import { ApiError } from '../http/errors.js';
import { requireJsonBody } from '../http/middleware.js';
import { DEMO_USERS } from '../seals/demo.js';
import type { Seal, Signature } from '../signature/schema.js';
import type { SignatureService } from '../signature/service.js';
import { projectRoot } from '../util/project-root.js';
import { validator } from '../validation/ajv.js';


const ROOT = projectRoot();
const BUNDLE_DIR = path.join(ROOT, 'plugin-ui', 'dist');
const DEMO_DIR = path.join(ROOT, 'plugin-ui', 'demo');
const DEMO_ASSETS: Record<string, string> = { 'demo.js': 'text/javascript; charset=utf-8', 'demo.css': 'text/css; charset=utf-8' };

export interface PluginUiOptions {
  /** The demo (GET /demo, POST /demo/session) exists only in dev with demo data. */
  demo: boolean;
  signatures: SignatureService;
  /** Creates Signatures from templates (for the demo's create-url). */
  documents?: { createFromTemplate(input: { template: string; data?: Record<string, unknown>; seals?: Partial<Seal>[] }): Promise<Signature> };
  tickets: { secret: string; ttlSeconds: number };
  log: Logger;
}

/** The demo's leave application: the applicant's signature and the college's official seal. */
const DEMO_SEALS: Partial<Seal>[] = [
  { placeHolder: '【申请人签名】', signer: { account: 'zhangsan', name: '张三' }, permission: { sealTypes: ['个人签名', '手写'], sealIds: [], signers: [] }, description: '申请人签名' },
  { placeHolder: '【辅导员签章】', permission: { sealTypes: ['个人签名', '手写'], sealIds: [], signers: ['lisi'] }, description: '辅导员审批' },
  { placeHolder: '【学院盖章】', signer: { account: 'wangwu', name: '王五' }, permission: { sealTypes: ['公章'], sealIds: [], signers: ['wangwu'] }, description: '学院盖章' },
];

const validateCreate = validator<{ template: string; data?: Record<string, unknown>; account?: string }>({
  type: 'object',
  additionalProperties: false,
  required: ['template'],
  properties: { template: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' }, data: { type: 'object' }, account: { type: 'string', maxLength: 64 } },
});

const validateSession = validator<{ account: string; signatureId?: string; reset?: boolean }>({
  type: 'object',
  additionalProperties: false,
  required: ['account'],
  properties: { account: { type: 'string', maxLength: 64 }, signatureId: { type: 'string', maxLength: 64 }, reset: { type: 'boolean' } },
});

function sendFile(res: Response, file: string, type: string, cache: string): void {
  if (!fs.existsSync(file)) throw new ApiError(503, 'UI_NOT_BUILT', 'The web component has not been built; run npm run build:ui.');
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', cache);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  fs.createReadStream(file).pipe(res);
}

/**
 * Serves the `<infoplus-signature>` bundle at /plugin-ui/infoplus-signature.js (any origin may load
 * it) and, in dev with demo data, the demo form at /demo with a demo-only session endpoint that
 * hands out tickets for the demo users.
 */
export function pluginUiRoutes(options: PluginUiOptions): Router {
  const router = Router();

  router.get('/plugin-ui/:file', (req, res) => {
    const file = String(req.params.file);
    if (file === 'infoplus-signature.js') return sendFile(res, path.join(BUNDLE_DIR, file), 'text/javascript; charset=utf-8', 'public, max-age=300');
    if (file === 'infoplus-signature.js.map') return sendFile(res, path.join(BUNDLE_DIR, file), 'application/json; charset=utf-8', 'public, max-age=300');
    throw new ApiError(404, 'NOT_FOUND', 'No such file.');
  });

  if (!options.demo) return router;

  let demoSignature: Promise<Signature> | null = null;
  const newDemoSignature = () =>
    options.signatures.createPending({ name: '请假申请表（演示）.pdf', template: 'leave-application', seals: DEMO_SEALS });

  router.get('/demo', (_req, res) => {
    res.setHeader('Content-Security-Policy', "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; frame-ancestors 'none'");
    sendFile(res, path.join(DEMO_DIR, 'index.html'), 'text/html; charset=utf-8', 'no-store');
  });
  router.get('/demo/:asset', (req, res) => {
    const type = DEMO_ASSETS[String(req.params.asset)];
    if (!type) throw new ApiError(404, 'NOT_FOUND', 'No such file.');
    sendFile(res, path.join(DEMO_DIR, String(req.params.asset)), type, 'no-cache');
  });

  // Demo only: what an engine's `create-url` does for <infoplus-signature template=… create-url=…>:
  // create the Signature from the template and form data, and hand back its id and a ticket.
  router.post('/demo/create', requireJsonBody, async (req, res) => {
    const body = validateCreate(req.body);
    const user = DEMO_USERS.find((candidate) => candidate.account === body.account) ?? DEMO_USERS[0];
    if (!options.documents) throw new ApiError(501, 'EXPORT_UNAVAILABLE', 'Templates are not available on this service.');
    const signature = await options.documents.createFromTemplate({ template: body.template, data: body.data ?? {}, seals: body.template === 'leave-application' ? DEMO_SEALS : undefined });
    const exp = Math.floor(Date.now() / 1000) + options.tickets.ttlSeconds;
    const ticket = issueTicket(options.tickets.secret, { sid: signature.id, account: user.account, name: user.name, scopes: ['read', 'stamp'], exp });
    res.json(success([{ signatureId: signature.id, ticket }]));
  });

  // Demo only: a "login" as one of the demo users, answered with a ticket for the demo Signature.
  router.post('/demo/session', requireJsonBody, async (req, res) => {
    const body = validateSession(req.body);
    const user = DEMO_USERS.find((candidate) => candidate.account === body.account);
    if (!user) throw new ApiError(404, 'DEMO_USER_NOT_FOUND', `No demo user ${body.account}.`);
    let signature: Signature | undefined;
    if (body.signatureId && !body.reset) signature = await options.signatures.get(body.signatureId).catch(() => undefined);
    if (!signature) {
      if (body.reset || !demoSignature) demoSignature = newDemoSignature();
      signature = await demoSignature;
    }
    const exp = Math.floor(Date.now() / 1000) + options.tickets.ttlSeconds;
    const ticket = issueTicket(options.tickets.secret, { sid: signature.id, account: user.account, name: user.name, scopes: ['read', 'stamp'], exp });
    res.json(success([{ signatureId: signature.id, ticket, account: user.account, name: user.name, users: DEMO_USERS.map(({ account, name, title, organization }) => ({ account, name, title, organization })) }]));
  });

  return router;
}
