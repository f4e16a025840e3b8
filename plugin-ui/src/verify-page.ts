// The public verification page (GET /verify) and the page of a verification code (GET /v/<code>).
// A PDF the visitor picks is verified in the same verifier worker the element uses
// (/plugin-ui/infoplus-signature-verifier.js): the file stays on the visitor's machine unless they
// choose to send it to the service. The worker is started when the page loads, so verifying works
// with the network gone; a hostile PDF costs the worker (terminated at the deadline), never the page.
import type { ReportJob, VerifyAnswer } from './verifier-worker.js';
import type { SignatureReport, VerifyReport } from '@infoplus/pdf-verify';
import { type Lang, stateText, t } from './verify-page-i18n.js';

interface Registered {
  code: string;
  /** sha256 of every stored revision, oldest first; the last is the genuine current document. */
  revisions: string[];
}

interface PageConfig {
  lang: Lang;
  workerUrl: string;
  trustAnchorsPem: string[];
  timeoutMs: number;
  maxBytes: number;
  registered?: Registered;
}

const config = JSON.parse(document.getElementById('verify-config')!.textContent) as PageConfig;
const lang = config.lang;
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLElement>('verify-status');
const results = $<HTMLElement>('verify-results');
const input = $<HTMLInputElement>('verify-file');
const drop = $<HTMLElement>('verify-drop');
const serverBox = document.getElementById('verify-server') as HTMLInputElement | null;

let worker: Worker | null = null;
let jobs = 0;
const startWorker = () => (worker ??= new Worker(config.workerUrl));
startWorker();

function inWorker(pdf: Uint8Array): Promise<VerifyReport> {
  const current = startWorker();
  const id = ++jobs;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      current.terminate();
      worker = null;
      startWorker();
      reject(Object.assign(new Error(t(lang, 'timeout')), { code: 'VERIFY_TIMEOUT' }));
    }, config.timeoutMs);
    const onMessage = (event: MessageEvent<VerifyAnswer>) => {
      if (event.data?.id !== id) return;
      clearTimeout(timer);
      current.removeEventListener('message', onMessage);
      if ('report' in event.data) resolve(event.data.report);
      else if ('error' in event.data) reject(Object.assign(new Error(event.data.error.message), { code: event.data.error.code }));
    };
    current.addEventListener('message', onMessage);
    const job: ReportJob = { id, mode: 'report', pdf, trustAnchorsPem: config.trustAnchorsPem };
    current.postMessage(job, [pdf.buffer as ArrayBuffer]);
  });
}

async function onServer(pdf: Uint8Array): Promise<VerifyReport> {
  const response = await fetch('/verify', { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: pdf as BodyInit });
  const body = (await response.json()) as { errno: number; ecode: string; error: string; entities: VerifyReport[] };
  if (body.errno !== 0) throw Object.assign(new Error(body.error), { code: body.ecode });
  return body.entities[0];
}

