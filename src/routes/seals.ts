import { Router } from 'express';
import { requireEngine } from '../http/auth/principal.js';
import { stateOf } from '../http/context.js';
import { success } from '../http/envelope.js';
import { requireId } from '../util/ids.js';
import { requireJsonBody } from '../http/middleware.js';
import type { FileUris } from '../store/file-uri.js';
import type { SealRecord } from '../store/seals.js';
import { validator } from '../validation/ajv.js';
import type { BuiltinAuthority } from '../seals/authority.js';
import { CreateSealRequest, type RegistrySeal } from '../contract/seal.js';
import type { SealRegistry } from '../seals/registry.js';

const validateCreateSeal = validator<CreateSealRequest>(CreateSealRequest);

const validateSealSettings = validator<{ ltv: boolean | null }>({
  type: 'object',
  additionalProperties: false,
  required: ['ltv'],
  properties: { ltv: { type: ['boolean', 'null'] } },
});

/** A seal as the API shows it: public data only, the image as a uri. */
export function sealEntity(seal: SealRecord, uris: FileUris): RegistrySeal {
  const { imageFileId, providerRef: _providerRef, ...rest } = seal;
  return { ...rest, image: uris.forFile(imageFileId) };
}

/** Engine-authenticated admin API of the seal registry, and the built-in CA's root for verifiers. */
export function sealRoutes(registry: SealRegistry, authority: BuiltinAuthority, uris: FileUris): Router {
  const router = Router();

  router.get('/seals', async (req, res) => {
    requireEngine(stateOf(req).principal);
    const seals = await registry.list();
    res.json(
      success(
        seals.map((seal) => sealEntity(seal, uris)),
        seals.length,
      ),
    );
  });

  router.get('/seals/:id', async (req, res) => {
    requireEngine(stateOf(req).principal);
    res.json(success([sealEntity(await registry.get(requireId(req.params.id, 'seal')), uris)]));
  });

  router.post('/seals', requireJsonBody, async (req, res) => {
    requireEngine(stateOf(req).principal);
    const input = validateCreateSeal(req.body);
    const seal = await registry.create(input);
    stateOf(req).log.info({ sealId: seal.id, name: seal.name, type: seal.type }, 'seal registered');
    res.json(success([sealEntity(seal, uris)]));
  });

  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    router.post(`/seals/:id/${action}`, async (req, res) => {
      requireEngine(stateOf(req).principal);
      const seal = await registry.setDisabled(requireId(req.params.id, 'seal'), disabled);
      res.json(success([sealEntity(seal, uris)]));
    });
  }

  // Seal settings: `ltv` true/false overrides the global LTV for this seal's stamps, null follows it.
  router.patch('/seals/:id', requireJsonBody, async (req, res) => {
    requireEngine(stateOf(req).principal);
    const input = validateSealSettings(req.body);
    const seal = await registry.setLtv(requireId(req.params.id, 'seal'), input.ltv);
    stateOf(req).log.info({ sealId: seal.id, ltv: seal.ltv }, 'seal settings changed');
    res.json(success([sealEntity(seal, uris)]));
  });

  router.get('/ca.pem', async (_req, res) => {
    res.type('application/x-pem-file').send(await authority.rootCertificatePem());
  });

  return router;
}
