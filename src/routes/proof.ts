import fs from 'node:fs';
import path from 'node:path';
import { type Request, type Response, Router } from 'express';
import type { AuditLog } from '../audit/log.js';
import { requireEngine } from '../http/auth/principal.js';
import { stateOf } from '../http/context.js';
import { success } from '../http/envelope.js';
import { DomainError } from '../errors.js';
import { requireId } from '../util/ids.js';
import { requireJsonBody } from '../http/middleware.js';
import type { VerifyReport } from '@infoplus/pdf-verify';
import type { Signature } from '../signature/schema.js';
import type { SignatureService } from '../signature/service.js';
import { escapeHtml } from '../util/html.js';
import type { FileStore } from '../store/files.js';
import { projectRoot } from '../util/project-root.js';
import { validator } from '../validation/ajv.js';
import type { PdfVerifier } from '../verification/pool.js';
import { type VerificationCodes, groupedCode, normaliseCode } from '../proof/codes.js';
import { verificationReportPdf } from '../proof/report-pdf.js';
import { WindowLimiter } from '../proof/rate-limit.js';

type Lang = 'zh-CN' | 'en';

export interface ProofRouteOptions {
  codes: VerificationCodes;
  signatures: SignatureService;
  files: FileStore;
  verifier: PdfVerifier;
  trustAnchors: () => Promise<string[]>;
  audit: AuditLog;
  publicUrl: string;
  /** Requests per minute per client address to /v/<code>. */
  codeRateLimit: number;
  /** Largest PDF the page verifies. */
  maxPdfBytes: number;
}

const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";
const CSS_FILE = path.join(projectRoot(), 'src', 'proof', 'assets', 'verify-page.css');

const PAGE = {
  'zh-CN': {
    title: '电子印章文件验证',
    intro: '选择或拖入一个盖有电子印章的 PDF，查看每个印章是谁的、何时盖的、之后文件是否被改动，以及证书是否可信。',
    privacy: '文件默认只在您的浏览器中验证，不会离开您的设备。',
    pick: '选择或拖入 PDF 文件',
    server: '改为发送到服务器验证（文件会上传到本服务，用于浏览器无法运行验证程序时）',
    noscript: '此页面需要 JavaScript 才能在本机验证文件。',
    other: 'English',
    registered: '登记的文件',
    registeredIntro: '此验证码对应一份在本服务登记的文件。下方是它的当前状态；拖入您手中的文件或副本，即可比对是否一致。',
    sealsApplied: (n: number, total: number) => `已盖 ${n} / ${total} 个印章`,
    latest: '最新版本的 sha256',
    revisions: '版本数',
    updated: '最后更新',
    name: '文件名称',
    download: '下载登记的文件',
    compareHint: '比对您的副本',
    sealOk: '有效且可信',
    sealBad: '未通过验证',
    pending: '尚未盖章',
    appliedBy: '盖章人',
    notFound: '未找到此验证码。',
    tooMany: '请求过于频繁，请稍后再试。',
  },
  en: {
    title: 'Verify a sealed document',
    intro:
      'Pick or drop a PDF carrying electronic seals to see whose each seal is, when it was applied, whether the document changed afterwards and whether the certificate is trusted.',
    privacy: 'By default the file is verified in your browser and never leaves your device.',
    pick: 'Pick or drop a PDF file',
    server: 'Send it to the server to verify instead (the file is uploaded to this service; for browsers that cannot run the verifier)',
    noscript: 'This page needs JavaScript to verify files on your device.',
    other: '中文',
    registered: 'Registered document',
    registeredIntro:
      'This code names a document registered with this service. Its current state is below; drop the file or copy you hold to compare it with the registered one.',
    sealsApplied: (n: number, total: number) => `${n} of ${total} seals applied`,
    latest: 'sha256 of the current revision',
    revisions: 'Revisions',
    updated: 'Last updated',
    name: 'Document name',
    download: 'Download the registered document',
    compareHint: 'Compare your copy',
    sealOk: 'valid and trusted',
    sealBad: 'not verified',
    pending: 'not yet applied',
    appliedBy: 'Applied by',
    notFound: 'No such verification code.',
    tooMany: 'Too many requests; try again later.',
  },
} as const;

function pickLang(req: Request): Lang {
  const query = typeof req.query.lang === 'string' ? req.query.lang : '';
  if (query === 'en') return 'en';
  if (query === 'zh-CN' || query === 'zh') return 'zh-CN';
  return /^\s*en\b/i.test(String(req.headers['accept-language'] ?? '')) ? 'en' : 'zh-CN';
}

