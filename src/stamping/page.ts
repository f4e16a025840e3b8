import type { Seal, Signature } from '../signature/schema.js';
import type { SealRecord } from '../store/seals.js';
import { escapeHtml as e } from '../util/html.js';
import type { Locale, Strings } from './i18n.js';

export interface SignPageModel {
  locale: Locale;
  strings: Strings;
  signature: Signature;
  sealIndex: number;
  slot: Seal;
  user: { account: string; name: string };
  seals: SealRecord[];
  /** Why this user may not stamp this slot at all, if so. */
  denial?: string;
  /** sha256 of the PDF revision the page shows; the stamp is refused if the document changed since. */
  documentSha256: string;
  previewUrl: string;
  sealImageUrl: (seal: SealRecord) => string;
  /** Where to go after signing (redirect mode), already checked against the allow-list. */
  returnUrl?: string;
  /** Seals that require a one-time code (TOTP) from the signer: the page asks for it. */
  mfaSealIds?: Set<string>;
  /** The origin of the page that opened this popup (allow-listed): the only target of postMessage. */
  openerOrigin?: string;
}

function where(model: SignPageModel): string {
  const { slot, strings: t } = model;
  if (slot.crossPage) return t.crossPage;
  if (slot.x !== undefined && slot.y !== undefined) return t.byCoordinates(slot.page ? t.page(slot.page) : t.lastPage, slot.x, slot.y);
  if (slot.placeHolder) return t.byPlaceholder(slot.placeHolder);
  return t.lastPage;
}

/** The signing address: the document, the seals this user may use here, an optional comment, confirm. */
export function renderSignPage(model: SignPageModel): string {
  const { strings: t, signature, slot } = model;
  const signed = Boolean(slot.signature);
  const canSign = !signed && !model.denial && model.seals.length > 0;
  const sealOptions = model.seals
    .map(
      (seal, i) => `
        <label class="seal">
          <input type="radio" name="sealId" value="${e(seal.id)}"${i === 0 ? ' checked' : ''}>
          <img src="${e(model.sealImageUrl(seal))}" alt="" width="96" height="96">
          <span class="seal-name">${e(seal.name)}</span>
          <span class="seal-type">${e(seal.type)}</span>
        </label>`,
    )
    .join('');
  const status = signed
    ? `<p class="notice" role="status">${e(t.alreadySigned)}</p>`
    : model.denial
      ? `<p class="notice error" role="alert">${e(t.denied)}${e(model.denial)}</p>`
      : model.seals.length === 0
        ? `<p class="notice error" role="alert">${e(t.noSeals)}</p>`
        : '';
  return `<!doctype html>
<html lang="${model.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(t.title)} · ${e(signature.name)}</title>
<link rel="stylesheet" href="/sign/assets/sign.css">
<script type="module" src="/sign/assets/sign.js"></script>
</head>
<body>
<main>
  <h1>${e(t.title)}</h1>
  <p class="who">${e(t.signedAs(model.user.name || model.user.account))}</p>
  <dl class="facts">
    <dt>${e(t.document)}</dt><dd>${e(signature.name)}</dd>
    <dt>${e(t.sealSlot)}</dt><dd>${e(where(model))}</dd>
    ${slot.signer.account ? `<dt>${e(t.designatedSigner)}</dt><dd>${e(slot.signer.name || slot.signer.account)}</dd>` : ''}
    <dt>${e(t.sealTypes)}</dt><dd>${e(slot.permission.sealTypes.length ? slot.permission.sealTypes.join('、') : t.any)}</dd>
  </dl>
  ${status}
  <form id="sign-form" data-signature="${e(signature.id)}" data-seal="${model.sealIndex}" data-sha256="${e(model.documentSha256)}"
        data-return="${e(model.returnUrl ?? '')}" data-opener-origin="${e(model.openerOrigin ?? '')}" data-signing="${e(t.signing)}" data-redirecting="${e(t.redirecting)}" data-done="${e(t.done)}" data-failed="${e(t.failed)}"${canSign ? '' : ' hidden'}>
    <fieldset>
      <legend>${e(t.chooseSeal)}</legend>
      <div class="seals">${sealOptions}</div>
    </fieldset>
    <label class="comment">${e(t.comment)}
      <input name="comment" maxlength="200" placeholder="${e(t.commentHint)}" autocomplete="off">
    </label>
    ${
      model.mfaSealIds && model.seals.some((seal) => model.mfaSealIds!.has(seal.id))
        ? `<label class="mfa">${e(t.mfaCode)}
      <input name="mfa" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" data-seals="${e(
        model.seals
          .filter((seal) => model.mfaSealIds!.has(seal.id))
          .map((seal) => seal.id)
          .join(' '),
      )}">
    </label>`
        : ''
    }
    <button type="submit">${e(t.confirm)}</button>
    <p class="result" role="status" aria-live="polite"></p>
  </form>
  <figure class="preview">
    <img src="${e(model.previewUrl)}" alt="${e(t.preview)}">
  </figure>
</main>
</body>
</html>`;
}

export interface ReturnPageModel {
  locale: Locale;
  strings: Strings;
  state: string;
  reason: string;
  provider: string;
}

/** The page a provider sends the signer back to: the flow's state; refreshes itself while pending. */
export function renderReturnPage(model: ReturnPageModel): string {
  const t = model.strings;
  const pending = model.state === 'pending' || model.state === 'starting';
  const message = t.flowStates[model.state] ?? model.state;
  return `<!doctype html>
<html lang="${model.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${pending ? '<meta http-equiv="refresh" content="3">' : ''}
<title>${e(t.returnTitle)}</title>
<link rel="stylesheet" href="/sign/assets/sign.css">
</head>
<body data-state="${e(model.state)}">
<main>
  <h1>${e(t.returnTitle)}</h1>
  <p class="notice${['refused', 'failed', 'expired', 'cancelled'].includes(model.state) ? ' error' : ''}" role="status">${e(message)}</p>
  ${model.reason && !pending ? `<p class="reason">${e(model.reason)}</p>` : ''}
  <p class="who">${e(model.provider)}</p>
</main>
</body>
</html>`;
}
