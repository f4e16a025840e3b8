import fs from 'node:fs';
import { Router } from 'express';
import { requireEngine, requireSignatureAccess, type Principal } from '../http/auth/principal.js';
import { stateOf } from '../http/context.js';
import { success } from '../http/envelope.js';
import { DomainError, notFound, unauthorized } from '../errors.js';
import { requireId } from '../util/ids.js';
import type { FileInfo } from '../contract/file.js';
import type { FileStore, StoredFile } from '../store/files.js';
import type { FileUris } from '../store/file-uri.js';
import { ALLOWED_MIME, sniffMime } from '../store/sniff.js';
import { cleanFilename, receiveUpload } from '../http/multipart-upload.js';

/** The File type as FileAPI returns it. */
export function fileEntity(file: StoredFile, uris: FileUris): FileInfo {
  return {
    id: file.id,
    name: file.name,
    size: file.size,
    uri: uris.forFile(file.id),
    mime: file.mime,
    createTime: file.createTime,
    lastModified: file.lastModified,
    sha256: file.sha256,
    tags: file.tags,
  };
}

export type FileReferenceCheck = (fileId: string, signatureId: string) => Promise<boolean>;

/** Users with a ticket may read the files their signature references (its PDF revisions, seal images). */
async function requireFileRead(principal: Principal | null, fileId: string, referencedBy: FileReferenceCheck) {
  if (!principal) throw unauthorized();
  if (principal.kind === 'engine') return;
  requireSignatureAccess(principal, principal.claims.sid, 'read');
  if (!(await referencedBy(fileId, principal.claims.sid))) throw new DomainError('TICKET_SCOPE', 'The ticket does not cover this file.');
}

export function fileRoutes(files: FileStore, uris: FileUris, uploadLimit: number, referencedBy: FileReferenceCheck): Router {
  const router = Router();

  router.put('/file', async (req, res) => {
    requireEngine(stateOf(req).principal);
    const upload = await receiveUpload(req, files.tempDir, uploadLimit);
    try {
      const mime = await sniffMime(upload.head, upload.tempPath);
      if (!mime) {
        throw new DomainError(
          'UNSUPPORTED_FILE_TYPE',
          `The file is not one of the accepted types (PDF, DOCX, PNG, JPEG, SVG, PKCS#12), judged by its content.`,
        );
      }
      const name = upload.fields.name ? cleanFilename(upload.fields.name) : upload.filename;
      // `signature`: the file is uploaded for that Signature (e.g. a photo its template may show).
      const forSignature = upload.fields.signature === undefined ? undefined : requireId(upload.fields.signature, 'signature');
      const stored = await files.adoptTempFile(upload.tempPath, {
        name,
        mime,
        sha256: upload.sha256,
        size: upload.size,
        ...(forSignature ? { tags: [`signature:${forSignature}`] } : {}),
      });
      res.json(success([fileEntity(stored, uris)]));
    } finally {
      await fs.promises.rm(upload.tempPath, { force: true });
    }
  });

  router.get('/file/:id/meta', async (req, res) => {
    const id = requireId(req.params.id, 'file');
    await requireFileRead(stateOf(req).principal, id, referencedBy);
    const file = await files.get(id);
    if (!file) throw notFound('file', id);
    res.json(success([fileEntity(file, uris)]));
  });

  router.get('/file/:id', async (req, res) => {
    const id = requireId(req.params.id, 'file');
    await requireFileRead(stateOf(req).principal, id, referencedBy);
    const file = await files.get(id);
    if (!file) throw notFound('file', id);
    if (file.mime === ALLOWED_MIME.p12) {
      throw new DomainError(
        'PRIVATE_KEY_FILE',
        'A PKCS#12 bundle holds a private key; it is only imported into the seal registry, never served.',
      );
    }
    const etag = `"${file.sha256}"`;
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', 'private, max-age=0, must-revalidate');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (file.mime === ALLOWED_MIME.svg) {
      res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox");
    }
    if (req.headers['if-none-match'] === etag) {
      res.status(304).end();
      return;
    }
    res.setHeader('Content-Type', file.mime);
    res.setHeader('Content-Length', String(file.size));
    res.setHeader('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(file.name)}`);
    const stream = files.openStream(file);
    stream.on('error', (error) => {
      stateOf(req).log.error({ err: error, fileId: id }, 'file blob unreadable');
      res.destroy(error);
    });
    stream.pipe(res);
  });

  router.delete('/file/:id', async (req, res) => {
    requireEngine(stateOf(req).principal);
    const id = requireId(req.params.id, 'file');
    const outcome = await files.delete(id);
    if (outcome === 'not-found') throw notFound('file', id);
    if (outcome === 'in-use') throw new DomainError('FILE_IN_USE', `File ${id} is referenced by a Signature and cannot be deleted.`);
    res.json(success([{ id, deleted: true }]));
  });

  return router;
}
