import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../util/project-root.js';
import { type Request, type RequestHandler, Router } from 'express';
import { PDFDocument } from '@cantoo/pdf-lib';
import { resolvePlacement } from '../pdf/placement.js';
import type { Seal } from '../signature/schema.js';
import { StampRequest } from '../contract/requests.js';
import { type Authenticator, TICKET_COOKIE, credentialsOf, requireSignatureAccess } from '../http/auth/principal.js';
import { success } from '../http/envelope.js';
import { htmlHeaders } from '../http/html-headers.js';
import { DomainError, invalidRequest, unauthorized } from '../errors.js';
import { requireId } from '../util/ids.js';
import { requireJsonBody } from '../http/middleware.js';
import { validator } from '../validation/ajv.js';
import type { SealRegistry } from '../seals/registry.js';
import { pickLocale, stringsFor } from '../stamping/i18n.js';
import { renderReturnPage, renderSignPage } from '../stamping/page.js';
import type { PagePreviewer } from '../stamping/preview.js';
import { type StampService, type StampUser, sha256Hex } from '../stamping/stamp-service.js';
import type { EngineApi } from '../stamping/engine-client.js';
import type { MfaGuard } from '../mfa/totp.js';

const ASSETS_DIR = path.join(projectRoot(), 'src', 'stamping', 'assets');
const ASSET_TYPES: Record<string, string> = { 'sign.js': 'text/javascript; charset=utf-8', 'sign.css': 'text/css; charset=utf-8' };
export const SIGNING_PAGE_CSP: Record<string, string[]> = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'base-uri': ["'none'"],
};

const validateStamp = validator<StampRequest>(StampRequest);

export interface SigningRouteOptions {
  stamps: StampService;
  engine: EngineApi;
  authenticator: Authenticator;
  previews: PagePreviewer;
  registry: SealRegistry;
  /** Origins a `return` URL may point at (redirect mode). */
  returnOrigins: readonly string[];
  /** Seals that require a second factor are applied only with the signer's valid one-time code. */
  mfa?: MfaGuard;
  /** Origins that may frame the signing page (FRAME_ORIGINS); none by default. */
  frameOrigins?: readonly string[];
  /** Mark the ticket cookie Secure (the service is reached over https). */
  secureCookies?: boolean;
  /** Told each time a user opens the signing page (the audit trail); must not throw or wait. */
  onPageOpened?: (signatureId: string, visit: { account: string; sealIndex: number; ip: string; userAgent: string }) => void;
}

/** How long the signing page's ticket cookie lives at most (the ticket may live longer). */
const COOKIE_SECONDS = 1800;

function sealIndexOf(raw: unknown): number {
  const text = String(raw ?? '0');
  if (!/^\d{1,3}$/.test(text)) throw new DomainError('INVALID_SEAL_INDEX', `The seal index "${text.slice(0, 16)}" is not a number from 0.`);
  return Number(text);
}

/** The user behind a ticket that allows stamping this signature (and this seal, for a seal-bound ticket). */
async function stampingUser(
  options: SigningRouteOptions,
  req: Request,
  signatureId: string,
  sealIndex?: number,
): Promise<{ user: StampUser; ticket: string; exp: number }> {
  const credentials = credentialsOf(req);
  if (!credentials.ticket) throw unauthorized('A ticket is required to stamp.');
  const principal = await options.authenticator.authenticate({ ...credentials, authorization: undefined });
  requireSignatureAccess(principal, signatureId, 'stamp', sealIndex);
  if (principal?.kind !== 'user') throw unauthorized('A ticket is required to stamp.');
  return {
    user: { account: principal.claims.account, name: principal.claims.name },
    ticket: credentials.ticket,
    exp: principal.claims.exp,
  };
}

/** Serves a page's static script and style from `dir`, only the names listed. */
export function assetHandler(dir: string, types: Record<string, string>): RequestHandler {
  return (req, res) => {
    const type = types[req.params.name as string];
    if (!type) throw new DomainError('NOT_FOUND', 'No such asset.');
    res.setHeader('Content-Type', type);
    res.setHeader('Cache-Control', 'public, max-age=300');
    fs.createReadStream(path.join(dir, req.params.name as string)).pipe(res);
  };
}

