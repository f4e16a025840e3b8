import type { Seal } from '../signature/schema.js';
import { escapeHtml as e } from '../util/html.js';
import type { Locale } from '../stamping/i18n.js';
import type { SealRecord } from '../store/seals.js';
import type { BatchStrings } from './i18n.js';
import type { BatchView, ItemView } from './service.js';

export interface BatchPageModel {
  locale: Locale;
  strings: BatchStrings;
  view: BatchView;
  mfaSealIds: Set<string>;
}

function where(t: BatchStrings, slot: Seal | undefined): string {
  if (!slot) return '';
  if (slot.crossPage) return t.crossPage;
  if (slot.x !== undefined && slot.y !== undefined) return t.coordinates(slot.page);
  if (slot.placeHolder) return t.placeholder(slot.placeHolder);
  return t.lastPage;
}

function row(t: BatchStrings, batchId: string, item: ItemView): string {
  const state = item.blocked && item.state === 'pending' ? 'refused' : item.state;
  const reason = item.blocked ?? (item.ecode ? { ecode: item.ecode, message: item.message } : undefined);
  return `
      <tr data-position="${item.position}" data-state="${e(state)}">
        <td>${e(item.name || item.signatureId)}</td>
        <td>${e(where(t, item.slot))}</td>
        <td class="state"><span class="label">${e(t.states[state] ?? state)}</span>${reason ? ` <code class="ecode">${e(reason.ecode)}</code> <span class="reason">${e(reason.message)}</span>` : ''}</td>
        <td><button type="button" class="preview-toggle" aria-expanded="false" aria-controls="preview-${item.position}"
          data-src="/sign-batch/${e(batchId)}/items/${item.position}/preview" data-show="${e(t.preview)}" data-hide="${e(t.hidePreview)}">${e(t.preview)}</button>
          <img id="preview-${item.position}" class="preview" hidden alt="${e(t.previewAlt(item.name || item.signatureId))}"></td>
      </tr>`;
}

function sealChoice(batchId: string, seal: SealRecord, i: number): string {
  return `
        <label class="seal">
          <input type="radio" name="sealId" value="${e(seal.id)}"${i === 0 ? ' checked' : ''}>
          <img src="/sign-batch/${e(batchId)}/seal-images/${e(seal.id)}" alt="" width="72" height="72">
          <span class="seal-name">${e(seal.name)}</span>
          <span class="seal-type">${e(seal.type)}</span>
        </label>`;
}

/** The batch signing page: every document (preview on demand), one seal and comment for all, one confirmation, progress. */
export function renderBatchPage(model: BatchPageModel): string {
  const { strings: t, view } = model;
  const { batch } = view;
  const stampable = view.items.filter((item) => (item.state === 'pending' || item.state === 'running') && !item.blocked);
  const blocked = view.items.filter((item) => item.blocked && item.state === 'pending');
  const canStart = batch.state === 'open' && stampable.length > 0 && view.seals.length > 0;
  const mfaSeals = view.seals.filter((seal) => model.mfaSealIds.has(seal.id)).map((seal) => seal.id);
  return `<!doctype html>
<html lang="${model.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(t.title)}</title>
<link rel="stylesheet" href="/sign/assets/sign.css">
<link rel="stylesheet" href="/sign-batch/assets/batch.css">
<script type="module" src="/sign-batch/assets/batch.js"></script>
</head>
<body data-state="${e(batch.state)}">
<main>
  <h1>${e(t.title)}</h1>
  <p class="who">${e(t.signedAs(batch.accountName || batch.account))} · ${e(t.summary(batch.items.length))}</p>
  ${
    blocked.length
      ? `<section class="blocked" aria-labelledby="blocked-title"><h2 id="blocked-title">${e(t.blockedTitle)}</h2><ul>${blocked
          .map(
            (item) =>
              `<li data-position="${item.position}">${e(item.name || item.signatureId)} — <code>${e(item.blocked!.ecode)}</code> ${e(item.blocked!.message)}</li>`,
          )
          .join('')}</ul></section>`
      : ''
  }
  ${batch.state === 'open' && view.seals.length === 0 ? `<p class="notice error" role="alert">${e(t.noSeals)}</p>` : ''}
  <form id="batch-form" data-batch="${e(batch.id)}" data-total="${batch.items.length}" data-starting="${e(t.starting)}" data-failed="${e(t.failed)}"
        data-states="${e(JSON.stringify(t.states))}" data-progress="${e(t.progress('{done}', '{total}'))}" data-finished="${e(t.finished('{stamped}', '{failed}'))}"${canStart ? '' : ' hidden'}>
    <fieldset>
      <legend>${e(t.chooseSeal)}</legend>
      <div class="seals">${view.seals.map((seal, i) => sealChoice(batch.id, seal, i)).join('')}</div>
    </fieldset>
    <label class="comment">${e(t.comment)}
      <input name="comment" maxlength="200" placeholder="${e(t.commentHint)}" autocomplete="off">
    </label>
    ${
      mfaSeals.length
        ? `<label class="mfa">${e(t.mfaCode)}
      <input name="mfa" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" autocomplete="one-time-code" data-seals="${e(mfaSeals.join(' '))}">
    </label>`
        : ''
    }
    <button type="submit" id="confirm">${e(t.confirm(stampable.length))}</button>
  </form>
  <p class="result" id="progress" role="status" aria-live="polite" tabindex="-1"></p>
  <table class="items">
    <thead><tr><th scope="col">${e(t.document)}</th><th scope="col">${e(t.slot)}</th><th scope="col">${e(t.status)}</th><th scope="col"><span class="visually-hidden">${e(t.preview)}</span></th></tr></thead>
    <tbody>${view.items.map((item) => row(t, batch.id, item)).join('')}
    </tbody>
  </table>
</main>
</body>
</html>`;
}
