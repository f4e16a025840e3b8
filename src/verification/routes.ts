import { Router, raw } from 'express';
import { requireSignatureAccess } from '../http/auth/principal.js';
import { stateOf } from '../http/context.js';
import { success } from '../http/envelope.js';
import { ApiError } from '../http/errors.js';
import { requireId } from '../http/ids.js';
import { PdfParseError, verifyPdf } from '../pdf/verify/index.js';
import type { EngineApi } from '../signing/engine-client.js';
import { receiveUpload } from '../files/upload.js';
import fs from 'node:fs/promises';

export interface VerificationOptions {
  engine: EngineApi;
  /** PEM certificates trusted as roots: the built-in CA, configured anchors, provider CAs. */
  trustAnchors: () => Promise<string[]>;
  uploadLimit: number;
  tempDir: string;
}

async function verifyBytes(pdf: Uint8Array, trustAnchorsPem: string[], expectedCms?: (Uint8Array | null)[]) {
  try {
    return await verifyPdf(pdf, { trustAnchorsPem, expectedCms });
  } catch (error) {
    if (error instanceof PdfParseError) throw new ApiError(422, 'PDF_UNREADABLE', `The PDF cannot be read: ${error.message}`);
    throw error;
  }
}

/** `GET /signature/:id/verify` (a stored Signature, matched against its seals) and `POST /verify` (any PDF, anyone). */
export function verificationRoutes(options: VerificationOptions): Router {
  const router = Router();

  router.get('/signature/:id/verify', async (req, res) => {
    const id = requireId(req.params.id, 'signature');
    requireSignatureAccess(stateOf(req).principal, id, 'read');
    const signature = await options.engine.getSignature(id);
    if (!signature.uri) throw new ApiError(409, 'DOCUMENT_NOT_READY', 'The Signature has no document yet.');
    const pdf = await options.engine.downloadFile(signature.uri);
    const expected = signature.seals.map((seal) => (seal.signature ? Buffer.from(seal.signature, 'base64') : null));
    const report = await verifyBytes(pdf, await options.trustAnchors(), expected);
    res.json(success([{ signatureId: id, uri: signature.uri, ...report }]));
  });

  router.post('/verify', raw({ type: 'application/pdf', limit: options.uploadLimit }), async (req, res) => {
    let pdf: Uint8Array;
    if (req.is('application/pdf')) {
      pdf = req.body as Buffer;
    } else {
      const upload = await receiveUpload(req, options.tempDir, options.uploadLimit);
      try {
        pdf = await fs.readFile(upload.tempPath);
      } finally {
        await fs.rm(upload.tempPath, { force: true });
      }
    }
    if (!pdf?.length) throw new ApiError(400, 'FILE_EMPTY', 'Send a PDF as the body (application/pdf) or in the multipart field "file".');
    res.json(success([await verifyBytes(pdf, await options.trustAnchors())]));
  });

  return router;
}