/** The signing address (`/sign/:id?seal=i&ticket=…`), its preview and assets, and the stamp/remove calls. */
export function signingRoutes(options: SigningRouteOptions): Router {
  const router = Router();

  router.get('/sign/assets/:name', assetHandler(ASSETS_DIR, ASSET_TYPES));

  const pageHeaders = htmlHeaders(SIGNING_PAGE_CSP, options.frameOrigins ?? []);

  router.get('/sign/:id', pageHeaders, async (req, res) => {
    const id = requireId(req.params.id, 'signature');
    const sealIndex = sealIndexOf(req.query.seal);
    const { user, ticket, exp } = await stampingUser(options, req, id, sealIndex);
    if (typeof req.query.ticket === 'string') {
      // First load: the ticket leaves the URL (the page's script drops it from history) for a
      // short-lived cookie that only this signature's signing routes receive.
      const maxAge = Math.max(1, Math.min(exp - Math.floor(Date.now() / 1000), COOKIE_SECONDS));
      res.append(
        'Set-Cookie',
        `${TICKET_COOKIE}=${encodeURIComponent(ticket)}; Path=/sign/${id}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${options.secureCookies ? '; Secure' : ''}`,
      );
    }
    options.onPageOpened?.(id, {
      account: user.account,
      sealIndex,
      ip: req.socket.remoteAddress ?? '',
      userAgent: String(req.headers['user-agent'] ?? '').slice(0, 300),
    });
    const locale = pickLocale(req.query.lang, req.headers['accept-language']);
    const { signature, slot, seals, denial } = await options.stamps.options(id, sealIndex, user);
    // The page binds to the revision it previews: its sha256 goes with the stamp, the preview names it.
    const shown = signature.uri ? sha256Hex(await options.engine.downloadFile(signature.uri)) : '';
    const returnUrl = typeof req.query.return === 'string' ? allowedReturn(req.query.return, options.returnOrigins) : undefined;
    // The page that opened this popup, told when the seal is applied — by postMessage to that origin only.
    const openerOrigin =
      typeof req.query.origin === 'string' && options.returnOrigins.includes(req.query.origin) ? req.query.origin : undefined;
    const html = renderSignPage({
      locale,
      strings: stringsFor(locale),
      signature,
      sealIndex,
      slot,
      user,
      seals,
      denial,
      returnUrl,
      openerOrigin,
      documentSha256: shown,
      previewUrl: `/sign/${id}/preview?seal=${sealIndex}${signature.fileId ? `&rev=${signature.fileId}` : ''}`,
      sealImageUrl: (seal) => `/sign/${id}/seal-images/${seal.id}`,
      mfaSealIds: await options.mfa?.policy.requiredIds(),
    });
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(html);
  });

  router.get('/sign/:id/preview', async (req, res) => {
    const id = requireId(req.params.id, 'signature');
    await stampingUser(options, req, id);
    const signature = await options.engine.getSignature(id);
    if (!signature.uri) throw new DomainError('DOCUMENT_NOT_READY', 'The document has not been generated yet.');
    // `?rev=<file id>`: exactly the revision the page was rendered for (one of this Signature's revisions).
    const rev = req.query.rev === undefined ? undefined : requireId(String(req.query.rev), 'revision');
    const revision = rev === undefined ? undefined : (signature.revisions ?? []).find((entry) => entry.fileId === rev);
    if (rev !== undefined && !revision) throw new DomainError('REVISION_NOT_FOUND', 'That revision is not part of this Signature.');
    const uri = revision?.uri ?? signature.uri;
    const pdf = await options.engine.downloadFile(uri);
    // `?page=n`, or `?seal=i`: the page where seal i will go (its placeholder's page, else its page, else the last).
    const page =
      req.query.page !== undefined
        ? Math.max(1, Number.parseInt(String(req.query.page), 10) || 1)
        : await previewPage(pdf, signature.seals[sealIndexOf(req.query.seal)]);
    const png = await options.previews.render(pdf, uri, page);
    res.setHeader('Cache-Control', 'private, max-age=60');
    res.type('png').send(png);
  });

  // Seal images for the picker: only seals the ticket's user holds.
  router.get('/sign/:id/seal-images/:sealId', async (req, res) => {
    const id = requireId(req.params.id, 'signature');
    const { user } = await stampingUser(options, req, id);
    const seal = await options.registry.get(requireId(req.params.sealId, 'seal'));
    if (!seal.holders.includes(user.account)) throw new DomainError('NOT_SEAL_HOLDER', 'You do not hold this seal.');
    const image = await options.registry.imagePng(seal);
    res.setHeader('Cache-Control', 'private, max-age=300');
    res.type(image.mime).send(Buffer.from(image.bytes));
  });

  // Where a provider sends the signer back: shows how the flow stands, without needing a ticket
  // (the provider's redirect must not carry one) and without any document content.
  router.get('/sign/:id/return', pageHeaders, async (req, res) => {
    const id = requireId(req.params.id, 'signature');
    const flowId = requireId(String(req.query.flow ?? ''), 'flow');
    const flow = await options.stamps.flow(flowId);
    if (!flow || flow.signatureId !== id) throw new DomainError('FLOW_NOT_FOUND', 'No such signing flow.');
    const locale = pickLocale(req.query.lang, req.headers['accept-language']);
    res.setHeader('Cache-Control', 'no-store');
    res
      .type('html')
      .send(
        renderReturnPage({ locale, strings: stringsFor(locale), state: flow.state, reason: flow.stateReason, provider: flow.provider }),
      );
  });

  router.post('/sign/:id/seals/:index', requireJsonBody, async (req, res) => {
    const id = requireId(req.params.id, 'signature');
    const sealIndex = sealIndexOf(req.params.index);
    const body = validateStamp(req.body);
    // The document the signer was shown: its Signature version, or the sha256 of its PDF (or both).
    if (body.version === undefined && body.sha256 === undefined) {
      throw invalidRequest([{ path: '$', message: 'must name the document shown to the signer: version or sha256' }]);
    }
    const { user } = await stampingUser(options, req, id, sealIndex);
    await options.mfa?.check(user.account, body.sealId, body.mfa);
    const result = await options.stamps.stamp(
      id,
      sealIndex,
      user,
      body.sealId,
      { version: body.version, sha256: body.sha256 },
      body.comment?.trim() || undefined,
    );
    // A redirect provider: the second entity says where the signer completes the seal.
    res.json(success(result.signUrl ? [result.signature, { signUrl: result.signUrl }] : [result.signature]));
  });

  router.post('/sign/:id/seals/:index/remind', async (req, res) => {
    const id = requireId(req.params.id, 'signature');
    const sealIndex = sealIndexOf(req.params.index);
    const { user } = await stampingUser(options, req, id, sealIndex);
    await options.stamps.remind(id, sealIndex, user);
    res.json(success([{ reminded: true }]));
  });

  router.delete('/sign/:id/seals/:index', async (req, res) => {
    const id = requireId(req.params.id, 'signature');
    const sealIndex = sealIndexOf(req.params.index);
    const { user } = await stampingUser(options, req, id, sealIndex);
    res.json(success([await options.stamps.remove(id, sealIndex, user)]));
  });

  return router;
}

/** The page a preview shows for a slot: its placeholder's page, else its page, else the last. */
export async function previewPage(pdf: Uint8Array, slot: Seal | undefined): Promise<number> {
  if (!slot) throw new DomainError('SEAL_NOT_FOUND', 'No such seal in this Signature.');
  try {
    const placement = await resolvePlacement(pdf, slot, { width: 1, height: 1 });
    const anchor = placement.kind === 'anchors' ? placement.anchors[0].page : 0;
    return anchor === 'last' ? await pageCount(pdf) : anchor + 1;
  } catch {
    return 1; // the stamping call reports a missing placeholder; the preview just shows page 1
  }
}

async function pageCount(pdf: Uint8Array): Promise<number> {
  const doc = await PDFDocument.load(pdf, { ignoreEncryption: true, updateMetadata: false, throwOnInvalidObject: false });
  return doc.getPageCount();
}

function allowedReturn(raw: string, origins: readonly string[]): string | undefined {
  try {
    const url = new URL(raw);
    return origins.includes(url.origin) ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}
