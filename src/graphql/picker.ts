import { Router, type Request } from 'express';
import { stateOf } from '../http/context.js';
import { DomainError, unauthorized } from '../errors.js';
import { requireId } from '../util/ids.js';
import type { SealMfaPolicy } from '../mfa/totp.js';
import type { SealRegistry } from '../seals/registry.js';
import { escapeHtml as e } from '../util/html.js';
import { pickLocale } from '../stamping/i18n.js';
import type { SealRecord } from '../store/seals.js';

/** Ticket "signature id" of picker tickets: they name an account and open no Signature. */
export const PICKER_SCOPE = 'seal-picker';

const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *";

const TEXT = {
  'zh-CN': {
    title: '选择印章',
    who: (name: string) => `当前用户：${name}`,
    none: '您没有可用的印章。',
    choose: '使用此印章',
    mfa: '需二次验证',
    picked: '已选择，此窗口可以关闭。',
  },
  en: {
    title: 'Choose a seal',
    who: (name: string) => `Signed in as ${name}`,
    none: 'You hold no seal that can be used here.',
    choose: 'Use this seal',
    mfa: 'needs a one-time code',
    picked: 'Chosen; you may close this window.',
  },
};

/** The picker's only script: hands the chosen seal to the page that opened (or framed) it. */
const PICKER_JS = `const form = document.getElementById('picker');
if (form) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = form.querySelector('input[name=seal]:checked');
    if (!chosen) return;
    const seal = { id: chosen.value, name: chosen.dataset.name, type: chosen.dataset.type, mfaRequired: chosen.dataset.mfa === '1' };
    const target = window.opener || (window.parent !== window ? window.parent : null);
    if (target) target.postMessage({ type: 'infoplus-signature:seal-picked', seal }, form.dataset.origin);
    document.body.dataset.picked = seal.id;
    form.querySelector('.result').textContent = form.dataset.picked;
    if (window.opener) setTimeout(() => window.close(), 600);
  });
}
`;

export interface PickerOptions {
  registry: SealRegistry;
  mfa: SealMfaPolicy;
  /** Origins the chosen seal may be posted to (our own and CORS_ORIGINS); others get our own origin. */
  allowedOrigins: readonly string[];
}

function userOf(req: Request): { account: string; name: string } {
  const principal = stateOf(req).principal;
  if (principal?.kind !== 'user') throw unauthorized('The seal picker needs a ticket (pickerTicket or a signature ticket).');
  return { account: principal.claims.account, name: principal.claims.name };
}

/**
 * v2's front-end seal picker (`discovery.pickerUrl`): the enabled seals the ticket's user holds
 * (optionally only the types in `sealAttr`), chosen one posted to the opener as
 * `{type: 'infoplus-signature:seal-picked', seal: {id, name, type, mfaRequired}}`; the form then calls signFile.
 */
export function pickerRoutes(options: PickerOptions): Router {
  const router = Router();
  router.get('/seal-picker/picker.js', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('text/javascript; charset=utf-8').send(PICKER_JS);
  });

  router.get('/seal-picker/images/:sealId', async (req, res) => {
    const user = userOf(req);
    const seal = await options.registry.get(requireId(req.params.sealId, 'seal'));
    if (!seal.holders.includes(user.account)) throw new DomainError('NOT_SEAL_HOLDER', 'You do not hold this seal.');
    const image = await options.registry.imagePng(seal);
    res.setHeader('Cache-Control', 'private, max-age=300');
    res.type(image.mime).send(Buffer.from(image.bytes));
  });

  router.get('/seal-picker', async (req, res) => {
    const user = userOf(req);
    const ticket = String(req.query.ticket ?? '');
    const locale = pickLocale(req.query.lang, req.headers['accept-language']);
    const t = TEXT[locale];
    const types = String(req.query.sealAttr ?? '')
      .split(',')
      .map((type) => type.trim())
      .filter(Boolean);
    const seals = (await options.registry.list()).filter(
      (seal) => seal.holders.includes(user.account) && !seal.disabled && (types.length === 0 || types.includes(seal.type)),
    );
    const mfaIds = await options.mfa.requiredIds();
    const allowed = options.allowedOrigins;
    const asked = typeof req.query.origin === 'string' ? req.query.origin : '';
    const origin = allowed.includes(asked) ? asked : allowed[0];
    const option = (seal: SealRecord, i: number) => `
        <label class="seal">
          <input type="radio" name="seal" value="${e(seal.id)}" data-name="${e(seal.name)}" data-type="${e(seal.type)}" data-mfa="${mfaIds.has(seal.id) ? '1' : '0'}"${i === 0 ? ' checked' : ''}>
          <img src="/seal-picker/images/${e(seal.id)}?ticket=${e(encodeURIComponent(ticket))}" alt="" width="96" height="96">
          <span class="seal-name">${e(seal.name)}</span>
          <span class="seal-type">${e(seal.type)}${mfaIds.has(seal.id) ? ` · ${e(t.mfa)}` : ''}</span>
        </label>`;
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(`<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(t.title)}</title>
<link rel="stylesheet" href="/sign/assets/sign.css">
<script type="module" src="/seal-picker/picker.js"></script>
</head>
<body>
<main>
  <h1>${e(t.title)}</h1>
  <p class="who">${e(t.who(user.name || user.account))}</p>
  ${seals.length === 0 ? `<p class="notice error" role="alert">${e(t.none)}</p>` : ''}
  <form id="picker" data-origin="${e(origin)}" data-picked="${e(t.picked)}"${seals.length === 0 ? ' hidden' : ''}>
    <fieldset>
      <legend>${e(t.title)}</legend>
      <div class="seals">${seals.map(option).join('')}</div>
    </fieldset>
    <button type="submit">${e(t.choose)}</button>
    <p class="result" role="status" aria-live="polite"></p>
  </form>
</main>
</body>
</html>`);
  });
  return router;
}
