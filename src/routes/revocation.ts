import { raw, Router } from 'express';
import { requireEngine } from '../http/auth/principal.js';
import { stateOf } from '../http/context.js';
import { success } from '../http/envelope.js';
import { DomainError } from '../errors.js';
import { requireId } from '../util/ids.js';
import { requireJsonBody } from '../http/middleware.js';
import type { FileUris } from '../store/file-uri.js';
import { validator } from '../validation/ajv.js';
import type { SealRegistry } from '../seals/registry.js';
import { REVOCATION_REASONS, type CertificateRevocation, type RevocationReason } from '../seals/revocation.js';
import { sealEntity } from './seals.js';

const validateRevoke = validator<{ reason: RevocationReason; at?: string }>({
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: { reason: { enum: [...REVOCATION_REASONS] }, at: { type: 'string', format: 'date-time' } },
});

const MAX_OCSP_REQUEST = '16kb';

/** Revoking seals (engine) and the built-in CA's CRL and OCSP responder (anyone: verifiers). */
export function revocationRoutes(revocation: CertificateRevocation, registry: SealRegistry, uris: FileUris): Router {
  const router = Router();

  router.post('/seals/:id/revoke', requireJsonBody, async (req, res) => {
    requireEngine(stateOf(req).principal);
    const input = validateRevoke(req.body);
    const at = input.at ? new Date(input.at) : new Date();
    if (at.getTime() > Date.now() + 60_000)
      throw new DomainError('INVALID_REQUEST', 'A revocation cannot take effect in the future.', [
        { path: '$.at', message: 'must not be in the future' },
      ]);
    const seal = await registry.get(requireId(req.params.id, 'seal'));
    if (!seal.certificatePem)
      throw new DomainError('SEAL_HAS_NO_CERTIFICATE', 'This seal has no certificate of ours to revoke (it is signed by its provider).');
    const entry = await revocation.revoke(seal.id, seal.certificatePem, input.reason, at);
    const disabled = await registry.setDisabled(seal.id, true);
    stateOf(req).log.warn(
      { sealId: seal.id, serial: entry.serial, reason: entry.reason, revokedAt: entry.revokedAt.toISOString() },
      'seal certificate revoked',
    );
    res.json(
      success([
        {
          ...sealEntity(disabled, uris),
          revocation: { serial: entry.serial, reason: entry.reason, revokedAt: entry.revokedAt.toISOString() },
        },
      ]),
    );
  });

  router.get('/ca/crl', async (_req, res) => {
    const crl = await revocation.crl();
    res.set({
      'Content-Type': 'application/pkix-crl',
      'Cache-Control': `public, max-age=${Math.max(0, Math.floor((crl.nextUpdate.getTime() - Date.now()) / 1000) - 60)}`,
      'Last-Modified': crl.thisUpdate.toUTCString(),
      Expires: crl.nextUpdate.toUTCString(),
    });
    res.send(Buffer.from(crl.der));
  });

  const answer = async (request: Uint8Array, res: import('express').Response) => {
    const response = await revocation.ocsp(request);
    res.set('Content-Type', 'application/ocsp-response');
    if (response.nextUpdate) {
      res.set({
        'Cache-Control': `public, max-age=${Math.floor((response.nextUpdate.getTime() - Date.now()) / 1000 / 2)}, no-transform, must-revalidate`,
        Expires: response.nextUpdate.toUTCString(),
      });
    } else {
      res.set('Cache-Control', 'no-store');
    }
    res.send(Buffer.from(response.der));
  };

  router.post('/ca/ocsp', raw({ type: 'application/ocsp-request', limit: MAX_OCSP_REQUEST }), async (req, res) => {
    if (!req.is('application/ocsp-request') || !Buffer.isBuffer(req.body))
      throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Send a DER OCSP request as application/ocsp-request.');
    await answer(req.body, res);
  });

  // RFC 6960 §A.1: GET {url}/{url-encoding of base-64 encoding of the DER OCSPRequest}.
  router.get('/ca/ocsp/:request', async (req, res) => {
    const encoded = decodeURIComponent(String(req.params.request));
    if (encoded.length > 8192 || !/^[A-Za-z0-9+/=_-]+$/.test(encoded))
      throw new DomainError('OCSP_REQUEST_INVALID', 'The OCSP request is not base64.');
    await answer(new Uint8Array(Buffer.from(encoded, 'base64')), res);
  });

  return router;
}
