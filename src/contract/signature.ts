// The Signature type exactly as the InfoPlus SignatureAPI names it (File fields + seals[]), plus
// extensions marked `x-extension`. The stored shape has its required fields; requests (S2, create)
// may send any part of it.
import { type Static, Type } from '@sinclair/typebox';
import { AnyObject, CLOSED, Const, EXTENSION, Enum, Text, Uuid } from './common.js';

export const SEAL_STATES = ['unsigned', 'pending', 'signed', 'refused', 'failed', 'expired', 'cancelled'] as const;
export type SealState = (typeof SEAL_STATES)[number];

const Names = Type.Array(Text(200), { maxItems: 200 });
const signerFields = { account: Text(200), name: Text(200) };
const permissionFields = { sealTypes: Names, sealIds: Names, signers: Names };

export const SealPermission = Type.Object(permissionFields, CLOSED);
export type SealPermission = Static<typeof SealPermission>;

const sealFields = {
  x: Type.Optional(Type.Number({ minimum: 0, maximum: 14400, description: 'Seal centre, PDF points from the left edge of the page.' })),
  y: Type.Optional(Type.Number({ minimum: 0, maximum: 14400, description: 'Seal centre, PDF points from the top edge of the page.' })),
  placeHolder: Text(200, { description: 'Text in the PDF on which the seal is centred.' }),
  signer: Type.Object(signerFields, CLOSED),
  permission: SealPermission,
  template: Text(2048, { description: 'Word template link for this seal.' }),
  image: Text(2048, { description: 'Seal image link.' }),
  description: Text(2000),
  algorithm: Text(200),
  signature: Text(2_000_000, { description: 'The seal signature (CMS, base64).' }),
  privateKey: Text(100_000, { description: "Despite the spec's name: the seal's public certificate (PEM). Private keys are refused." }),
  index: Type.Optional(Type.Integer({ minimum: 0, maximum: 199, ...EXTENSION, description: 'In S2: which seal this item updates.' })),
  page: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 100000, ...EXTENSION, description: '1-based page for x/y; default the last page.' }),
  ),
  keywordOrder: Type.Optional(Enum([0, 1, 2], { ...EXTENSION, description: '0 all, 1 first-to-last, 2 last-to-first (default 2).' })),
  keywordSeq: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, ...EXTENSION, description: '1-based match to use (default 1).' })),
  crossPage: Type.Optional(Type.Boolean({ ...EXTENSION, description: 'A cross-page seal (骑缝章) across the right edge of every page.' })),
  evidence: Type.Optional(
    Text(2048, { ...EXTENSION, description: "File uri of the provider's evidence for this seal (e.g. Zoho's completion certificate)." }),
  ),
  size: Type.Optional(Type.Number({ minimum: 10, maximum: 600, ...EXTENSION, description: 'Seal diameter/width in PDF points.' })),
  sealId: Type.Optional(Text(200, { ...EXTENSION, description: 'Id of the seal that was applied.' })),
  sealName: Type.Optional(Text(200, EXTENSION)),
  sealType: Type.Optional(Text(200, EXTENSION)),
  signedAt: Type.Optional(Type.String({ format: 'date-time', ...EXTENSION })),
  provider: Type.Optional(Text(100, { ...EXTENSION, description: 'Which provider applied the seal (local, esign, …).' })),
  comment: Type.Optional(Text(500, { ...EXTENSION, description: 'Approval comment drawn beside the seal, e.g. 同意.' })),
  state: Type.Optional(Enum(SEAL_STATES, EXTENSION)),
  stateReason: Type.Optional(Text(2000, EXTENSION)),
  fieldName: Type.Optional(Text(200, { ...EXTENSION, description: 'Name of the PDF signature field.' })),
  revision: Type.Optional(Text(200, { ...EXTENSION, description: 'File id of the PDF revision this seal produced.' })),
  signedBy: Type.Optional(
    Type.Object(signerFields, { ...CLOSED, ...EXTENSION, description: 'Who applied the seal (signer names who is designated to).' }),
  ),
};

