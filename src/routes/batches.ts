import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { type Request, Router } from 'express';
import { DomainError, unauthorized } from '../errors.js';
import { type Authenticator, TICKET_COOKIE, credentialsOf, requireEngine, ticketCookieOf } from '../http/auth/principal.js';
import { issueTicket } from '../http/auth/tickets.js';
import { stateOf } from '../http/context.js';
import { success } from '../http/envelope.js';
import { htmlHeaders } from '../http/html-headers.js';
import { requireId } from '../util/ids.js';
import { requireJsonBody } from '../http/middleware.js';
import type { MfaGuard } from '../mfa/totp.js';
import type { PushChannel } from '../push/hub.js';
import type { SealRegistry } from '../seals/registry.js';
import type { EngineApi } from '../stamping/engine-client.js';
import { pickLocale } from '../stamping/i18n.js';
import type { PagePreviewer } from '../stamping/preview.js';
import { SIGNING_PAGE_CSP, assetHandler, previewPage } from './signing.js';
import { projectRoot } from '../util/project-root.js';
import { validator } from '../validation/ajv.js';
import { batchStringsFor } from '../batch/i18n.js';
import { renderBatchPage } from '../batch/page.js';
import { type BatchService, presentBatch } from '../batch/service.js';

const ASSETS_DIR = path.join(projectRoot(), 'src', 'batch', 'assets');
const ASSET_TYPES: Record<string, string> = { 'batch.js': 'text/javascript; charset=utf-8', 'batch.css': 'text/css; charset=utf-8' };
const COOKIE_SECONDS = 3600;
/** A batch ticket's `sid`: never a Signature id, so it opens no Signature route. */
const batchScope = (id: string) => `batch:${id}`;

const validateIssue = validator<{ account: string; name?: string; items: Array<{ signatureId: string; sealIndex: number }>; ttl?: number }>(
  {
    type: 'object',
    additionalProperties: false,
    required: ['account', 'items'],
    properties: {
      account: { type: 'string', minLength: 1, maxLength: 200 },
      name: { type: 'string', maxLength: 200 },
      ttl: { type: 'integer', minimum: 30, maximum: 86_400 },
      items: {
        type: 'array',
        minItems: 1,
        maxItems: 10_000,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['signatureId', 'sealIndex'],
          properties: { signatureId: { type: 'string', maxLength: 64 }, sealIndex: { type: 'integer', minimum: 0, maximum: 999 } },
        },
      },
    },
  },
);

const validateStart = validator<{ sealId: string; comment?: string; mfa?: string }>({
  type: 'object',
  additionalProperties: false,
  required: ['sealId'],
  properties: {
    ticket: { type: 'string', maxLength: 4096 },
    sealId: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' },
    comment: { type: 'string', maxLength: 200 },
    mfa: { type: 'string', maxLength: 16 },
  },
});

export interface BatchRouteOptions {
  batches: BatchService;
  engine: EngineApi;
  authenticator: Authenticator;
  registry: SealRegistry;
  previews: PagePreviewer;
  tickets: { secret: string; ttlSeconds: number };
  publicUrl: string;
  mfa?: MfaGuard;
  frameOrigins?: readonly string[];
  secureCookies?: boolean;
}

/** The account a batch ticket (header, JSON body, the page's cookie, or the page's first URL) speaks for. */
async function batchUser(options: BatchRouteOptions, credentials: ReturnType<typeof credentialsOf>, id: string) {
  if (!credentials.ticket) throw unauthorized('A batch ticket is required.');
  const principal = await options.authenticator.authenticate({ ...credentials, authorization: undefined });
  if (principal?.kind !== 'user') throw unauthorized('A batch ticket is required.');
  if (principal.claims.sid !== batchScope(id) || !principal.claims.scopes.includes('stamp'))
    throw new DomainError('TICKET_SCOPE', 'The ticket is not for this batch.');
  return { account: principal.claims.account, name: principal.claims.name, exp: principal.claims.exp, ticket: credentials.ticket };
}

/** Progress of one batch over the live-push socket, for the holder of its ticket (the page's cookie, or `?ticket=`). */
export function batchPushChannel(options: BatchRouteOptions): PushChannel {
  return {
    path: /^\/sign-batch\/([^/]+)\/events$/,
    async open(req, id) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const ticket = url.searchParams.get('ticket') ?? ticketCookieOf(req.headers.cookie);
      const user = await batchUser(options, { method: 'GET', uri: req.url ?? '/', ticket }, id);
      const batch = await options.batches.get(id);
      return { key: batchScope(id), initial: { type: 'batch', batch: presentBatch(batch) }, expiresAt: user.exp * 1000 };
    },
  };
}

