import { Router, raw } from 'express';
import { requireSignatureAccess } from '../http/auth/principal.js';
import { stateOf } from '../http/context.js';
import { success } from '../http/envelope.js';
import { DomainError } from '../errors.js';
import { requireId } from '../util/ids.js';
import type { PdfVerifier } from '../verification/pool.js';
import type { RevocationSettings } from '../verification/verify-worker.js';
import type { EngineApi } from '../stamping/engine-client.js';
import { receiveUpload } from '../http/multipart-upload.js';
import fs from 'node:fs/promises';

export interface VerificationOptions {
  engine: EngineApi;
  verifier: PdfVerifier;
  /** How verifications check revocation (mode, allowed OCSP/CRL origins, timeout). */
  revocation: RevocationSettings;
  /** PEM certificates trusted as roots: the built-in CA, configured anchors, provider CAs. */
  trustAnchors: () => Promise<string[]>;
  uploadLimit: number;
  tempDir: string;
}

/** `GET /signature/:id/verify` (a stored Signature, matched against its seals) and `POST /verify` (any PDF, anyone). */
export function verificationRoutes(options: VerificationOptions): Router {
  const router = Router();

  router.get('/signature/:id/verify', async (req, res) => {
    const id = requireId(req.params.id, 'signature');
    requireSignatureAccess(stateOf(req).principal, id, 'read');
    const signature = await options.engine.getSignature(id);
    if (!signature.uri) throw new DomainError('DOCUMENT_NOT_READY', 'The Signature has no document yet.');
    const pdf = await options.engine.downloadFile(signature.uri);
    const expected = signature.seals.map((seal) => (seal.signature ? Buffer.from(seal.signature, 'base64') : null));
    const report = await options.verifier.verify(pdf, {
      trustAnchorsPem: await options.trustAnchors(),
      expectedCms: expected,
      revocation: options.revocation,
    });
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
    if (!pdf?.length) throw new DomainError('FILE_EMPTY', 'Send a PDF as the body (application/pdf) or in the multipart field "file".');
    res.json(
      success([await options.verifier.verify(pdf, { trustAnchorsPem: await options.trustAnchors(), revocation: options.revocation })]),
    );
  });

  return router;
}