/** JSON inside <script type="application/json">: `<` escaped so no markup can end the element. */
const scriptJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

function badge(kind: 'ok' | 'bad' | 'warn', text: string): string {
  return `<span class="badge badge-${kind}"><span aria-hidden="true">${kind === 'ok' ? '✔' : kind === 'bad' ? '✖' : '⚠'}</span> ${escapeHtml(text)}</span>`;
}

function page(lang: Lang, body: string, config: Record<string, unknown> | null): string {
  const s = PAGE[lang];
  const other = lang === 'en' ? 'zh-CN' : 'en';
  const script = config
    ? `<script type="application/json" id="verify-config">${scriptJson(config)}</script><script type="module" src="/plugin-ui/verify-page.js"></script>`
    : '';
  return `<!doctype html>
<html lang="${lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(s.title)}</title>
<link rel="stylesheet" href="/verify/assets/verify-page.css"></head>
<body><main>
<nav class="lang" aria-label="language"><a href="?lang=${other}" hreflang="${other}" lang="${other}">${escapeHtml(s.other)}</a></nav>
<h1>${escapeHtml(s.title)}</h1>
${body}
</main>${script}</body></html>`;
}

function verifierForm(lang: Lang): string {
  const s = PAGE[lang];
  return `<p class="privacy">${escapeHtml(s.privacy)}</p>
<label class="drop" id="verify-drop">${escapeHtml(s.pick)}<input type="file" id="verify-file" accept="application/pdf,.pdf"></label>
<div class="option"><input type="checkbox" id="verify-server"><label for="verify-server">${escapeHtml(s.server)}</label></div>
<noscript><p>${escapeHtml(s.noscript)}</p></noscript>
<p id="verify-status" role="status" aria-live="polite"></p>
<div id="verify-results" tabindex="-1" aria-live="polite"></div>`;
}

function sendHtml(res: Response, status: number, html: string): void {
  res.status(status);
  res.setHeader('Content-Security-Policy', PAGE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
  res.type('html').send(html);
}

const validateReportRequest = validator<{ lang?: Lang; fileName?: string; sha256?: string; report: VerifyReport }>({
  type: 'object',
  additionalProperties: false,
  required: ['report'],
  properties: {
    lang: { type: 'string', enum: ['zh-CN', 'en'] },
    fileName: { type: 'string', maxLength: 255 },
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    report: {
      type: 'object',
      required: ['valid', 'signatures', 'documentStates'],
      properties: {
        valid: { type: 'boolean' },
        documentStates: { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 64 } },
        signatures: {
          type: 'array',
          maxItems: 100,
          items: {
            type: 'object',
            required: ['field', 'states', 'changes'],
            properties: {
              field: { type: 'string', maxLength: 300 },
              signer: { type: ['string', 'null'], maxLength: 500 },
              issuer: { type: ['string', 'null'], maxLength: 500 },
              reason: { type: ['string', 'null'], maxLength: 500 },
              signedAt: { type: ['string', 'null'], maxLength: 64 },
              states: { type: 'array', maxItems: 40, items: { type: 'string', maxLength: 64 } },
              changes: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 500 } },
            },
          },
        },
      },
    },
  },
});

/**
 * Proof for people outside the system: the public verification page `GET /verify`, the page of a
 * printed verification code `GET /v/<code>` (rate-limited; unknown and withdrawn codes are the same
 * 404), the report download, and the engine's management of codes.
 */
