import { ajv, validator } from '../validation/ajv.js';

/**
 * The Signature type exactly as the InfoPlus SignatureAPI names it (File fields + seals[]), plus
 * extensions marked `x-extension`. One schema serves requests (S2, create) and tests.
 */
export type SealState = 'unsigned' | 'pending' | 'signed' | 'refused' | 'failed' | 'expired' | 'cancelled';
export const SEAL_STATES: SealState[] = ['unsigned', 'pending', 'signed', 'refused', 'failed', 'expired', 'cancelled'];

export interface SealPermission {
  sealTypes: string[];
  sealIds: string[];
  signers: string[];
}

export interface Seal {
  x?: number;
  y?: number;
  placeHolder: string;
  signer: { account: string; name: string };
  permission: SealPermission;
  template: string;
  image: string;
  description: string;
  algorithm: string;
  signature: string;
  /** Despite its name: the seal's public certificate (PEM). A private key is refused. */
  privateKey: string;
  // Extensions
  index?: number;
  page?: number;
  keywordOrder?: 0 | 1 | 2;
  keywordSeq?: number;
  crossPage?: boolean;
  evidence?: string;
  size?: number;
  sealId?: string;
  sealName?: string;
  sealType?: string;
  signedAt?: string;
  provider?: string;
  comment?: string;
  state?: SealState;
  stateReason?: string;
  fieldName?: string;
  revision?: string;
  signedBy?: { account: string; name: string };
}

export interface Revision {
  fileId: string;
  uri: string;
  createTime: number;
  /** The seal whose signing produced this revision; absent for the original document. */
  sealIndex?: number;
}

export interface Signature {
  id: string;
  name: string;
  size: number;
  uri: string;
  mime: 'application/pdf';
  createTime: number;
  seals: Seal[];
  // Extensions
  fileId?: string;
  /** The Word template the document is generated from (a name in templates/, or a file uri). */
  template?: string;
  state?: 'unsigned' | 'signed';
  version?: number;
  updateTime?: number;
  revisions?: Revision[];
}

const text = (maxLength: number) => ({ type: 'string', maxLength });
const names = { type: 'array', maxItems: 200, items: text(200) };
const uuid = { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' };

export const sealSchema = {
  $id: 'https://infoplus-signature/schemas/seal.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    x: { type: 'number', minimum: 0, maximum: 14400, description: 'Seal centre, PDF points from the left edge of the page.' },
    y: { type: 'number', minimum: 0, maximum: 14400, description: 'Seal centre, PDF points from the top edge of the page.' },
    placeHolder: { ...text(200), description: 'Text in the PDF on which the seal is centred.' },
    signer: {
      type: 'object',
      additionalProperties: false,
      properties: { account: text(200), name: text(200) },
    },
    permission: {
      type: 'object',
      additionalProperties: false,
      properties: { sealTypes: names, sealIds: names, signers: names },
    },
    template: { ...text(2048), description: 'Word template link for this seal.' },
    image: { ...text(2048), description: 'Seal image link.' },
    description: text(2000),
    algorithm: text(200),
    signature: { ...text(2_000_000), description: 'The seal signature (CMS, base64).' },
    privateKey: { ...text(100_000), description: "Despite the spec's name: the seal's public certificate (PEM). Private keys are refused." },
    index: { type: 'integer', minimum: 0, maximum: 199, 'x-extension': true, description: 'In S2: which seal this item updates.' },
    page: { type: 'integer', minimum: 1, maximum: 100000, 'x-extension': true, description: '1-based page for x/y; default the last page.' },
    keywordOrder: { enum: [0, 1, 2], 'x-extension': true, description: '0 all, 1 first-to-last, 2 last-to-first (default 2).' },
    keywordSeq: { type: 'integer', minimum: 1, maximum: 1000, 'x-extension': true, description: '1-based match to use (default 1).' },
    crossPage: { type: 'boolean', 'x-extension': true, description: 'A cross-page seal (骑缝章) across the right edge of every page.' },
    evidence: { ...text(2048), 'x-extension': true, description: "File uri of the provider's evidence for this seal (e.g. Zoho's completion certificate)." },
    size: { type: 'number', minimum: 10, maximum: 600, 'x-extension': true, description: 'Seal diameter/width in PDF points.' },
    sealId: { ...text(200), 'x-extension': true, description: 'Id of the seal that was applied.' },
    sealName: { ...text(200), 'x-extension': true },
    sealType: { ...text(200), 'x-extension': true },
    signedAt: { type: 'string', format: 'date-time', 'x-extension': true },
    provider: { ...text(100), 'x-extension': true, description: 'Which provider applied the seal (local, esign, …).' },
    comment: { ...text(500), 'x-extension': true, description: 'Approval comment drawn beside the seal, e.g. 同意.' },
    state: { enum: ['unsigned', 'pending', 'signed', 'refused', 'failed', 'expired', 'cancelled'], 'x-extension': true },
    stateReason: { ...text(2000), 'x-extension': true },
    fieldName: { ...text(200), 'x-extension': true, description: 'Name of the PDF signature field.' },
    revision: { ...text(200), 'x-extension': true, description: 'File id of the PDF revision this seal produced.' },
    signedBy: {
      type: 'object',
      additionalProperties: false,
      required: ['account'],
      properties: { account: text(200), name: text(200) },
      'x-extension': true,
      description: 'Who applied the seal (signer names who is designated to).',
    },
  },
} as const;

const revisionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['fileId', 'uri', 'createTime'],
  properties: { fileId: uuid, uri: text(2048), createTime: { type: 'integer', minimum: 0 }, sealIndex: { type: 'integer', minimum: 0 } },
};

/** Every field optional: S2 accepts the whole Signature or only what changed. */
export const signatureSchema = {
  $id: 'https://infoplus-signature/schemas/signature.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: uuid,
    name: text(255),
    size: { type: 'integer', minimum: 0 },
    uri: text(2048),
    mime: { const: 'application/pdf' },
    createTime: { type: 'integer', minimum: 0 },
    seals: { type: 'array', maxItems: 200, items: { $ref: 'seal.json' } },
    fileId: { ...uuid, 'x-extension': true, description: 'File id of the current PDF revision.' },
    template: { ...text(2048), 'x-extension': true, description: 'Word template the document is generated from (name in templates/ or file uri).' },
    state: { enum: ['unsigned', 'signed'], 'x-extension': true, description: 'Derived; ignored on input.' },
    version: { type: 'integer', minimum: 1, 'x-extension': true, description: 'Optimistic concurrency: an S2 naming a stale version is refused with 409.' },
    updateTime: { type: 'integer', minimum: 0, 'x-extension': true, description: 'Derived; ignored on input.' },
    revisions: { type: 'array', maxItems: 1000, items: revisionSchema, 'x-extension': true, description: 'Derived; ignored on input.' },
  },
} as const;

export const createSignatureSchema = {
  $id: 'https://infoplus-signature/schemas/create-signature.json',
  type: 'object',
  additionalProperties: false,
  // Exactly one source: an uploaded PDF or a Word template.
  oneOf: [
    { type: 'object', properties: { file: true }, required: ['file'] },
    { type: 'object', properties: { template: true }, required: ['template'] },
  ],
  properties: {
    name: text(255),
    file: { ...uuid, description: 'Id of an uploaded PDF in the file store.' },
    template: { ...text(2048), description: 'A template name in templates/, a file uri of a .docx, or an allow-listed URL.' },
    data: { type: 'object', description: 'Form data for the template.' },
    generate: { type: 'boolean', description: 'With template: false creates the Signature without a document (generated later from form data).' },
    seals: { type: 'array', maxItems: 200, items: { $ref: 'seal.json' } },
    verificationMark: {
      description: 'Draw a QR code, verification code and URL in the footer of the last page (true, or {shareable}: the public page may show the document).',
      anyOf: [{ type: 'boolean' }, { type: 'object', additionalProperties: false, properties: { shareable: { type: 'boolean' } } }],
    },
  },
} as const;

export type SignaturePatch = Partial<Omit<Signature, 'seals'>> & { seals?: Partial<Seal>[] };
export interface CreateSignatureRequest {
  name?: string;
  file?: string;
  template?: string;
  data?: Record<string, unknown>;
  generate?: boolean;
  seals?: Partial<Seal>[];
  verificationMark?: boolean | { shareable?: boolean };
}

ajv.addSchema(sealSchema);
export const validateSignaturePatch = validator<SignaturePatch>(signatureSchema);
export const validateCreateSignature = validator<CreateSignatureRequest>(createSignatureSchema);
