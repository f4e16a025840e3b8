import { Router } from 'express';
import { requireEngine } from '../http/auth/principal.js';
import { stateOf } from '../http/context.js';
import { success } from '../http/envelope.js';
import { requireId } from '../util/ids.js';
import type { FileUris } from '../store/file-uri.js';
import { validator } from '../validation/ajv.js';
import type { RekeyInput, SealRekeying } from '../seals/rekey.js';
import { REVOCATION_REASONS } from '../seals/revocation.js';
import { sealEntity } from './seals.js';

const validateRekey = validator<RekeyInput>({
  type: 'object',
  additionalProperties: false,
  properties: { keyAlgorithm: { enum: ['ECDSA-P256', 'RSA-2048'] }, revokePrevious: { enum: [...REVOCATION_REASONS] } },
});

/** Re-keying seals and the history of their certificates (engine). */
export function rekeyRoutes(rekeying: SealRekeying, uris: FileUris): Router {
  const router = Router();

  router.post('/seals/:id/rekey', async (req, res) => {
    requireEngine(stateOf(req).principal);
    const input = validateRekey(req.body ?? {});
    const { seal, previousSerial } = await rekeying.rekey(requireId(req.params.id, 'seal'), input);
    stateOf(req).log.warn({ sealId: seal.id, previousSerial, revokedPrevious: input.revokePrevious ?? null }, 'seal re-keyed');
    res.json(success([{ ...sealEntity(seal, uris), previousSerial }]));
  });

  router.get('/seals/:id/certificates', async (req, res) => {
    requireEngine(stateOf(req).principal);
    const certificates = await rekeying.certificates(requireId(req.params.id, 'seal'));
    res.json(success(certificates, certificates.length));
  });

  return router;
}
