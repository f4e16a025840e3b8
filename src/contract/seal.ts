// A seal of the registry (`/seals`): who owns and holds it, its image and certificate. Not to be
// confused with a seal slot of a Signature (signature.ts).
import { type Static, Type } from '@sinclair/typebox';
import { CLOSED, Enum, Nullable, Uuid } from './common.js';

export const OWNER_KINDS = ['organization', 'person'] as const;
export const KEY_ALGORITHMS = ['ECDSA-P256', 'RSA-2048'] as const;

const Accounts = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 1000 });

export const CreateSealRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    type: Type.String({
      minLength: 1,
      maxLength: 50,
      description: '公章, 合同专用章, 财务专用章, 个人签名, 手写, … — matched by permission.sealTypes.',
    }),
    owner: Type.String({ minLength: 1, maxLength: 100 }),
    ownerKind: Type.Optional(Enum(OWNER_KINDS)),
    holders: Accounts,
    image: Type.Optional(Uuid({ description: 'File id of a PNG, JPEG or SVG image; generated when absent.' })),
    p12: Type.Optional(
      Uuid({ description: "File id of a PKCS#12 bundle with the seal's key and certificate; issued by the built-in CA when absent." }),
    ),
    passphrase: Type.Optional(Type.String({ maxLength: 1000 })),
    keyAlgorithm: Type.Optional(
      Enum(KEY_ALGORITHMS, { description: 'Key type when the built-in CA issues the certificate (default ECDSA P-256).' }),
    ),
    providerOptions: Type.Optional(
      Type.Object(
        { autoSign: Type.Optional(Type.Boolean()), address: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
        {
          ...CLOSED,
          description: 'Provider-specific settings: `autoSign` (e签宝: apply this organisation seal silently), `address` (xuper identity).',
        },
      ),
    ),
    provider: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' })),
    ltv: Type.Optional(
      Type.Boolean({ description: "PAdES B-LTA for this seal's stamps (needs TSA_URL); absent: the global LTV setting." }),
    ),
  },
  { ...CLOSED, title: 'CreateSealRequest' },
);
export type CreateSealRequest = Static<typeof CreateSealRequest>;

/** A registered seal as the API shows it: public data only, the image as a uri, never a key. */
export const RegistrySeal = Type.Object(
  {
    id: Uuid(),
    name: Type.String(),
    type: Type.String(),
    ownerKind: Enum(OWNER_KINDS),
    owner: Type.String(),
    holders: Type.Array(Type.String()),
    image: Type.String({ description: 'File uri of the seal image.' }),
    provider: Type.String(),
    certificatePem: Nullable(Type.String()),
    chainPem: Type.Array(Type.String()),
    keyAlgorithm: Nullable(Type.String()),
    disabled: Type.Boolean(),
    ltv: Nullable(Type.Boolean({ description: "B-LTA for this seal's stamps; null follows the global LTV setting." })),
    createTime: Type.Integer({ minimum: 0 }),
  },
  { ...CLOSED, title: 'RegistrySeal' },
);
export type RegistrySeal = Static<typeof RegistrySeal>;