/** Engine: issue and read batches. Approver (batch ticket): the page, its previews and seal images, the one confirmation. */
export function batchRoutes(options: BatchRouteOptions): Router {
  const router = Router();
  const user = (req: Request, id: string) => batchUser(options, credentialsOf(req), id);

  router.post('/batches', requireJsonBody, async (req, res) => {
    requireEngine(stateOf(req).principal);
    const body = validateIssue(req.body);
    const ttlSeconds = Math.min(body.ttl ?? options.tickets.ttlSeconds, options.tickets.ttlSeconds);
    const batch = await options.batches.issue({ account: body.account, name: body.name ?? body.account, items: body.items, ttlSeconds });
    const exp = Math.floor(batch.expiresAt / 1000);
    const ticket = issueTicket(options.tickets.secret, {
      sid: batchScope(batch.id),
      account: body.account,
      name: body.name ?? body.account,
      scopes: ['stamp'],
      exp,
      jti: randomUUID(),
    });
    const url = `${options.publicUrl}/sign-batch/${batch.id}?ticket=${encodeURIComponent(ticket)}`;
    res.json(success([{ ...presentBatch(batch), ticket, url }]));
  });

  router.get('/batches/:id', async (req, res) => {
    requireEngine(stateOf(req).principal);
    res.json(success([presentBatch(await options.batches.get(requireId(req.params.id, 'batch')))]));
  });

  router.get('/sign-batch/assets/:name', assetHandler(ASSETS_DIR, ASSET_TYPES));

  router.get('/sign-batch/:id', htmlHeaders(SIGNING_PAGE_CSP, options.frameOrigins ?? []), async (req, res) => {
    const id = requireId(req.params.id, 'batch');
    const { account, exp, ticket } = await user(req, id);
    if (typeof req.query.ticket === 'string') {
      const maxAge = Math.max(1, Math.min(exp - Math.floor(Date.now() / 1000), COOKIE_SECONDS));
      res.append(
        'Set-Cookie',
        `${TICKET_COOKIE}=${encodeURIComponent(ticket)}; Path=/sign-batch/${id}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${options.secureCookies ? '; Secure' : ''}`,
      );
    }
    const view = await options.batches.view(id);
    if (view.batch.account !== account) throw new DomainError('TICKET_SCOPE', 'The ticket is for another account.');
    const locale = pickLocale(req.query.lang, req.headers['accept-language']);
    const mfaSealIds = (await options.mfa?.policy.requiredIds()) ?? new Set<string>();
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(renderBatchPage({ locale, strings: batchStringsFor(locale), view, mfaSealIds }));
  });

  router.get('/sign-batch/:id/state', async (req, res) => {
    const id = requireId(req.params.id, 'batch');
    await user(req, id);
    const view = await options.batches.view(id);
    res.setHeader('Cache-Control', 'no-store');
    res.json(
      success([
        {
          ...presentBatch(view.batch),
          seals: view.seals.map((seal) => ({ id: seal.id, name: seal.name, type: seal.type })),
          blocked: view.items
            .filter((item) => item.blocked && item.state === 'pending')
            .map((item) => ({ position: item.position, ...item.blocked })),
        },
      ]),
    );
  });

  router.post('/sign-batch/:id/start', requireJsonBody, async (req, res) => {
    const id = requireId(req.params.id, 'batch');
    const { account } = await user(req, id);
    const body = validateStart(req.body);
    const batch = await options.batches.start(id, account, {
      sealId: body.sealId,
      comment: body.comment?.trim() || undefined,
      mfa: body.mfa,
    });
    res.json(success([presentBatch(batch)]));
  });

  router.get('/sign-batch/:id/items/:position/preview', async (req, res) => {
    const id = requireId(req.params.id, 'batch');
    await user(req, id);
    const batch = await options.batches.get(id);
    const item = batch.items[Number.parseInt(req.params.position, 10)];
    if (!item) throw new DomainError('BATCH_ITEM_NOT_FOUND', 'No such item in this batch.');
    const signature = await options.engine.getSignature(item.signatureId);
    if (!signature.uri) throw new DomainError('DOCUMENT_NOT_READY', 'The document has not been generated yet.');
    const pdf = await options.engine.downloadFile(signature.uri);
    const png = await options.previews.render(pdf, signature.uri, await previewPage(pdf, signature.seals[item.sealIndex]));
    res.setHeader('Cache-Control', 'private, max-age=60');
    res.type('png').send(png);
  });

  router.get('/sign-batch/:id/seal-images/:sealId', async (req, res) => {
    const id = requireId(req.params.id, 'batch');
    const { account } = await user(req, id);
    const seal = await options.registry.get(requireId(req.params.sealId, 'seal'));
    if (!seal.holders.includes(account)) throw new DomainError('NOT_SEAL_HOLDER', 'You do not hold this seal.');
    const image = await options.registry.imagePng(seal);
    res.setHeader('Cache-Control', 'private, max-age=300');
    res.type(image.mime).send(Buffer.from(image.bytes));
  });

  return router;
}