/** One seal slot of a Signature, as stored and answered. */
export const Seal = Type.Object(sealFields, { ...CLOSED, title: 'Seal' });
export type Seal = Static<typeof Seal>;

/** A seal slot in a request: any of its fields, `signer` and `permission` partly too. */
export const SealInput = Type.Partial(
  Type.Object({ ...sealFields, signer: Type.Partial(Type.Object(signerFields, CLOSED)), permission: Type.Partial(SealPermission) }, CLOSED),
  { title: 'SealInput' },
);
export type SealInput = Static<typeof SealInput>;

export const Revision = Type.Object(
  {
    fileId: Uuid(),
    uri: Text(2048),
    createTime: Type.Integer({ minimum: 0 }),
    /** The seal whose signing produced this revision; absent for the original document. */
    sealIndex: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  CLOSED,
);
export type Revision = Static<typeof Revision>;

const signatureFields = {
  id: Uuid(),
  name: Text(255),
  size: Type.Integer({ minimum: 0 }),
  uri: Text(2048),
  mime: Const('application/pdf'),
  createTime: Type.Integer({ minimum: 0 }),
  seals: Type.Array(Seal, { maxItems: 200 }),
  fileId: Type.Optional(Uuid({ ...EXTENSION, description: 'File id of the current PDF revision.' })),
  template: Type.Optional(
    Text(2048, { ...EXTENSION, description: 'Word template the document is generated from (name in templates/ or file uri).' }),
  ),
  state: Type.Optional(Enum(['unsigned', 'signed'], { ...EXTENSION, description: 'Derived; ignored on input.' })),
  version: Type.Optional(
    Type.Integer({ minimum: 1, ...EXTENSION, description: 'Optimistic concurrency: an S2 naming a stale version is refused with 409.' }),
  ),
  updateTime: Type.Optional(Type.Integer({ minimum: 0, ...EXTENSION, description: 'Derived; ignored on input.' })),
  revisions: Type.Optional(Type.Array(Revision, { maxItems: 1000, ...EXTENSION, description: 'Derived; ignored on input.' })),
};

export const Signature = Type.Object(signatureFields, { ...CLOSED, title: 'Signature' });
export type Signature = Static<typeof Signature>;

/** S2 (`POST /signature/:id`): the whole Signature or only what changed. */
export const SignaturePatch = Type.Partial(Type.Object({ ...signatureFields, seals: Type.Array(SealInput, { maxItems: 200 }) }, CLOSED), {
  title: 'SignaturePatch',
});
export type SignaturePatch = Static<typeof SignaturePatch>;

export const CreateSignatureRequest = Type.Object(
  {
    name: Type.Optional(Text(255)),
    file: Type.Optional(Uuid({ description: 'Id of an uploaded PDF in the file store.' })),
    template: Type.Optional(Text(2048, { description: 'A template name in templates/, a file uri of a .docx, or an allow-listed URL.' })),
    data: Type.Optional(AnyObject({ description: 'Form data for the template.' })),
    generate: Type.Optional(
      Type.Boolean({ description: 'With template: false creates the Signature without a document (generated later from form data).' }),
    ),
    seals: Type.Optional(Type.Array(SealInput, { maxItems: 200 })),
    verificationMark: Type.Optional(
      Type.Union([Type.Boolean(), Type.Object({ shareable: Type.Optional(Type.Boolean()) }, CLOSED)], {
        description:
          'Draw a QR code, verification code and URL in the footer of the last page (true, or {shareable}: the public page may show the document).',
      }),
    ),
  },
  {
    ...CLOSED,
    title: 'CreateSignatureRequest',
    // Exactly one source: an uploaded PDF or a Word template.
    oneOf: [
      { type: 'object', properties: { file: true }, required: ['file'] },
      { type: 'object', properties: { template: true }, required: ['template'] },
    ],
  },
);
export type CreateSignatureRequest = Static<typeof CreateSignatureRequest>;
