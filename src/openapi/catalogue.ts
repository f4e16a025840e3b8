// Every REST route with its callers, body, answer and the ecodes it can answer. A test holds this
// list equal to the routes the express app really registers; the OpenAPI document is built from it.
import { type TSchema, Type } from '@sinclair/typebox';
import {
  CreateSealRequest,
  CreateSignatureRequest,
  ExportRequest,
  FileInfo,
  GenerateDocumentRequest,
  RegistrySeal,
  Signature,
  SignaturePatch,
  SignatureVerification,
  StampRequest,
  Ticket,
  TicketRequest,
  VerifyReport,
} from '../contract/index.js';

/** engine: Bearer key or InfoPlus Digest; ticket: X-InfoPlus-Ticket (or the signing page's cookie); provider: the callback's own check. */
export type Caller = 'engine' | 'ticket' | 'oauth' | 'provider' | 'anyone';

export type Body =
  | { json: TSchema }
  | { multipart: Record<string, string>; required: string[] }
  | { form: TSchema }
  | { bytes: string };

export type Answer =
  /** The InfoPlus envelope with these entities. */
  | { entities: TSchema }
  /** JSON outside the envelope (OAuth, ExportAPI's file list). */
  | { json: TSchema }
  /** Bytes of these media types (HTML pages, PDFs, images, DER). */
  | { media: string[] };

export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** As registered on the express router (`:param`, `{/:optional}`). */
  path: string;
  tag: string;
  summary: string;
  callers: Caller[];
  body?: Body;
  answer: Answer;
  /** Besides those every caller kind and JSON body can meet (added by the document builder). */
  ecodes: string[];
  /** Query parameters the route reads. */
  query?: string[];
  /** Served over a WebSocket upgrade, not by the express router. */
  websocket?: boolean;
}

const entity = (description: string) => Type.Object({}, { additionalProperties: true, description });
const media = (...types: string[]): Answer => ({ media: types });
const PDF = 'application/pdf';
const HTML = 'text/html';
const ID = ['INVALID_ID'];

