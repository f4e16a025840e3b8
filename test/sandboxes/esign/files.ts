// Files (spec 4.5–4.6): upload addresses, the direct upload with its Content-MD5, documents made from
// an upload, and download addresses.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { PDFDocument } from '@cantoo/pdf-lib';
import express, { type Express } from 'express';
import {
  type Doc,
  type Handlers,
  hexId,
  hmac,
  MAX_UPLOAD,
  optInt,
  param,
  reqText,
  type SandboxContext,
  SandboxError,
  sameText,
  type Upload,
} from './state.js';

export const downloadUrlOf = (ctx: SandboxContext) => (docId: string) =>
  `${ctx.base}/download/${docId}?token=${hmac(ctx.secret, `download:${docId}`)}`;

export function fileHandlers(ctx: SandboxContext): Handlers {
  const { uploads, docs, secret } = ctx;
  const downloadUrl = downloadUrlOf(ctx);
  return {
    '/file/uploadurl': (body) => {
      const fileName = reqText(body.fileName, 'fileName');
      const contentType = reqText(body.contentType, 'contentType');
      const contentMd5 = reqText(body.contentMd5, 'contentMd5');
      const fileSize = optInt(body.fileSize, 'fileSize');
      if (fileSize === undefined || fileSize <= 0) throw param('fileSize 不能为空且须大于 0');
      if (fileSize > MAX_UPLOAD) throw param(`fileSize 不能超过 ${MAX_UPLOAD} 字节`);
      const digest = Buffer.from(contentMd5, 'base64');
      if (digest.length !== 16 || digest.toString('base64') !== contentMd5) throw param('contentMd5 须为 BASE64 编码的 MD5 摘要');
      const upload: Upload = {
        fileKey: `$${randomUUID()}$${randomBytes(4).readUInt32BE()}`,
        fileName,
        fileSize,
        contentType,
        contentMd5,
        token: hexId(12),
      };
      uploads.set(upload.token, upload);
      const expires = Math.floor(Date.now() / 1000) + 3600;
      return {
        fileKey: upload.fileKey,
        uploadUrl: `${ctx.base}/oss/${upload.token}?Expires=${expires}&Signature=${hmac(secret, `oss:${upload.token}:${expires}`)}`,
      };
    },
    '/doc/createbyfilekey': async (body) => {
      const fileKey = reqText(body.fileKey, 'fileKey');
      const upload = [...uploads.values()].find((u) => u.fileKey === fileKey);
      if (!upload) throw new SandboxError(1003, '文件不存在');
      if (!upload.bytes) throw new SandboxError(1004, '文件尚未上传成功');
      let pdf: PDFDocument;
      try {
        pdf = await PDFDocument.load(upload.bytes, { updateMetadata: false });
      } catch {
        throw new SandboxError(1004, '目前仅支持 PDF 格式文档签署（文件不是可读的未加密 PDF）');
      }
      const doc: Doc = {
        docId: hexId(),
        name: upload.fileName,
        bytes: upload.bytes,
        pageCount: pdf.getPageCount(),
        firstPageHeight: pdf.getPage(0).getCropBox().height,
      };
      docs.set(doc.docId, doc);
      return { docId: doc.docId };
    },
    '/doc/downloadurl': (body) => {
      const docId = reqText(body.docId, 'docId');
      if (!docs.has(docId)) throw new SandboxError(1003, '合同不存在');
      return { docUrl: downloadUrl(docId) };
    },
  };
}

export function fileRoutes(app: Express, ctx: SandboxContext): void {
  const { uploads, docs, secret } = ctx;
  // File direct upload (4.5.2): Content-MD5 and Content-Type must be the declared ones, and the bytes must match.
  app.put('/oss/:token', express.raw({ type: () => true, limit: MAX_UPLOAD, inflate: false }), (req, res) => {
    const upload = uploads.get(String(req.params.token));
    const expires = Number(req.query.Expires);
    if (
      !upload ||
      !(expires > Date.now() / 1000) ||
      !sameText(String(req.query.Signature ?? ''), hmac(secret, `oss:${upload.token}:${expires}`))
    ) {
      return res.status(403).type('text/plain').send('AccessDenied: the upload URL is invalid or expired');
    }
    const bytes: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const actual = createHash('md5').update(bytes).digest('base64');
    const header = String(req.get('content-md5') ?? '');
    if (header !== upload.contentMd5 || actual !== upload.contentMd5)
      return res.status(403).type('text/plain').send('InvalidDigest: Content-MD5 does not match the declared contentMd5 or the bytes');
    if (req.get('content-type') !== upload.contentType)
      return res.status(403).type('text/plain').send('AccessDenied: Content-Type does not match the declared contentType');
    if (bytes.length !== upload.fileSize)
      return res.status(403).type('text/plain').send('AccessDenied: the size does not match the declared fileSize');
    upload.bytes = bytes;
    res.status(200).end();
  });

  app.get('/download/:docId', (req, res) => {
    const doc = docs.get(String(req.params.docId));
    if (!doc || !sameText(String(req.query.token ?? ''), hmac(secret, `download:${doc.docId}`)))
      return res.status(403).type('text/plain').send('AccessDenied');
    res
      .type('application/pdf')
      .set('Content-Disposition', `inline; filename="document.pdf"; filename*=UTF-8''${encodeURIComponent(doc.name)}`)
      .send(doc.bytes);
  });
}
