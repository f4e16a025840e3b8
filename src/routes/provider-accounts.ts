import { Router } from 'express';
import { requireEngine } from '../http/auth/principal.js';
import { stateOf } from '../http/context.js';
import { success } from '../http/envelope.js';
import { DomainError } from '../errors.js';
import type { ProviderAccountProfile, ProviderAccountRepository } from '../store/provider-flows.js';
import { validator } from '../validation/ajv.js';

const idType = { type: 'integer', minimum: 0, maximum: 99 };
const validateProfile = validator<ProviderAccountProfile>({
  type: 'object',
  additionalProperties: false,
  // Each provider needs different parts (e签宝: idNo and idType; Zoho and SpaceSign: email); its adapter says which are missing.
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    idNo: { type: 'string', minLength: 1, maxLength: 64 },
    idType,
    mobile: { type: 'string', pattern: '^\\+?[0-9]{6,20}$' },
    email: { type: 'string', format: 'email', maxLength: 200 },
    organization: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'idNo', 'idType'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 200 },
        idNo: { type: 'string', minLength: 1, maxLength: 64 },
        idType,
        legalName: { type: 'string', maxLength: 100 },
      },
    },
  },
});

const NAME = /^[a-z][a-z0-9-]{0,31}$/;
const ACCOUNT = /^[\w.@-]{1,200}$/;

/**
 * The provider-account directory (engine-authenticated): the identity a provider needs for one of
 * our accounts — `PUT /provider-accounts/:provider/:account {name, idNo, idType, mobile?, email?,
 * organization?}`. Identity numbers are personal data: they are only shown to the engine, masked.
 */
export function providerAccountRoutes(accounts: ProviderAccountRepository, providerNames: () => string[]): Router {
  const router = Router();
  const params = (provider: unknown, account: unknown) => {
    const p = String(provider);
    const a = String(account);
    if (!NAME.test(p) || !providerNames().includes(p))
      throw new DomainError('PROVIDER_NOT_FOUND', `No configured provider "${p.slice(0, 40)}".`);
    if (!ACCOUNT.test(a)) throw new DomainError('INVALID_ACCOUNT', 'The account is not a valid account name.');
    return { provider: p, account: a };
  };
  const view = (entry: NonNullable<Awaited<ReturnType<ProviderAccountRepository['get']>>>) => ({
    provider: entry.provider,
    account: entry.account,
    name: entry.profile.name,
    idType: entry.profile.idType,
    ...(entry.profile.idNo ? { idNo: mask(entry.profile.idNo) } : {}),
    ...(entry.profile.organization ? { organization: { ...entry.profile.organization, idNo: mask(entry.profile.organization.idNo) } } : {}),
    linked: Boolean(entry.externalId),
    updateTime: entry.updateTime,
  });

  router.put('/provider-accounts/:provider/:account', async (req, res) => {
    requireEngine(stateOf(req).principal);
    const { provider, account } = params(req.params.provider, req.params.account);
    const profile = validateProfile(req.body);
    res.json(success([view(await accounts.put(provider, account, profile))]));
  });

  router.get('/provider-accounts/:provider/:account', async (req, res) => {
    requireEngine(stateOf(req).principal);
    const { provider, account } = params(req.params.provider, req.params.account);
    const entry = await accounts.get(provider, account);
    if (!entry) throw new DomainError('PROVIDER_ACCOUNT_NOT_FOUND', `No ${provider} identity registered for ${account}.`);
    res.json(success([view(entry)]));
  });

  return router;
}

function mask(idNo: string): string {
  return idNo.length <= 4 ? '****' : `${idNo.slice(0, 2)}${'*'.repeat(idNo.length - 4)}${idNo.slice(-2)}`;
}
