import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { issueTicket } from '../http/auth/tickets.js';
import { success } from '../http/envelope.js';
import { htmlHeaders } from '../http/html-headers.js';
import { DomainError } from '../errors.js';
import { requireJsonBody } from '../http/middleware.js';
import { DEMO_USERS } from '../seals/demo.js';
import type { SealInput, Signature } from '../signature/schema.js';
import type { SignatureService } from '../signature/service.js';
import { projectRoot } from '../util/project-root.js';
import { validator } from '../validation/ajv.js';

const ROOT = projectRoot();
const BUNDLE_DIR = path.join(ROOT, 'plugin-ui', 'dist');
const DEMO_DIR = path.join(ROOT, 'plugin-ui', 'demo');
/** What `npm run build:ui` makes: the element's module, the verifier worker it fetches on the first verify(), their source maps. */
const BUNDLE_FILES: Record<string, string> = {
  'infoplus-signature.js': 'text/javascript; charset=utf-8',
  'infoplus-signature.js.map': 'application/json; charset=utf-8',
  'infoplus-signature-verifier.js': 'text/javascript; charset=utf-8',
  'infoplus-signature-verifier.js.map': 'application/json; charset=utf-8',
  'verify-page.js': 'text/javascript; charset=utf-8',
  'verify-page.js.map': 'application/json; charset=utf-8',
};
const DEMO_ASSETS: Record<string, string> = { 'demo.js': 'text/javascript; charset=utf-8', 'demo.css': 'text/css; charset=utf-8' };

export interface PluginUiOptions {
  /** The demo (GET /demo, POST /demo/session, POST /demo/create): only with DEMO=true, never in production. */
  demo: boolean;
  /** Budget check for POST /demo/create, per client IP (throws 429). */
  limitCreate?: (clientIp: string) => Promise<void>;
  signatures: SignatureService;
  /** Creates Signatures from templates (for the demo's create-url). */
  documents?: { createFromTemplate(input: { template: string; data?: Record<string, unknown>; seals?: SealInput[] }): Promise<Signature> };
  tickets: { secret: string; ttlSeconds: number };
  log: Logger;
}

/** The demo's leave application: the applicant's signature and the college's official seal. */
const DEMO_SEALS: SealInput[] = [
  {
    placeHolder: '【申请人签名】',
    signer: { account: 'zhangsan', name: '张三' },
    permission: { sealTypes: ['个人签名', '手写'], sealIds: [], signers: [] },
    description: '申请人签名',
  },
  {
    placeHolder: '【辅导员签章】',
    permission: { sealTypes: ['个人签名', '手写'], sealIds: [], signers: ['lisi'] },
    description: '辅导员审批',
  },
  {
    placeHolder: '【学院盖章】',
    signer: { account: 'wangwu', name: '王五' },
    permission: { sealTypes: ['公章'], sealIds: [], signers: ['wangwu'] },
    description: '学院盖章',
  },
];

const validateCreate = validator<{ template: string; data?: Record<string, unknown>; account?: string }>({
  type: 'object',
  additionalProperties: false,
  required: ['template'],
  properties: {
    template: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' },
    data: { type: 'object' },
    account: { type: 'string', maxLength: 64 },
  },
});

const validateSession = validator<{ account: string; signatureId?: string; reset?: boolean }>({
  type: 'object',
  additionalProperties: false,
  required: ['account'],
  properties: { account: { type: 'string', maxLength: 64 }, signatureId: { type: 'string', maxLength: 64 }, reset: { type: 'boolean' } },
});

type Encoding = 'br' | 'gzip' | 'identity';
const compressors: Record<Exclude<Encoding, 'identity'>, (body: Buffer) => Promise<Buffer>> = {
  br: (body) =>
    promisify(zlib.brotliCompress)(body, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    }),
  gzip: (body) => promisify(zlib.gzip)(body, { level: 9 }),
};