export function proofRoutes(options: ProofRouteOptions): Router {
  const router = Router();
  const limiter = new WindowLimiter(options.codeRateLimit);

  const pageConfig = async (lang: Lang, registered?: { code: string; revisions: string[] }) => ({
    lang,
    workerUrl: '/plugin-ui/infoplus-signature-verifier.js',
    trustAnchorsPem: await options.trustAnchors(),
    timeoutMs: 15_000,
    maxBytes: options.maxPdfBytes,
    ...(registered ? { registered } : {}),
  });

  router.get('/verify', async (req, res) => {
    const lang = pickLang(req);
    sendHtml(res, 200, page(lang, `<p>${escapeHtml(PAGE[lang].intro)}</p>${verifierForm(lang)}`, await pageConfig(lang)));
  });

  router.get('/verify/assets/verify-page.css', (_req, res) => {
    res.setHeader('Content-Type', 'text/css; charset=utf-8');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(fs.readFileSync(CSS_FILE));
  });

  // The visitor's report as a PDF. Only the report travels (never the document), and the PDF says
  // where the verdict was computed; the service does not sign what it did not verify itself.
  router.post('/verify/report.pdf', requireJsonBody, async (req, res) => {
    const body = validateReportRequest(req.body);
    const pdf = await verificationReportPdf({
      lang: body.lang ?? 'zh-CN',
      fileName: body.fileName,
      sha256: body.sha256,
      report: body.report,
      generatedAt: new Date(),
      serviceUrl: options.publicUrl,
    });
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', 'attachment; filename="verification-report.pdf"');
    res.setHeader('Cache-Control', 'no-store');
    res.end(Buffer.from(pdf));
  });

  const limited = (req: Request, res: Response): boolean => {
    const wait = limiter.hit(req.socket.remoteAddress ?? '');
    if (wait === 0) return false;
    res.setHeader('Retry-After', String(wait));
    sendHtml(res, 429, page(pickLang(req), `<p role="alert">${escapeHtml(PAGE[pickLang(req)].tooMany)}</p>`, null));
    return true;
  };
  const notFound = (req: Request, res: Response) =>
    sendHtml(res, 404, page(pickLang(req), `<p role="alert">${escapeHtml(PAGE[pickLang(req)].notFound)}</p>`, null));

  /** The Signature of an active code, or undefined (unknown, withdrawn or malformed: one answer). */
  const lookup = async (raw: string) => {
    const code = normaliseCode(raw);
    const entry = code ? await options.codes.active(code) : undefined;
    if (!entry) return undefined;
    const signature = await options.signatures.get(entry.signatureId).catch(() => undefined);
    return signature ? { entry, signature } : undefined;
  };

  router.get('/v/:code', async (req, res) => {
    if (limited(req, res)) return;
    const found = await lookup(String(req.params.code));
    if (!found) return notFound(req, res);
    const { entry, signature } = found;
    const lang = pickLang(req);
    void options.audit.record(signature.id, {
      type: 'code.viewed',
      actor: 'public',
      data: { ip: req.socket.remoteAddress ?? '', userAgent: String(req.headers['user-agent'] ?? '').slice(0, 300) },
    });
    const revisions = await revisionHashes(options.files, signature);
    const report = await currentReport(options, signature);
    sendHtml(
      res,
      200,
      page(
        lang,
        registeredSection(lang, entry, signature, revisions, report) +
          `<h2>${escapeHtml(PAGE[lang].compareHint)}</h2>${verifierForm(lang)}`,
        await pageConfig(lang, { code: entry.code, revisions }),
      ),
    );
  });

  router.get('/v/:code/document.pdf', async (req, res) => {
    if (limited(req, res)) return;
    const found = await lookup(String(req.params.code));
    const file = found?.entry.shareable && found.signature.fileId ? await options.files.get(found.signature.fileId) : undefined;
    if (!found || !file) return notFound(req, res);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', 'attachment; filename="document.pdf"');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.end(await options.files.readBytes(file));
  });

  // The engine's side: list, create (e.g. to print elsewhere), share or not, withdraw.
  const codeView = (code: { code: string; shareable: boolean; createTime: number; withdrawnTime: number | null }) => ({
    code: code.code,
    display: groupedCode(code.code),
    url: `${options.publicUrl}/v/${code.code}`,
    shareable: code.shareable,
    createTime: code.createTime,
    withdrawnTime: code.withdrawnTime,
  });

  router.get('/signature/:id/verification-codes', async (req, res) => {
    requireEngine(stateOf(req).principal);
    const id = requireId(req.params.id, 'signature');
    await options.signatures.get(id);
    res.json(success((await options.codes.ofSignature(id)).map(codeView)));
  });

  router.post('/signature/:id/verification-codes', requireJsonBody, async (req, res) => {
    requireEngine(stateOf(req).principal);
    const id = requireId(req.params.id, 'signature');
    await options.signatures.get(id);
    const shareable = (req.body as { shareable?: unknown })?.shareable;
    if (shareable !== undefined && typeof shareable !== 'boolean')
      throw new DomainError('INVALID_REQUEST', 'shareable must be a boolean.', [{ path: '$.shareable', message: 'must be boolean' }]);
    res.json(success([codeView(await options.codes.register(id, shareable === true))]));
  });

  router.post('/signature/:id/verification-codes/share', requireJsonBody, async (req, res) => {
    requireEngine(stateOf(req).principal);
    const id = requireId(req.params.id, 'signature');
    const shareable = (req.body as { shareable?: unknown })?.shareable;
    if (typeof shareable !== 'boolean')
      throw new DomainError('INVALID_REQUEST', 'shareable must be a boolean.', [{ path: '$.shareable', message: 'must be boolean' }]);
    await options.signatures.get(id);
    await options.codes.setShareable(id, shareable);
    res.json(success((await options.codes.ofSignature(id)).map(codeView)));
  });

  router.delete('/signature/:id/verification-codes{/:code}', async (req, res) => {
    requireEngine(stateOf(req).principal);
    const id = requireId(req.params.id, 'signature');
    const code = req.params.code ? normaliseCode(String(req.params.code)) : undefined;
    if (req.params.code && !code) throw new DomainError('CODE_NOT_FOUND', 'No such verification code.');
    const withdrawn = await options.codes.withdraw(id, code);
    if (code && withdrawn === 0) throw new DomainError('CODE_NOT_FOUND', 'No such active verification code for this Signature.');
    res.json(success([{ withdrawn }]));
  });

  return router;
}

