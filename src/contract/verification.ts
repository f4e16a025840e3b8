// The verification report (`POST /verify`, `GET /signature/:id/verify`, the web component's
// in-browser verifier). The verifier (@infoplus/pdf-verify) computes it and owns its state codes; a type
// check (src/verification/contract-compat.ts) holds its report assignable to this one.
import { type Static, Type } from '@sinclair/typebox';
import { DOCUMENT_STATES, MODIFICATION_LEVELS, SIGNATURE_STATES } from '@infoplus/pdf-verify/types';
import { Enum, Nullable } from './common.js';

export { DOCUMENT_STATES, MODIFICATION_LEVELS, SIGNATURE_STATES };

const ModificationLevel = Enum(MODIFICATION_LEVELS, { description: 'How much a later revision changed, from nothing to anything.' });

export const RevocationReport = Type.Object(
  {
    status: Enum(['good', 'revoked', 'unknown', 'not-checked']),
    source: Type.Optional(Type.String({ description: "Where the answer came from: 'embedded OCSP', 'embedded CRL', 'OCSP', 'CRL'." })),
    revokedAt: Type.Optional(Type.String({ description: 'ISO 8601, for a revoked certificate.' })),
    reason: Type.Optional(Type.String({ description: "RFC 5280 reason, e.g. 'keyCompromise'." })),
    certificate: Type.Optional(
      Type.String({ description: "Subject of the revoked (or unknown) certificate when it is not the signer's." }),
    ),
    why: Type.Optional(Type.String({ description: 'Why the status could not be had.' })),
    noSources: Type.Optional(Type.Boolean({ description: 'The certificate names no OCSP responder and no CRL.' })),
  },
  { title: 'RevocationReport' },
);
export type RevocationReport = Static<typeof RevocationReport>;

export const TimestampReport = Type.Object(
  {
    valid: Type.Boolean(),
    genTime: Type.Optional(Type.String({ description: 'Time asserted by the timestamp authority.' })),
    authority: Type.Optional(Type.String()),
    imprintMatches: Type.Boolean(),
    signatureValid: Type.Boolean(),
    trusted: Type.Boolean(),
    problems: Type.Array(Type.String()),
  },
  { title: 'TimestampReport' },
);
export type TimestampReport = Static<typeof TimestampReport>;

export const SignatureReport = Type.Object(
  {
    field: Type.String({ description: 'Fully qualified name of the signature field.' }),
    signer: Nullable(Type.String(), { description: 'Subject of the signer certificate: "CN (O)".' }),
    signerName: Nullable(Type.String(), { description: '/Name of the signature dictionary (not proven by the certificate).' }),
    signerCertificatePem: Nullable(Type.String()),
    issuer: Nullable(Type.String()),
    signedAt: Nullable(Type.String(), {
      description: "ISO 8601: a valid timestamp token's time, else /M, else the signing-time attribute.",
    }),
    signedAtSource: Nullable(Enum(['timestamp', 'signature-dictionary', 'signing-time-attribute'])),
    timestamped: Type.Boolean(),
    timestamp: Nullable(TimestampReport),
    subFilter: Nullable(Type.String()),
    digestAlgorithm: Nullable(Type.String()),
    signatureAlgorithm: Nullable(Type.String()),
    byteRange: Type.Array(Type.Integer()),
    revision: Type.Integer({ minimum: 1, description: '1-based index of the revision that holds the signature.' }),
    intact: Type.Boolean(),
    valid: Type.Boolean(),
    trusted: Type.Boolean(),
    coversWholeDocument: Type.Boolean(),
    modifiedAfterSigning: Type.Boolean(),
    changes: Type.Array(Type.String()),
    modificationLevel: ModificationLevel,
    allowedModificationLevel: ModificationLevel,
    certification: Nullable(Type.Object({ permissions: Enum([1, 2, 3]) })),
    fieldLock: Nullable(Type.Object({ action: Enum(['All', 'Include', 'Exclude']), fields: Type.Array(Type.String()) })),
    cms: Nullable(Type.String({ description: 'The CMS as base64 DER.' })),
    revocation: RevocationReport,
    states: Type.Array(Enum(SIGNATURE_STATES)),
    problems: Type.Array(Type.String()),
    reason: Nullable(Type.String()),
    location: Nullable(Type.String()),
    matchesRecord: Type.Optional(Type.Boolean({ description: "Matched against a Signature's seals: this CMS is one of them." })),
    sealIndex: Type.Optional(Nullable(Type.Integer({ minimum: 0 }), { description: 'The seal whose stored CMS this is.' })),
  },
  { title: 'SignatureReport' },
);
export type SignatureReport = Static<typeof SignatureReport>;

export const RevisionReport = Type.Object(
  {
    index: Type.Integer({ minimum: 1 }),
    end: Type.Integer({ minimum: 0 }),
    signatureFields: Type.Array(Type.String()),
    changes: Type.Array(Type.String()),
    level: ModificationLevel,
  },
  { title: 'RevisionReport' },
);
export type RevisionReport = Static<typeof RevisionReport>;

const reportFields = {
  valid: Type.Boolean({ description: 'At least one signature, and every one valid, trusted and not modified after signing.' }),
  signatureCount: Type.Integer({ minimum: 0 }),
  signatures: Type.Array(SignatureReport),
  documentStates: Type.Array(Enum(DOCUMENT_STATES)),
  revisions: Type.Array(RevisionReport),
  matchesRecord: Type.Optional(Type.Boolean({ description: "Matched against a Signature's seals: every stored CMS was found." })),
};

export const VerifyReport = Type.Object(reportFields, { title: 'VerifyReport' });
export type VerifyReport = Static<typeof VerifyReport>;

/** `GET /signature/:id/verify`: the report of the Signature's current PDF, matched against its seals. */
export const SignatureVerification = Type.Object(
  { signatureId: Type.String(), uri: Type.String(), ...reportFields },
  { title: 'SignatureVerification' },
);
export type SignatureVerification = Static<typeof SignatureVerification>;
