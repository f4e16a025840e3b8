import { Router } from 'express';
import { issueTicket } from '../http/auth/tickets.js';
import { requireEngine, requireSignatureAccess } from '../http/auth/principal.js';
import { stateOf } from '../http/context.js';
import { success } from '../http/envelope.js';
import { requireId } from '../http/ids.js';
import { requireJsonBody } from '../http/middleware.js';
import { validator } from '../validation/ajv.js';
import { type CreateSignatureRequest, type Signature, validateCreateSignature, validateSignaturePatch } from './schema.js';
import { ApiError } from '../http/errors.js';
import type { SignatureService } from './service.js';

const validateTicketRequest = validator<{ account: string; name?: string }>({
  type: 'object',
  additionalProperties: false,
  required: ['account'],
  properties: { account: { type: 'string', minLength: 1, maxLength: 200 }, name: { type: 'string', maxLength: 200 } },
});

export interface TicketSettings {
  secret: string;
  ttlSeconds: number;
}

/** SignatureAPI S1/S2, document creation and end-user tickets. */
/** Creation from a Word template (the export pipeline); absent when export is not configured. */
export interface TemplateDocuments {
  createFromTemplate(input: NonNullable<CreateSignatureRequest> & { template: string }): Promise<Signature>;
}

/** Verification marks on uploaded PDFs (src/proof/marks.ts). */
export interface UploadMarks {
  markFile(fileId: string): Promise<{ fileId: string; code: string } | undefined>;
  register(signatureId: string, code: string, request: { shareable: boolean }): Promise<void>;
}

export function signatureRoutes(signatures: SignatureService, tickets: TicketSettings, documents?: TemplateDocuments, marks?: UploadMarks): Router {
  const router = Router();

  router.post('/signature', requireJsonBody, async (req, res) => {
    requireEngine(stateOf(req).principal);
    const body = validateCreateSignature(req.body);
    let signature: Signature;
    if (body.file) {
      const mark = body.verificationMark && marks ? await marks.markFile(body.file) : undefined;
      signature = await signatures.create({ name: body.name, fileId: mark?.fileId ?? body.file, seals: body.seals });
      if (mark) await marks!.register(signature.id, mark.code, { shareable: typeof body.verificationMark === 'object' && body.verificationMark.shareable === true });
    } else {
      if (!documents) throw new ApiError(501, 'EXPORT_UNAVAILABLE', 'Creating documents from templates is not available on this service.');
      signature = await documents.createFromTemplate({ ...body, template: body.template as string });
    }
    res.json(success([signature]));
  });

  // S1
  router.get('/signature/:id', async (req, res) => {
    const id = requireId(req.params.id, 'signature');
    requireSignatureAccess(stateOf(req).principal, id, 'read');
    res.json(success([await signatures.get(id)]));
  });

  // S2
  router.post('/signature/:id', requireJsonBody, async (req, res) => {
    const id = requireId(req.params.id, 'signature');
    requireEngine(stateOf(req).principal);
    const patch = validateSignaturePatch(req.body);
    res.json(success([await signatures.update(id, patch)]));
  });

  router.post('/signature/:id/tickets', requireJsonBody, async (req, res) => {
    const id = requireId(req.params.id, 'signature');
    requireEngine(stateOf(req).principal);
    const body = validateTicketRequest(req.body);
    await signatures.get(id);
    const exp = Math.floor(Date.now() / 1000) + tickets.ttlSeconds;
    const ticket = issueTicket(tickets.secret, { sid: id, account: body.account, name: body.name ?? body.account, scopes: ['read', 'stamp'], exp });
    res.json(success([{ ticket, signatureId: id, account: body.account, expiresAt: new Date(exp * 1000).toISOString() }]));
  });

  return router;
}
