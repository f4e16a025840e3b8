import { Router } from 'express';
import { requireEngine } from '../http/auth/principal.js';
import { stateOf } from '../http/context.js';
import { success } from '../http/envelope.js';
import { requireId } from '../util/ids.js';
import type { VerifyReport } from '@infoplus/pdf-verify';
import type { ServiceKey } from '../proof/service-key.js';
import type { SignatureService } from '../signature/service.js';
import type { FileStore } from '../store/files.js';
import type { PdfVerifier } from '../verification/pool.js';
import { evidenceReportPdf } from '../proof/evidence.js';
import type { AuditLog } from '../audit/log.js';

export interface AuditRouteOptions {
  audit: AuditLog;
  signatures: SignatureService;
  files: FileStore;
  verifier: PdfVerifier;
  trustAnchors: () => Promise<string[]>;
  serviceKey: ServiceKey;
}

/** The audit trail for the engine: `GET /signature/:id/audit` (entries and chain check) and the signed evidence report. */
export function auditRoutes(options: AuditRouteOptions): Router {
  const router = Router();

  router.get('/signature/:id/audit', async (req, res) => {
    requireEngine(stateOf(req).principal);
    const id = requireId(req.params.id, 'signature');
    await options.signatures.get(id);
    res.json(success([await options.audit.check(id)]));
  });

  router.get('/signature/:id/audit/evidence.pdf', async (req, res) => {
    requireEngine(stateOf(req).principal);
    const id = requireId(req.params.id, 'signature');
    const signature = await options.signatures.get(id);
    const revisions = [];
    for (const revision of signature.revisions ?? []) {
      const file = await options.files.get(revision.fileId);
      if (file)
        revisions.push({
          fileId: file.id,
          sha256: file.sha256,
          size: file.size,
          createTime: revision.createTime,
          ...(revision.sealIndex === undefined ? {} : { sealIndex: revision.sealIndex }),
        });
    }
    let report: VerifyReport | null = null;
    const current = signature.fileId ? await options.files.get(signature.fileId) : undefined;
    if (current) {
      const expectedCms = signature.seals.map((seal) => (seal.signature ? Buffer.from(seal.signature, 'base64') : null));
      report = await options.verifier.verify(await options.files.readBytes(current), {
        trustAnchorsPem: await options.trustAnchors(),
        expectedCms,
      });
    }
    const chain = await options.audit.check(id);
    const pdf = await evidenceReportPdf(
      { signature, revisions, report, chain, generatedAt: new Date() },
      await options.serviceKey.material(),
    );
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="evidence-${id}.pdf"`);
    res.setHeader('Cache-Control', 'no-store');
    res.end(Buffer.from(pdf));
  });

  return router;
}