export const ROUTES: RouteDoc[] = [
  // Files (FileAPI)
  {
    method: 'put', path: '/file', tag: 'files', summary: 'Upload a file (PDF, DOCX, PNG, JPEG, SVG, PKCS#12), judged by its bytes.', callers: ['engine'],
    body: { multipart: { file: 'The file.', name: 'Its name (default: the part filename).', signature: 'The Signature the file is uploaded for (tags it).' }, required: ['file'] },
    answer: { entities: FileInfo }, ecodes: ['UNSUPPORTED_FILE_TYPE', 'FILE_TOO_LARGE', 'FILE_MISSING', 'INVALID_ID'],
  },
  { method: 'get', path: '/file/:id', tag: 'files', summary: 'The bytes (ETag sha256, If-None-Match → 304).', callers: ['engine', 'ticket'], answer: media('application/octet-stream'), ecodes: [...ID, 'FILE_NOT_FOUND', 'PRIVATE_KEY_FILE'] },
  { method: 'get', path: '/file/:id/meta', tag: 'files', summary: 'The File.', callers: ['engine', 'ticket'], answer: { entities: FileInfo }, ecodes: [...ID, 'FILE_NOT_FOUND'] },
  { method: 'delete', path: '/file/:id', tag: 'files', summary: 'Delete a file no Signature references.', callers: ['engine'], answer: { entities: entity('{id, deleted: true}') }, ecodes: [...ID, 'FILE_NOT_FOUND', 'FILE_IN_USE'] },

  // Signatures (SignatureAPI S1/S2)
  {
    method: 'post', path: '/signature', tag: 'signatures', summary: 'Create a Signature from an uploaded PDF or a Word template.', callers: ['engine'],
    body: { json: CreateSignatureRequest }, answer: { entities: Signature },
    ecodes: ['FILE_NOT_FOUND', 'NOT_A_PDF', 'PRIVATE_KEY_REFUSED', 'EXPORT_UNAVAILABLE', 'TEMPLATE_NOT_FOUND', 'TEMPLATE_DATA_INVALID', 'TEMPLATE_ERROR', 'CONVERT_QUEUE_FULL', 'CONVERT_TIMEOUT', 'CONVERT_FAILED'],
  },
  { method: 'get', path: '/signature/:id', tag: 'signatures', summary: 'S1: read a Signature.', callers: ['engine', 'ticket'], answer: { entities: Signature }, ecodes: [...ID, 'SIGNATURE_NOT_FOUND'] },
  {
    method: 'post', path: '/signature/:id', tag: 'signatures', summary: 'S2: store a Signature, whole or partial (seals with `index` update only those).', callers: ['engine'],
    body: { json: SignaturePatch }, answer: { entities: Signature },
    ecodes: [...ID, 'SIGNATURE_NOT_FOUND', 'VERSION_CONFLICT', 'ID_MISMATCH', 'MIXED_SEAL_UPDATE', 'PRIVATE_KEY_REFUSED'],
  },
  {
    method: 'post', path: '/signature/:id/tickets', tag: 'signatures', summary: 'Issue an end-user ticket for this Signature.', callers: ['engine'],
    body: { json: TicketRequest }, answer: { entities: Ticket }, ecodes: [...ID, 'SIGNATURE_NOT_FOUND'],
  },
  { method: 'delete', path: '/signature/:id/tickets/:jti', tag: 'signatures', summary: 'Revoke a ticket (HTTP and live push).', callers: ['engine'], answer: { entities: entity('{jti, signatureId, revoked: true}') }, ecodes: [...ID, 'REVOCATION_UNAVAILABLE'] },
  {
    method: 'post', path: '/signature/:id/document', tag: 'signatures', summary: "(Re)generate the Signature's document from form data.", callers: ['engine', 'ticket'],
    body: { json: GenerateDocumentRequest }, answer: { entities: Signature },
    ecodes: [...ID, 'SIGNATURE_NOT_FOUND', 'NO_TEMPLATE', 'DOCUMENT_LOCKED', 'DOCUMENT_CHANGED', 'TEMPLATE_DATA_ENGINE_ONLY', 'TEMPLATE_DATA_INVALID', 'IMAGE_NOT_FOR_SIGNATURE', 'CONVERSIONS_PER_TICKET', 'CONVERT_QUEUE_FULL', 'CONVERT_TIMEOUT', 'CONVERT_FAILED'],
  },
  {
    method: 'get', path: '/signature/:id/events', tag: 'signatures', summary: 'Live push (WebSocket): `{type:"signature", signature}` on connect and after every change, `{type:"progress", stage}` while a document is generated.',
    callers: ['engine', 'ticket'], query: ['ticket'], answer: media('application/json'), ecodes: ['TICKET_SCOPE'], websocket: true,
  },
  { method: 'get', path: '/signature/:id/verify', tag: 'verification', summary: "Verification report of the Signature's current PDF, matched against its seals.", callers: ['engine', 'ticket'], answer: { entities: SignatureVerification }, ecodes: [...ID, 'SIGNATURE_NOT_FOUND', 'DOCUMENT_NOT_READY', 'PDF_UNREADABLE', 'PDF_LIMIT_EXCEEDED', 'VERIFY_TIMEOUT', 'VERIFY_QUEUE_FULL'] },
  { method: 'get', path: '/signature/:id/audit', tag: 'proof', summary: 'The audit trail: {intact, entries, breaks, head}.', callers: ['engine'], answer: { entities: entity('{intact, entries:[{seq, time, type, actor, data, prevHash, hash}], breaks:[{seq, reason}], head}') }, ecodes: [...ID, 'SIGNATURE_NOT_FOUND'] },
  { method: 'get', path: '/signature/:id/audit/evidence.pdf', tag: 'proof', summary: 'The evidence report PDF, signed by the service.', callers: ['engine'], answer: media(PDF), ecodes: [...ID, 'SIGNATURE_NOT_FOUND'] },
  { method: 'get', path: '/signature/:id/verification-codes', tag: 'proof', summary: "The Signature's verification codes.", callers: ['engine'], answer: { entities: entity('{code, display, url, shareable, createTime, withdrawnTime}') }, ecodes: [...ID, 'SIGNATURE_NOT_FOUND'] },
  { method: 'post', path: '/signature/:id/verification-codes', tag: 'proof', summary: 'Register a verification code.', callers: ['engine'], body: { json: Type.Object({ shareable: Type.Optional(Type.Boolean()) }) }, answer: { entities: entity('{code, display, url, shareable, createTime, withdrawnTime}') }, ecodes: [...ID, 'SIGNATURE_NOT_FOUND'] },
  { method: 'post', path: '/signature/:id/verification-codes/share', tag: 'proof', summary: "Mark the Signature's codes shareable or not.", callers: ['engine'], body: { json: Type.Object({ shareable: Type.Boolean() }) }, answer: { entities: entity('{code, display, url, shareable, createTime, withdrawnTime}') }, ecodes: [...ID, 'SIGNATURE_NOT_FOUND'] },
  { method: 'delete', path: '/signature/:id/verification-codes{/:code}', tag: 'proof', summary: 'Withdraw one verification code, or all of the Signature.', callers: ['engine'], answer: { entities: entity('{withdrawn}') }, ecodes: [...ID, 'SIGNATURE_NOT_FOUND', 'CODE_NOT_FOUND'] },

  // ExportAPI and templates
  {
    method: 'post', path: '/export/:format', tag: 'export', summary: 'ExportAPI: fill a template, answer the PDF or DOCX (with Accept: application/json the stored files).', callers: ['engine'],
    body: { json: ExportRequest }, query: ['template', 'data'],
    answer: media(PDF, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/json'),
    ecodes: ['UNSUPPORTED_FORMAT', 'MALFORMED_JSON', 'TEMPLATE_NOT_FOUND', 'TEMPLATE_ORIGIN_NOT_ALLOWED', 'TEMPLATE_DATA_INVALID', 'TEMPLATE_ERROR', 'TEMPLATE_RAW_XML_REFUSED', 'NOT_DOCX', 'ZIP_TOO_LARGE', 'CONVERT_QUEUE_FULL', 'CONVERT_TIMEOUT', 'CONVERT_FAILED'],
  },
  { method: 'get', path: '/templates', tag: 'export', summary: 'The template catalogue.', callers: ['engine'], answer: { entities: entity('{name, schema?, seals?, …}') }, ecodes: [] },
  { method: 'get', path: '/templates/:name', tag: 'export', summary: "One template's .docx.", callers: ['engine'], answer: media('application/vnd.openxmlformats-officedocument.wordprocessingml.document'), ecodes: ['TEMPLATE_NOT_FOUND'] },
  {
    method: 'put', path: '/templates/:name', tag: 'export', summary: 'Store a template after checks.', callers: ['engine'],
    body: { multipart: { file: 'The .docx.', schema: 'JSON Schema of its data.' }, required: ['file'] }, answer: { entities: entity('{name, …}') },
    ecodes: ['NOT_DOCX', 'ZIP_TOO_LARGE', 'TEMPLATE_ERROR', 'FILE_TOO_LARGE'],
  },

  // Seal registry and the built-in CA
  { method: 'get', path: '/seals', tag: 'seals', summary: 'The seal registry (public data only).', callers: ['engine'], answer: { entities: RegistrySeal }, ecodes: [] },
  { method: 'get', path: '/seals/:id', tag: 'seals', summary: 'One registered seal.', callers: ['engine'], answer: { entities: RegistrySeal }, ecodes: [...ID, 'SEAL_NOT_FOUND'] },
  {
    method: 'post', path: '/seals', tag: 'seals', summary: 'Register a seal; without p12 the built-in CA issues its key and certificate.', callers: ['engine'],
    body: { json: CreateSealRequest }, answer: { entities: RegistrySeal },
    ecodes: ['FILE_NOT_FOUND', 'NOT_PKCS12', 'NOT_AN_IMAGE', 'P12_BAD_PASSPHRASE', 'P12_NO_KEY', 'P12_NO_CERTIFICATE', 'P12_UNREADABLE', 'PROVIDER_UNAVAILABLE'],
  },
  {
    method: 'patch', path: '/seals/:id', tag: 'seals', summary: "Seal settings: `ltv` true/false overrides the global LTV for this seal's stamps, null follows it.", callers: ['engine'],
    body: { json: Type.Object({ ltv: Type.Union([Type.Boolean(), Type.Null()]) }, { additionalProperties: false }) }, answer: { entities: RegistrySeal }, ecodes: [...ID, 'SEAL_NOT_FOUND', 'LTV_NEEDS_TSA'],
  },
  {
    method: 'post', path: '/seals/:id/rekey', tag: 'seals', summary: 'Issue the seal a new key and certificate (built-in CA); the old certificate stays in its history (optionally revoked).', callers: ['engine'],
    body: { json: Type.Object({ keyAlgorithm: Type.Optional(Type.Union([Type.Literal('ECDSA-P256'), Type.Literal('RSA-2048')])), revokePrevious: Type.Optional(Type.Boolean()) }, { additionalProperties: false }) },
    answer: { entities: entity('The seal, with previousSerial') }, ecodes: [...ID, 'SEAL_NOT_FOUND', 'SEAL_HAS_NO_CERTIFICATE', 'REKEY_NOT_BUILTIN', 'SEAL_REKEY_CONFLICT'],
  },
  { method: 'get', path: '/seals/:id/certificates', tag: 'seals', summary: "The seal's certificates, current and retired, with their revocation state.", callers: ['engine'], answer: { entities: entity('{serial, certificatePem, current, retiredAt, revoked}') }, ecodes: [...ID, 'SEAL_NOT_FOUND'] },
  { method: 'post', path: '/seals/:id/disable', tag: 'seals', summary: 'A disabled seal cannot be applied.', callers: ['engine'], answer: { entities: RegistrySeal }, ecodes: [...ID, 'SEAL_NOT_FOUND'] },
  { method: 'post', path: '/seals/:id/enable', tag: 'seals', summary: 'Enable a disabled seal.', callers: ['engine'], answer: { entities: RegistrySeal }, ecodes: [...ID, 'SEAL_NOT_FOUND'] },
  {
    method: 'post', path: '/seals/:id/revoke', tag: 'seals', summary: "Revoke the seal's certificate (built-in CA only) and disable the seal.", callers: ['engine'],
    body: { json: Type.Object({ reason: Type.String({ description: 'unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn' }), at: Type.Optional(Type.String({ format: 'date-time' })) }) },
    answer: { entities: RegistrySeal }, ecodes: [...ID, 'SEAL_NOT_FOUND', 'ALREADY_REVOKED', 'CERT_NOT_ISSUED_HERE', 'SEAL_HAS_NO_CERTIFICATE'],
  },
  { method: 'get', path: '/ca.pem', tag: 'seals', summary: "The built-in CA's root certificate.", callers: ['anyone'], answer: media('application/x-pem-file'), ecodes: [] },
  { method: 'get', path: '/ca/crl', tag: 'seals', summary: "The built-in CA's CRL (DER).", callers: ['anyone'], answer: media('application/pkix-crl'), ecodes: [] },
  { method: 'post', path: '/ca/ocsp', tag: 'seals', summary: 'OCSP responder (RFC 6960).', callers: ['anyone'], body: { bytes: 'application/ocsp-request' }, answer: media('application/ocsp-response'), ecodes: ['OCSP_REQUEST_INVALID', 'UNSUPPORTED_MEDIA_TYPE'] },
  { method: 'get', path: '/ca/ocsp/:request', tag: 'seals', summary: 'OCSP responder, GET form (base64 DER request).', callers: ['anyone'], answer: media('application/ocsp-response'), ecodes: ['OCSP_REQUEST_INVALID'] },

  // Signing (end users)
  { method: 'get', path: '/sign/assets/:name', tag: 'signing', summary: "The signing page's script and style.", callers: ['anyone'], answer: media('text/javascript', 'text/css'), ecodes: ['NOT_FOUND'] },
  {
    method: 'get', path: '/sign/:id', tag: 'signing', summary: 'The signing page; exchanges a `?ticket=` for a cookie.', callers: ['ticket'], query: ['seal', 'ticket', 'lang', 'return', 'origin'],
    answer: media(HTML), ecodes: [...ID, 'SIGNATURE_NOT_FOUND', 'INVALID_SEAL_INDEX', 'DOCUMENT_NOT_READY'],
  },
  { method: 'get', path: '/sign/:id/preview', tag: 'signing', summary: 'A PNG preview of a page of one revision.', callers: ['ticket'], query: ['rev', 'page'], answer: media('image/png'), ecodes: [...ID, 'REVISION_NOT_FOUND', 'DOCUMENT_NOT_READY', 'PREVIEW_BUSY'] },
  { method: 'get', path: '/sign/:id/seal-images/:sealId', tag: 'signing', summary: 'The image of a seal this user holds.', callers: ['ticket'], answer: media('image/png', 'image/jpeg', 'image/svg+xml'), ecodes: [...ID, 'SEAL_NOT_FOUND', 'NOT_SEAL_HOLDER'] },
  { method: 'get', path: '/sign/:id/return', tag: 'signing', summary: "Where a provider sends the signer back: the flow's state.", callers: ['anyone'], query: ['flow', 'lang'], answer: media(HTML), ecodes: ['FLOW_NOT_FOUND'] },
  {
    method: 'post', path: '/sign/:id/seals/:index', tag: 'signing', summary: 'Apply seal `index` to the document the signer was shown (a provider flow answers a second entity {signUrl}).', callers: ['ticket'],
    body: { json: StampRequest }, answer: { entities: Signature },
    ecodes: [...ID, 'SIGNATURE_NOT_FOUND', 'INVALID_SEAL_INDEX', 'SEAL_NOT_FOUND', 'DOCUMENT_NOT_READY', 'DOCUMENT_CHANGED', 'SEAL_ALREADY_SIGNED', 'SIGNER_NOT_ALLOWED', 'SIGNER_MISMATCH', 'SEAL_ID_NOT_ALLOWED', 'SEAL_TYPE_NOT_ALLOWED', 'NOT_SEAL_HOLDER', 'SEAL_DISABLED', 'FLOW_IN_PROGRESS', 'PROVIDER_UNAVAILABLE', 'PROVIDER_CANNOT_ENFORCE', 'PROVIDER_CANNOT_PLACE', 'PROVIDER_CANNOT_COMMENT', 'PLACEHOLDER_NOT_FOUND', 'PAGE_OUT_OF_RANGE', 'PDF_UNREADABLE', 'TSA_FAILED', 'MFA_REQUIRED', 'MFA_INVALID', 'MFA_RATE_LIMITED'],
  },
  { method: 'post', path: '/sign/:id/seals/:index/remind', tag: 'signing', summary: 'Ask the provider to remind the signer of an open flow.', callers: ['ticket'], answer: { entities: entity('{reminded: true}') }, ecodes: [...ID, 'INVALID_SEAL_INDEX', 'NO_OPEN_FLOW', 'PROVIDER_CANNOT_REMIND', 'PROVIDER_UNAVAILABLE'] },
  {
    method: 'delete', path: '/sign/:id/seals/:index', tag: 'signing', summary: 'Remove the most recently applied seal, or cancel its open provider flow.', callers: ['ticket'], answer: { entities: Signature },
    ecodes: [...ID, 'INVALID_SEAL_INDEX', 'SEAL_NOT_SIGNED', 'NOT_SEAL_APPLIER', 'NOT_MOST_RECENT_SEAL', 'VERSION_CONFLICT'],
  },

  // Batch stamping (批量盖章)
  {
    method: 'post', path: '/batches', tag: 'batches', summary: 'Issue a batch: one account, a list of {signatureId, sealIndex}; answers the batch, its ticket and its page.', callers: ['engine'],
    body: { json: Type.Object({ account: Type.String(), name: Type.Optional(Type.String()), items: Type.Array(Type.Object({ signatureId: Type.String(), sealIndex: Type.Integer({ minimum: 0 }) })) }) },
    answer: { entities: entity('{batch, ticket, url}') }, ecodes: ['BATCH_TOO_LARGE'],
  },
  { method: 'get', path: '/batches/:id', tag: 'batches', summary: "The batch and each item's outcome.", callers: ['engine'], answer: { entities: entity('The batch with its items') }, ecodes: [...ID, 'BATCH_NOT_FOUND'] },
  { method: 'get', path: '/sign-batch/assets/:name', tag: 'batches', summary: "The batch page's script and style.", callers: ['anyone'], answer: media('text/javascript', 'text/css'), ecodes: ['NOT_FOUND'] },
  { method: 'get', path: '/sign-batch/:id', tag: 'batches', summary: 'The batch signing page (zh-CN/en); exchanges a `?ticket=` for a cookie.', callers: ['ticket'], query: ['ticket', 'lang'], answer: media(HTML), ecodes: [...ID, 'BATCH_NOT_FOUND', 'TICKET_SCOPE'] },
  { method: 'get', path: '/sign-batch/:id/state', tag: 'batches', summary: 'The batch as its page shows it: items, offered seals, slots no seal can satisfy.', callers: ['ticket'], answer: { entities: entity('The batch state') }, ecodes: [...ID, 'BATCH_NOT_FOUND', 'TICKET_SCOPE'] },
  {
    method: 'post', path: '/sign-batch/:id/start', tag: 'batches', summary: 'Confirm once: stamp every item with one seal (and an optional comment); progress over ws.', callers: ['ticket'],
    body: { json: Type.Object({ sealId: Type.String(), comment: Type.Optional(Type.String()), mfa: Type.Optional(Type.String()) }) },
    answer: { entities: entity('The started batch') }, ecodes: [...ID, 'BATCH_NOT_FOUND', 'TICKET_SCOPE', 'BATCH_ALREADY_STARTED', 'BATCH_EXPIRED', 'BATCH_SEAL_NOT_OFFERED', 'BATCH_PROVIDER_NOT_BATCHABLE', 'MFA_REQUIRED', 'MFA_INVALID'],
  },
  { method: 'get', path: '/sign-batch/:id/items/:position/preview', tag: 'batches', summary: "A PNG preview of an item's document.", callers: ['ticket'], query: ['page'], answer: media('image/png'), ecodes: [...ID, 'BATCH_NOT_FOUND', 'BATCH_ITEM_NOT_FOUND', 'PREVIEW_BUSY'] },
  { method: 'get', path: '/sign-batch/:id/seal-images/:sealId', tag: 'batches', summary: 'The image of a seal offered for the batch.', callers: ['ticket'], answer: media('image/png', 'image/jpeg', 'image/svg+xml'), ecodes: [...ID, 'SEAL_NOT_FOUND', 'NOT_SEAL_HOLDER'] },

  // Verification for anyone
  { method: 'post', path: '/verify', tag: 'verification', summary: 'Verify any PDF.', callers: ['anyone'], body: { bytes: PDF }, answer: { entities: VerifyReport }, ecodes: ['FILE_EMPTY', 'FILE_TOO_LARGE', 'PDF_UNREADABLE', 'PDF_LIMIT_EXCEEDED', 'VERIFY_TIMEOUT', 'VERIFY_QUEUE_FULL'] },
  { method: 'get', path: '/verify', tag: 'verification', summary: 'The public verification page.', callers: ['anyone'], query: ['lang'], answer: media(HTML), ecodes: [] },
  { method: 'get', path: '/verify/assets/verify-page.css', tag: 'verification', summary: "The verification page's style.", callers: ['anyone'], answer: media('text/css'), ecodes: [] },
  {
    method: 'post', path: '/verify/report.pdf', tag: 'verification', summary: 'A report the page computed, as an (unsigned) PDF.', callers: ['anyone'],
    body: { json: Type.Object({ report: VerifyReport, fileName: Type.Optional(Type.String({ maxLength: 255 })), sha256: Type.Optional(Type.String()), lang: Type.Optional(Type.String({ enum: ['zh-CN', 'en'] })) }) },
    answer: media(PDF), ecodes: [],
  },
  { method: 'get', path: '/v/:code', tag: 'verification', summary: 'The page of a printed verification code.', callers: ['anyone'], query: ['lang'], answer: media(HTML), ecodes: ['CODE_NOT_FOUND', 'RATE_LIMITED'] },
  { method: 'get', path: '/v/:code/document.pdf', tag: 'verification', summary: 'The registered document, when shareable.', callers: ['anyone'], answer: media(PDF), ecodes: ['CODE_NOT_FOUND', 'RATE_LIMITED'] },

  // Outgoing webhooks
  {
    method: 'post', path: '/webhooks', tag: 'webhooks', summary: 'Subscribe; the answer shows the secret once.', callers: ['engine'],
    body: { json: Type.Object({ url: Type.String({ maxLength: 2048 }), events: Type.Array(Type.String(), { minItems: 1 }), digest: Type.Optional(Type.Boolean()) }) },
    answer: { entities: entity('{id, url, events, digest, secret, createTime}') }, ecodes: ['WEBHOOK_URL_NOT_ALLOWED'],
  },
  { method: 'get', path: '/webhooks', tag: 'webhooks', summary: 'Subscriptions (never their secrets).', callers: ['engine'], answer: { entities: entity('{id, url, events, digest, createTime}') }, ecodes: [] },
  { method: 'delete', path: '/webhooks/:id', tag: 'webhooks', summary: 'Unsubscribe.', callers: ['engine'], answer: { entities: entity('{id, deleted: true}') }, ecodes: [...ID, 'WEBHOOK_NOT_FOUND'] },
  { method: 'get', path: '/webhooks/:id/deliveries', tag: 'webhooks', summary: 'The delivery log.', callers: ['engine'], query: ['limit'], answer: { entities: entity('{id, event, state, attempts:[{time, status, error, durationMs}]}') }, ecodes: [...ID, 'WEBHOOK_NOT_FOUND'] },
  { method: 'post', path: '/webhooks/deliveries/:id/redeliver', tag: 'webhooks', summary: 'Send a delivery again (same event id).', callers: ['engine'], answer: { entities: entity('the delivery') }, ecodes: [...ID, 'DELIVERY_NOT_FOUND'] },

  // Providers
  {
    method: 'put', path: '/provider-accounts/:provider/:account', tag: 'providers', summary: 'The identity a provider needs for one of our accounts.', callers: ['engine'],
    body: { json: entity('{name, idNo?, idType?, mobile?, email?, organization?: {name, idNo, idType, legalName?}}') }, answer: { entities: entity('the profile, identity numbers masked') },
    ecodes: ['PROVIDER_NOT_FOUND', 'INVALID_ACCOUNT'],
  },
  { method: 'get', path: '/provider-accounts/:provider/:account', tag: 'providers', summary: 'The identity, numbers masked.', callers: ['engine'], answer: { entities: entity('the profile, identity numbers masked') }, ecodes: ['PROVIDER_NOT_FOUND', 'INVALID_ACCOUNT', 'PROVIDER_ACCOUNT_NOT_FOUND'] },
  { method: 'post', path: '/callbacks/esign', tag: 'providers', summary: 'e签宝 callbacks (HMAC-checked).', callers: ['provider'], body: { bytes: 'application/json' }, answer: { entities: entity('{received: true, duplicate}') }, ecodes: ['CALLBACK_SIGNATURE_INVALID'] },
  { method: 'post', path: '/callbacks/zoho/:token', tag: 'providers', summary: 'Zoho Sign webhooks (the path token is the credential).', callers: ['provider'], body: { json: entity('Zoho webhook') }, answer: { entities: entity('{received: true, duplicate}') }, ecodes: ['NOT_FOUND'] },
  { method: 'post', path: '/callbacks/spacesign', tag: 'providers', summary: 'SpaceSign webhooks (X-SpaceSign-Signature).', callers: ['provider'], body: { json: entity('SpaceSign webhook') }, answer: { entities: entity('{received: true, duplicate}') }, ecodes: ['CALLBACK_SIGNATURE_INVALID'] },

  // SignatureAPI v2 (GraphQL) and OAuth2
  { method: 'post', path: '/oauth/token', tag: 'graphql', summary: 'OAuth2 client credentials → access token (RFC 6749 errors).', callers: ['anyone'], body: { form: Type.Object({ grant_type: Type.Literal('client_credentials'), client_id: Type.Optional(Type.String()), client_secret: Type.Optional(Type.String()), scope: Type.Optional(Type.String()) }) }, answer: { json: Type.Object({ access_token: Type.String(), token_type: Type.Literal('Bearer'), expires_in: Type.Integer(), scope: Type.String() }) }, ecodes: [] },
  { method: 'get', path: '/graphql', tag: 'graphql', summary: 'SignatureAPI v2 (GraphQL) queries.', callers: ['oauth', 'engine', 'ticket'], query: ['query', 'variables', 'operationName'], answer: { json: entity('GraphQL response') }, ecodes: [] },
  { method: 'post', path: '/graphql', tag: 'graphql', summary: 'SignatureAPI v2 (GraphQL).', callers: ['oauth', 'engine', 'ticket'], body: { json: entity('{query, variables?, operationName?}') }, answer: { json: entity('GraphQL response') }, ecodes: [] },
  { method: 'get', path: '/graphql/schema', tag: 'graphql', summary: 'The GraphQL schema (SDL).', callers: ['anyone'], answer: media('text/plain'), ecodes: [] },
  { method: 'get', path: '/seal-picker', tag: 'graphql', summary: "v2's seal picker page.", callers: ['ticket'], query: ['ticket'], answer: media(HTML), ecodes: [] },
  { method: 'get', path: '/seal-picker/picker.js', tag: 'graphql', summary: "The seal picker's script.", callers: ['anyone'], answer: media('text/javascript'), ecodes: [] },
  { method: 'get', path: '/seal-picker/images/:sealId', tag: 'graphql', summary: "The user's seal images.", callers: ['ticket'], answer: media('image/png', 'image/jpeg', 'image/svg+xml'), ecodes: ['SEAL_NOT_FOUND', 'NOT_SEAL_HOLDER'] },

  // Web component, demo, operations
  { method: 'get', path: '/plugin-ui/:file', tag: 'ui', summary: 'The built web component.', callers: ['anyone'], answer: media('text/javascript'), ecodes: ['NOT_FOUND', 'UI_NOT_BUILT'] },
  { method: 'get', path: '/demo', tag: 'ui', summary: 'The demo form (DEMO=true only).', callers: ['anyone'], answer: media(HTML), ecodes: ['NOT_FOUND'] },
  { method: 'get', path: '/demo/:asset', tag: 'ui', summary: "The demo's assets.", callers: ['anyone'], answer: media('text/javascript', 'text/css'), ecodes: ['NOT_FOUND'] },
  { method: 'post', path: '/demo/create', tag: 'ui', summary: 'Create a demo Signature (DEMO=true only).', callers: ['anyone'], body: { json: Type.Object({ template: Type.String(), data: Type.Optional(Type.Object({})), account: Type.Optional(Type.String()) }) }, answer: { entities: entity('{signatureId, ticket}') }, ecodes: ['NOT_FOUND', 'EXPORT_UNAVAILABLE', 'DEMO_USER_NOT_FOUND', 'RATE_LIMITED'] },
  { method: 'post', path: '/demo/session', tag: 'ui', summary: 'A ticket for a demo user (DEMO=true only).', callers: ['anyone'], body: { json: Type.Object({ account: Type.String(), signatureId: Type.Optional(Type.String()), reset: Type.Optional(Type.Boolean()) }) }, answer: { entities: entity('{signatureId, ticket, account, name, users}') }, ecodes: ['NOT_FOUND', 'DEMO_USER_NOT_FOUND', 'DEMO_SIGNATURE_ONLY'] },
  { method: 'get', path: '/healthz', tag: 'operations', summary: 'Liveness: database and disk.', callers: ['anyone'], answer: { entities: entity('{checks}') }, ecodes: ['UNHEALTHY'] },
  { method: 'get', path: '/readyz', tag: 'operations', summary: 'Readiness for a load balancer.', callers: ['anyone'], answer: { entities: entity('{instance, checks, queue, converters}') }, ecodes: ['NOT_READY'] },
  { method: 'get', path: '/openapi.json', tag: 'operations', summary: 'This document.', callers: ['anyone'], answer: { json: entity('OpenAPI 3.1') }, ecodes: [] },
];
