import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { issueTicket } from '../http/auth/tickets.js';
import { requireEngine, requireSignatureAccess } from '../http/auth/principal.js';
import { stateOf } from '../http/context.js';
import { success } from '../http/envelope.js';
import { requireId } from '../util/ids.js';
import { requireJsonBody } from '../http/middleware.js';
import { validator } from '../validation/ajv.js';
import { type CreateSignatureRequest, type Signature, validateCreateSignature, validateSignaturePatch } from '../signature/schema.js';
import { DomainError } from '../errors.js';
import { TicketRequest } from '../contract/requests.js';
import type { SignatureService } from '../signature/service.js';

const validateTicketRequest = validator<TicketRequest>(TicketRequest);

/** The longest a ticket can live (TICKET_TTL's maximum): how long a revocation is remembered. */
const MAX_TICKET_SECONDS = 86_400;

export interface TicketSettings {
  secret: string;
  ttlSeconds: number;
  /** The revocation list; `onRevoke` closes what the ticket still holds open (live-push sockets). */
  revoked?: { revoke(jti: string, signatureId: string, expiresAt: number, nowSeconds: number): Promise<void> };
  onRevoke?: (jti: string) => void;
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

export function signatureRoutes(
  signatures: SignatureService,
  tickets: TicketSettings,
  documents?: TemplateDocuments,
  marks?: UploadMarks,
): Router {
  const router = Router();

  router.post('/signature', requireJsonBody, async (req, res) => {
    requireEngine(stateOf(req).principal);
    const body = validateCreateSignature(req.body);
    let signature: Signature;
    if (body.file) {
      const mark = body.verificationMark && marks ? await marks.markFile(body.file) : undefined;
      signature = await signatures.create({ name: body.name, fileId: mark?.fileId ?? body.file, seals: body.seals });
      if (mark)
        await marks!.register(signature.id, mark.code, {
          shareable: typeof body.verificationMark === 'object' && body.verificationMark.shareable === true,
        });
    } else {
      if (!documents) throw new DomainError('EXPORT_UNAVAILABLE', 'Creating documents from templates is not available on this service.');
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
    const scopes = body.scopes ?? ['read', 'stamp'];
    if (body.seal !== undefined && !scopes.includes('stamp'))
      throw new DomainError('INVALID_REQUEST', 'seal binds a stamp ticket; add the stamp scope.', [
        { path: '$.seal', message: 'needs the stamp scope' },
      ]);
    // Stamping needs reading the Signature too.
    if (scopes.includes('stamp') && !scopes.includes('read')) scopes.unshift('read');
    const exp = Math.floor(Date.now() / 1000) + Math.min(body.ttl ?? tickets.ttlSeconds, tickets.ttlSeconds);
    const jti = randomUUID();
    const ticket = issueTicket(tickets.secret, {
      sid: id,
      account: body.account,
      name: body.name ?? body.account,
      scopes,
      exp,
      jti,
      ...(body.seal !== undefined ? { seal: body.seal } : {}),
    });
    res.json(
      success([
        {
          ticket,
          jti,
          signatureId: id,
          account: body.account,
          scopes,
          ...(body.seal !== undefined ? { seal: body.seal } : {}),
          expiresAt: new Date(exp * 1000).toISOString(),
        },
      ]),
    );
  });

  // Revocation: the ticket stops working at once (HTTP and live push), until it would have expired anyway.
  router.delete('/signature/:id/tickets/:jti', async (req, res) => {
    const id = requireId(req.params.id, 'signature');
    requireEngine(stateOf(req).principal);
    const jti = requireId(req.params.jti, 'ticket');
    if (!tickets.revoked) throw new DomainError('REVOCATION_UNAVAILABLE', 'Ticket revocation is not available.');
    const now = Math.floor(Date.now() / 1000);
    await tickets.revoked.revoke(jti, id, now + MAX_TICKET_SECONDS + 60, now);
    tickets.onRevoke?.(jti);
    res.json(success([{ jti, signatureId: id, revoked: true }]));
  });

  return router;
}