async function revisionHashes(files: FileStore, signature: Signature): Promise<string[]> {
  const hashes: string[] = [];
  for (const revision of signature.revisions ?? []) {
    const file = await files.get(revision.fileId);
    if (file) hashes.push(file.sha256);
  }
  return hashes;
}

async function currentReport(options: ProofRouteOptions, signature: Signature): Promise<VerifyReport | null> {
  const file = signature.fileId ? await options.files.get(signature.fileId) : undefined;
  if (!file) return null;
  const expectedCms = signature.seals.map((seal) => (seal.signature ? Buffer.from(seal.signature, 'base64') : null));
  try {
    return await options.verifier.verify(await options.files.readBytes(file), {
      trustAnchorsPem: await options.trustAnchors(),
      expectedCms,
    });
  } catch {
    return null;
  }
}

function registeredSection(
  lang: Lang,
  code: { code: string; shareable: boolean },
  signature: Signature,
  revisions: string[],
  report: VerifyReport | null,
): string {
  const s = PAGE[lang];
  const signed = signature.seals.filter((seal) => seal.signature).length;
  const rows: string[] = [];
  const row = (label: string, value: string) => rows.push(`<div class="row"><dt>${escapeHtml(label)}</dt><dd>${value}</dd></div>`);
  if (code.shareable) row(s.name, escapeHtml(signature.name));
  row(lang === 'en' ? 'Verification code' : '验证码', `<code>${escapeHtml(groupedCode(code.code))}</code>`);
  row(lang === 'en' ? 'Seals' : '印章', escapeHtml(s.sealsApplied(signed, signature.seals.length)));
  row(s.latest, `<span class="hash" id="registered-sha256">${escapeHtml(revisions.at(-1) ?? '—')}</span>`);
  row(s.revisions, String(revisions.length));
  if (signature.updateTime) row(s.updated, escapeHtml(new Date(signature.updateTime).toISOString()));
  if (report) {
    const verdict = report.valid ? badge('ok', s.sealOk) : badge('bad', s.sealBad);
    row(lang === 'en' ? 'Current verdict' : '当前验证结论', verdict);
  }
  const seals = signature.seals
    .map((seal, index) => {
      const title = `${seal.sealName ?? seal.description ?? `#${index + 1}`}${seal.sealType ? `（${seal.sealType}）` : ''}`;
      if (!seal.signature) return `<li>${escapeHtml(title)} — ${badge('warn', s.pending)}</li>`;
      const verified = report?.signatures.find((entry) => entry.sealIndex === index);
      const ok = verified ? verified.valid && verified.trusted && !verified.modifiedAfterSigning : false;
      const who = code.shareable && seal.signedBy ? ` — ${escapeHtml(s.appliedBy)}: ${escapeHtml(seal.signedBy.name)}` : '';
      const when = seal.signedAt ? ` — ${escapeHtml(String(seal.signedAt))}${verified?.timestamped ? ' (TIMESTAMP_VALID)' : ''}` : '';
      return `<li>${escapeHtml(title)}${who}${when} ${ok ? badge('ok', s.sealOk) : badge('bad', s.sealBad)}${verified?.states.length ? ` <small>${escapeHtml(verified.states.join(', '))}</small>` : ''}</li>`;
    })
    .join('');
  const download =
    code.shareable && signature.fileId ? `<p><a href="/v/${escapeHtml(code.code)}/document.pdf">${escapeHtml(s.download)}</a></p>` : '';
  return `<section class="registered" id="registered"><h2>${escapeHtml(s.registered)}</h2><p>${escapeHtml(s.registeredIntro)}</p><dl>${rows.join('')}</dl><ul class="seals">${seals}</ul>${download}</section>`;
}
