// Request bodies of the REST API besides the Signature's and the seal registry's own.
import { type Static, Type } from '@sinclair/typebox';
import { AnyObject, CLOSED, Enum, UUID_PATTERN } from './common.js';

export const TICKET_SCOPES = ['read', 'stamp'] as const;

/** `POST /sign/:id/seals/:i`: apply a seal to the document the signer was shown. */
export const StampRequest = Type.Object(
  {
    ticket: Type.Optional(Type.String({ maxLength: 4096 })),
    version: Type.Optional(Type.Integer({ minimum: 0, description: "The Signature's version the signer was shown." })),
    sha256: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$', description: 'sha256 of the PDF the signer was shown.' })),
    sealId: Type.String({ pattern: UUID_PATTERN, description: 'The registry seal to apply.' }),
    comment: Type.Optional(Type.String({ maxLength: 200 })),
    mfa: Type.Optional(Type.String({ maxLength: 16, description: 'A one-time code when the seal requires one.' })),
  },
  { ...CLOSED, title: 'StampRequest' },
);
export type StampRequest = Static<typeof StampRequest>;

/** `POST /signature/:id/tickets`. */
export const TicketRequest = Type.Object(
  {
    account: Type.String({ minLength: 1, maxLength: 200 }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    scopes: Type.Optional(Type.Array(Enum(TICKET_SCOPES), { minItems: 1, maxItems: 2, uniqueItems: true })),
    seal: Type.Optional(Type.Integer({ minimum: 0, maximum: 999, description: 'The one seal index a stamp ticket may stamp.' })),
    ttl: Type.Optional(Type.Integer({ minimum: 30, maximum: 86_400, description: 'Seconds; at most TICKET_TTL.' })),
  },
  { ...CLOSED, title: 'TicketRequest' },
);
export type TicketRequest = Static<typeof TicketRequest>;

export const Ticket = Type.Object(
  {
    ticket: Type.String({ description: 'Send it in the X-InfoPlus-Ticket header.' }),
    jti: Type.String(),
    signatureId: Type.String(),
    account: Type.String(),
    scopes: Type.Array(Enum(TICKET_SCOPES)),
    seal: Type.Optional(Type.Integer({ minimum: 0 })),
    expiresAt: Type.String({ format: 'date-time' }),
  },
  { title: 'Ticket' },
);
export type Ticket = Static<typeof Ticket>;

/** `POST /export/pdf|docx` (ExportAPI). */
export const ExportRequest = Type.Object(
  { template: Type.String({ minLength: 1, maxLength: 2048 }), data: Type.Optional(AnyObject()), fields: Type.Optional(Type.Unknown()) },
  { ...CLOSED, title: 'ExportRequest' },
);
export type ExportRequest = Static<typeof ExportRequest>;

/** `POST /signature/:id/document`. */
export const GenerateDocumentRequest = Type.Object(
  {
    data: Type.Optional(AnyObject({ description: 'Form data; with a ticket only the fields the template schema declares.' })),
    ticket: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { ...CLOSED, title: 'GenerateDocumentRequest' },
);
export type GenerateDocumentRequest = Static<typeof GenerateDocumentRequest>;