/** A static file read once per change (mtime, size), with its hash and compressed variants made once. */
interface CachedFile {
  mtimeMs: number;
  size: number;
  hash: string;
  variants: Map<Encoding, Promise<Buffer>>;
}
const fileCache = new Map<string, CachedFile>();

function cachedFile(file: string): CachedFile {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new DomainError('UI_NOT_BUILT', 'The web component has not been built; run npm run build:ui.');
  }
  const hit = fileCache.get(file);
  if (hit && hit.mtimeMs === stat.mtimeMs && hit.size === stat.size) return hit;
  const body = fs.readFileSync(file);
  const entry: CachedFile = {
    mtimeMs: stat.mtimeMs,
    size: stat.size,
    hash: createHash('sha256').update(body).digest('base64url').slice(0, 22),
    variants: new Map([['identity', Promise.resolve(body)]]),
  };
  fileCache.set(file, entry);
  return entry;
}

function preferredEncoding(req: Request, size: number): Encoding {
  if (size < 1024) return 'identity';
  const accepted = new Map<string, number>();
  for (const item of String(req.headers['accept-encoding'] ?? '').split(',')) {
    const [name, ...params] = item.trim().toLowerCase().split(';');
    const q = params.map((param) => /^\s*q=([0-9.]+)\s*$/.exec(param)?.[1]).find((value) => value !== undefined);
    if (name) accepted.set(name, q === undefined ? 1 : Number(q));
  }
  for (const encoding of ['br', 'gzip'] as const) if ((accepted.get(encoding) ?? 0) > 0) return encoding;
  return 'identity';
}

/**
 * Sends a static file with its type, caching policy, a strong ETag per encoding (`If-None-Match` →
 * 304), and brotli or gzip when the client accepts them (the element ~50 KB → ~15 KB, the verifier
 * ~1 MB → ~0.3 MB).
 */
async function sendFile(req: Request, res: Response, file: string, type: string, cache: string): Promise<void> {
  const entry = cachedFile(file);
  const encoding = preferredEncoding(req, entry.size);
  const etag = `"${entry.hash}${encoding === 'identity' ? '' : `-${encoding}`}"`;
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', cache);
  res.setHeader('ETag', etag);
  res.append('Vary', 'Accept-Encoding');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  const ifNoneMatch = String(req.headers['if-none-match'] ?? '');
  if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag || tag.trim() === '*')) {
    res.status(304).end();
    return;
  }
  let variant = entry.variants.get(encoding);
  if (!variant) {
    variant = entry.variants.get('identity')!.then((body) => compressors[encoding as Exclude<Encoding, 'identity'>](body));
    entry.variants.set(encoding, variant);
    variant.catch(() => entry.variants.delete(encoding));
  }
  const body = await variant;
  if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
  res.setHeader('Content-Length', String(body.length));
  res.end(body);
}

/**
 * Serves the `<infoplus-signature>` element at /plugin-ui/infoplus-signature.js — an ES module, so a
 * page of another origin loads it through CORS: the app's middleware answers for the origins in
 * `CORS_ORIGINS`, the same origins whose pages the element may work from — and next to it the
 * verifier worker script the element fetches (over CORS too, when cross-origin) on its first
 * verify(); in dev with demo data, the demo form at /demo with demo-only endpoints that hand out
 * tickets for the demo users.
 */