const hex = (buffer: ArrayBuffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (bytes: Uint8Array) => hex(await crypto.subtle.digest('SHA-256', bytes as BufferSource));

function el(tag: string, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** Icon and words together: the verdict never depends on colour alone. */
function badge(kind: 'ok' | 'bad' | 'warn', text: string): HTMLElement {
  const icon = kind === 'ok' ? '✔' : kind === 'bad' ? '✖' : '⚠';
  return el('span', { class: `badge badge-${kind}` }, el('span', { 'aria-hidden': 'true' }, icon), ' ', text);
}

/** "CN (O)" → the person or seal, and the organisation. */
function splitName(name: string | null): { who: string; org: string } {
  if (!name) return { who: t(lang, 'unknown'), org: '' };
  const match = /^(.*) \(([^()]*)\)$/.exec(name);
  return match ? { who: match[1], org: match[2] } : { who: name, org: '' };
}

function row(label: string, ...value: Array<Node | string>): HTMLElement {
  return el('div', { class: 'row' }, el('dt', {}, label), el('dd', {}, ...value));
}

function signatureSection(s: SignatureReport, index: number): HTMLElement {
  const signer = splitName(s.signer);
  const ok = s.valid && s.trusted && !s.modifiedAfterSigning;
  const heading = el(
    'h3',
    {},
    `${t(lang, 'seal')} ${index + 1}: ${s.reason ?? signer.who} `,
    badge(
      ok ? 'ok' : s.valid && !s.modifiedAfterSigning ? 'warn' : 'bad',
      ok ? t(lang, 'sealOk') : s.valid && !s.modifiedAfterSigning ? t(lang, 'sealUntrusted') : t(lang, 'sealBad'),
    ),
  );
  const list = el('dl');
  list.append(row(t(lang, 'signer'), signer.who));
  if (signer.org) list.append(row(t(lang, 'organisation'), signer.org));
  if (s.reason) list.append(row(t(lang, 'sealName'), s.reason));
  if (s.signerName) list.append(row(t(lang, 'appliedBy'), s.signerName));
  const time = s.signedAt ? new Date(s.signedAt).toLocaleString(lang) : t(lang, 'unknown');
  const proven = s.timestamped
    ? badge('ok', t(lang, 'timeProven'))
    : s.states.includes('TIMESTAMP_UNTRUSTED')
      ? badge('warn', stateText(lang, 'TIMESTAMP_UNTRUSTED'))
      : badge('warn', t(lang, 'timeClaimed'));
  list.append(row(t(lang, 'signedAt'), time, ' ', proven));
  list.append(row(t(lang, 'integrity'), s.intact && s.valid ? badge('ok', t(lang, 'intact')) : badge('bad', t(lang, 'broken'))));
  const changed = s.modifiedAfterSigning
    ? el(
        'span',
        {},
        badge('bad', t(lang, 'changedAfter')),
        el('ul', { class: 'changes' }, ...s.changes.map((change) => el('li', {}, change))),
      )
    : s.modificationLevel !== 'NONE'
      ? badge('ok', `${t(lang, 'allowedChanges')} (${t(lang, `level_${s.modificationLevel}`)})`)
      : badge('ok', t(lang, 'unchanged'));
  list.append(row(t(lang, 'afterSigning'), changed));
  list.append(
    row(
      t(lang, 'certificate'),
      s.trusted ? badge('ok', stateText(lang, 'CERT_TRUSTED')) : badge('bad', t(lang, 'notTrusted')),
      ' ',
      s.issuer ? `${t(lang, 'issuer')}: ${s.issuer}` : '',
    ),
  );
  const states = s.states as string[];
  const revocation = states.includes('CERT_REVOKED')
    ? badge(
        s.trusted ? 'warn' : 'bad',
        `${stateText(lang, 'CERT_REVOKED')}${s.revocation?.revokedAt ? ` (${s.revocation.revokedAt.slice(0, 10)}, ${s.revocation.reason ?? ''})` : ''}`,
      )
    : states.includes('REVOCATION_UNKNOWN')
      ? badge('warn', stateText(lang, 'REVOCATION_UNKNOWN'))
      : states.includes('REVOCATION_GOOD')
        ? badge('ok', stateText(lang, 'REVOCATION_GOOD'))
        : states.includes('REVOCATION_NOT_CHECKED')
          ? badge('warn', stateText(lang, 'REVOCATION_NOT_CHECKED'))
          : badge('ok', t(lang, 'notRevoked'));
  list.append(row(t(lang, 'revocation'), revocation));
  list.append(
    row(t(lang, 'states'), el('ul', { class: 'states' }, ...s.states.map((state) => el('li', {}, `${stateText(lang, state)} (${state})`)))),
  );
  if (s.problems.length) list.append(row(t(lang, 'problems'), el('ul', {}, ...s.problems.map((p) => el('li', {}, p)))));
  return el('section', { class: `signature ${ok ? 'ok' : 'bad'}`, 'aria-label': `${t(lang, 'seal')} ${index + 1}` }, heading, list);
}

async function comparison(registered: Registered, bytes: Uint8Array, report: VerifyReport | null): Promise<HTMLElement> {
  const whole = await sha256(bytes);
  const latest = registered.revisions.at(-1);
  let kind: 'ok' | 'bad' | 'warn';
  let text: string;
  if (whole === latest) [kind, text] = ['ok', t(lang, 'copyIdentical')];
  else if (registered.revisions.includes(whole)) [kind, text] = ['warn', t(lang, 'copyOlder')];
  else {
    // A copy that grew from a registered revision (changes appended to it) still names where it departs.
    // A revision ends after %%EOF; the registered file may or may not hold the end-of-line around that point.
    const eol = (byte: number | undefined) => byte === 0x0a || byte === 0x0d;
    const ends = (report?.revisions ?? []).flatMap((revision) => {
      const candidates = [revision.end];
      for (let end = revision.end; end > revision.end - 2 && eol(bytes[end - 1]);) candidates.push(--end);
      for (let end = revision.end; end < revision.end + 2 && end < bytes.length && eol(bytes[end]);) candidates.push(++end);
      return candidates;
    });
    const prefixes = await Promise.all(ends.map((end) => sha256(bytes.subarray(0, end))));
    const base = prefixes
      .map((hash) => registered.revisions.indexOf(hash))
      .filter((i) => i >= 0)
      .sort((a, b) => a - b)
      .at(-1);
    [kind, text] = ['bad', base === undefined ? t(lang, 'copyDiffers') : `${t(lang, 'copyDiffers')} ${t(lang, 'copyGrewFrom')(base + 1)}`];
  }
  return el(
    'section',
    { class: 'comparison', id: 'verify-comparison', 'data-result': kind === 'ok' ? 'identical' : kind === 'warn' ? 'older' : 'differs' },
    el('h2', {}, t(lang, 'comparison')),
    el('p', {}, badge(kind, text)),
    el('p', { class: 'hash' }, `sha256 ${whole}`),
  );
}

let lastReport: { report: VerifyReport; fileName: string; sha256: string } | null = null;

function showReport(report: VerifyReport): HTMLElement {
  const overall =
    report.signatureCount === 0
      ? badge('warn', t(lang, 'noSignatures'))
      : report.valid
        ? badge('ok', t(lang, 'overallOk'))
        : badge('bad', t(lang, 'overallBad'));
  const summary = el(
    'section',
    { class: 'overall', id: 'verify-overall', 'data-valid': String(report.valid) },
    el('h2', {}, t(lang, 'overall')),
    el('p', { class: 'verdict' }, overall),
  );
  if (report.documentStates.includes('UPDATED_AFTER_LAST_SIGNATURE'))
    summary.append(el('p', {}, badge('warn', t(lang, 'updatedAfterLast'))));
  return el('div', {}, summary, ...report.signatures.map(signatureSection));
}

async function verifyFile(file: File): Promise<void> {
  results.replaceChildren();
  lastReport = null;
  if (file.size > config.maxBytes) {
    status.textContent = t(lang, 'tooLarge');
    return;
  }
  status.textContent = t(lang, 'verifying');
  const bytes = new Uint8Array(await file.arrayBuffer());
  const hash = await sha256(bytes);
  const useServer = serverBox?.checked ?? false;
  let report: VerifyReport | null = null;
  let failure: string | null = null;
  try {
    report = useServer ? await onServer(bytes.slice()) : await inWorker(bytes.slice());
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'VERIFY_FAILED';
    failure =
      code === 'PDF_UNREADABLE' || code === 'NOT_A_PDF'
        ? t(lang, 'notPdf')
        : code === 'VERIFY_TIMEOUT'
          ? t(lang, 'timeout')
          : code === 'PDF_LIMIT_EXCEEDED'
            ? t(lang, 'limit')
            : `${t(lang, 'failed')} (${code}): ${(error as Error).message}`;
  }
  const parts: HTMLElement[] = [];
  if (config.registered) parts.push(await comparison(config.registered, bytes, report));
  if (report) {
    parts.push(showReport(report));
    lastReport = { report, fileName: file.name, sha256: hash };
    const download = el('button', { type: 'button', id: 'verify-download' }, t(lang, 'download'));
    download.addEventListener('click', () => void downloadReport());
    parts.push(el('p', {}, download));
  } else {
    parts.push(el('p', { class: 'error', role: 'alert' }, badge('bad', failure ?? t(lang, 'failed'))));
  }
  results.replaceChildren(...parts);
  status.textContent = report ? (useServer ? t(lang, 'doneServer') : t(lang, 'doneLocal')) : '';
  results.focus();
}

async function downloadReport(): Promise<void> {
  if (!lastReport) return;
  const response = await fetch('/verify/report.pdf', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ lang, ...lastReport }),
  });
  if (!response.ok) {
    status.textContent = t(lang, 'downloadFailed');
    return;
  }
  const url = URL.createObjectURL(await response.blob());
  const link = el('a', { href: url, download: `verification-${lastReport.sha256.slice(0, 12)}.pdf` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

input.addEventListener('change', () => {
  const file = input.files?.[0];
  if (file) void verifyFile(file);
});
for (const type of ['dragenter', 'dragover'])
  drop.addEventListener(type, (event) => {
    event.preventDefault();
    drop.classList.add('dragging');
  });
for (const type of ['dragleave', 'drop']) drop.addEventListener(type, () => drop.classList.remove('dragging'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  const file = event.dataTransfer?.files?.[0];
  if (file) void verifyFile(file);
});
document.documentElement.dataset.ready = 'true';