export function pluginUiRoutes(options: PluginUiOptions): Router {
  const router = Router();

  router.get('/plugin-ui/:file', (req, res) => {
    const file = String(req.params.file);
    const type = Object.hasOwn(BUNDLE_FILES, file) ? BUNDLE_FILES[file] : undefined;
    if (!type) throw new DomainError('NOT_FOUND', 'No such file.');
    return sendFile(req, res, path.join(BUNDLE_DIR, file), type, 'public, max-age=300');
  });

  if (!options.demo) return router;

  // The demo hands out tickets only for Signatures it created itself (this process).
  const demoCreated = new Set<string>();
  let demoSignature: Promise<Signature> | null = null;
  const newDemoSignature = async () => {
    const signature = await options.signatures.createPending({
      name: '请假申请表（演示）.pdf',
      template: 'leave-application',
      seals: DEMO_SEALS,
    });
    demoCreated.add(signature.id);
    return signature;
  };

  const demoHeaders = htmlHeaders(
    {
      'default-src': ["'self'"],
      'img-src': ["'self'", 'data:', 'blob:'],
      'style-src': ["'self'", "'unsafe-inline'"],
      'connect-src': ["'self'", 'ws:', 'wss:'],
    },
    [],
  );
  router.get('/demo', demoHeaders, (req, res) => {
    return sendFile(req, res, path.join(DEMO_DIR, 'index.html'), 'text/html; charset=utf-8', 'no-cache');
  });
  router.get('/demo/:asset', (req, res) => {
    const type = Object.hasOwn(DEMO_ASSETS, String(req.params.asset)) ? DEMO_ASSETS[String(req.params.asset)] : undefined;
    if (!type) throw new DomainError('NOT_FOUND', 'No such file.');
    return sendFile(req, res, path.join(DEMO_DIR, String(req.params.asset)), type, 'no-cache');
  });

  // Demo only: what an engine's `create-url` does for <infoplus-signature template=… create-url=…>:
  // create the Signature from the template and form data, and hand back its id and a ticket.
  router.post('/demo/create', requireJsonBody, async (req, res) => {
    await options.limitCreate?.(req.socket.remoteAddress ?? 'unknown');
    const body = validateCreate(req.body);
    const user = DEMO_USERS.find((candidate) => candidate.account === body.account) ?? DEMO_USERS[0];
    if (!options.documents) throw new DomainError('EXPORT_UNAVAILABLE', 'Templates are not available on this service.');
    const signature = await options.documents.createFromTemplate({
      template: body.template,
      data: body.data ?? {},
      seals: body.template === 'leave-application' ? DEMO_SEALS : undefined,
    });
    demoCreated.add(signature.id);
    const exp = Math.floor(Date.now() / 1000) + options.tickets.ttlSeconds;
    const ticket = issueTicket(options.tickets.secret, {
      sid: signature.id,
      account: user.account,
      name: user.name,
      scopes: ['read', 'stamp'],
      exp,
      jti: randomUUID(),
    });
    res.json(success([{ signatureId: signature.id, ticket }]));
  });

  // Demo only: a "login" as one of the demo users, answered with a ticket for the demo Signature.
  router.post('/demo/session', requireJsonBody, async (req, res) => {
    const body = validateSession(req.body);
    const user = DEMO_USERS.find((candidate) => candidate.account === body.account);
    if (!user) throw new DomainError('DEMO_USER_NOT_FOUND', `No demo user ${body.account}.`);
    let signature: Signature | undefined;
    if (body.signatureId && !body.reset) {
      if (!demoCreated.has(body.signatureId))
        throw new DomainError('DEMO_SIGNATURE_ONLY', 'The demo hands out tickets only for Signatures it created.');
      signature = await options.signatures.get(body.signatureId).catch(() => undefined);
    }
    if (!signature) {
      if (body.reset || !demoSignature) demoSignature = newDemoSignature();
      signature = await demoSignature;
    }
    const exp = Math.floor(Date.now() / 1000) + options.tickets.ttlSeconds;
    const ticket = issueTicket(options.tickets.secret, {
      sid: signature.id,
      account: user.account,
      name: user.name,
      scopes: ['read', 'stamp'],
      exp,
      jti: randomUUID(),
    });
    res.json(
      success([
        {
          signatureId: signature.id,
          ticket,
          account: user.account,
          name: user.name,
          users: DEMO_USERS.map(({ account, name, title, organization }) => ({ account, name, title, organization })),
        },
      ]),
    );
  });

  return router;
}
