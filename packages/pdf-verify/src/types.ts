// The verification report. Every verdict is also spelled out as an explicit state code (see
// the package's README.md for the table) so a UI never has to infer meaning from booleans.
import type { VerifyLimits } from './limits.js';
import type { RevocationOptions, RevocationReport } from './revocation.js';
import type { TimestampReport } from './timestamp.js';

export type { RevocationOptions, RevocationReport, TimestampReport, VerifyLimits };

export const SIGNATURE_STATES = [
  'SIGNATURE_VALID',
  'SIGNATURE_INVALID',
  'DIGEST_MISMATCH',
  'SIGNING_CERT_MISMATCH',
  'CMS_UNREADABLE',
  'SIGNER_CERT_MISSING',
  'UNSUPPORTED_ALGORITHM',
  'UNSUPPORTED_SUBFILTER',
  'BYTE_RANGE_INVALID',
  'CERT_TRUSTED',
  'CERT_ISSUER_UNKNOWN',
  'CERT_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_CHAIN_INVALID',
  'KEY_USAGE_INVALID',
  'REVOCATION_GOOD',
  'CERT_REVOKED',
  'REVOCATION_UNKNOWN',
  'REVOCATION_NOT_CHECKED',
  'TIMESTAMP_VALID',
  'TIMESTAMP_INVALID',
  'TIMESTAMP_UNTRUSTED',
  'CERTIFICATION',
  'COVERS_WHOLE_DOCUMENT',
  'PARTIAL_COVERAGE',
  'MODIFIED_AFTER_SIGNING',
] as const;

export type SignatureState = (typeof SIGNATURE_STATES)[number];

/** How much a later revision changed, from nothing to anything (modifications.ts, README.md). */
export const MODIFICATION_LEVELS = ['NONE', 'LTA_UPDATES', 'FORM_FILLING', 'ANNOTATIONS', 'OTHER'] as const;

export type ModificationLevel = (typeof MODIFICATION_LEVELS)[number];

/** Which form fields a signature locks (its field's /Lock or a FieldMDP transform). */
export interface FieldLock {
  action: 'All' | 'Include' | 'Exclude';
  fields: string[];
}

export const DOCUMENT_STATES = [
  'NO_SIGNATURES',
  'ALL_SIGNATURES_VALID',
  'UPDATED_AFTER_LAST_SIGNATURE',
  'EMPTY_SIGNATURE_FIELDS',
  'ENCRYPTED',
  'XREF_RECONSTRUCTED',
  'CERTIFIED',
] as const;

export type DocumentState = (typeof DOCUMENT_STATES)[number];

export interface SignatureReport {
  /** Fully qualified name of the signature field. */
  field: string;
  /** Subject of the signer certificate: "CN (O)". Null when the CMS carries no signer certificate. */
  signer: string | null;
  /** /Name of the signature dictionary: who applied the seal, as the signing tool recorded it (not proven by the certificate). */
  signerName: string | null;
  signerCertificatePem: string | null;
  /** Issuer of the signer certificate: "CN (O)". */
  issuer: string | null;
  /** ISO 8601. From a valid timestamp token, else the dictionary's /M, else the signing-time attribute. */
  signedAt: string | null;
  signedAtSource: 'timestamp' | 'signature-dictionary' | 'signing-time-attribute' | null;
  /** A valid timestamp token vouches for signedAt. */
  timestamped: boolean;
  /** Details of the timestamp token, when the signature carries one (or is a document timestamp). */
  timestamp: TimestampReport | null;
  subFilter: string | null;
  /** WebCrypto hash name, e.g. "SHA-256". */
  digestAlgorithm: string | null;
  /** e.g. "RSASSA-PKCS1-v1_5 with SHA-256", "ECDSA P-256 with SHA-256", "RSA-PSS with SHA-384". */
  signatureAlgorithm: string | null;
  byteRange: number[];
  /** 1-based index of the revision (incremental update) that holds the signature. */
  revision: number;
  /** The signed bytes are unchanged: message digest (or imprint) equals the digest over /ByteRange. */
  intact: boolean;
  /** Cryptographically valid: intact, the CMS signature verifies with the signer certificate,
   *  ESS signing-certificate(-v2) names that certificate, well-formed /ByteRange, supported format. */
  valid: boolean;
  /** The signer certificate chains to a trust anchor, dates valid at signedAt, CA and key usage flags right. */
  trusted: boolean;
  /** The /ByteRange reaches the end of the file. */
  coversWholeDocument: boolean;
  /** A later revision changed more than this signature allows (`allowedModificationLevel`, field locks). */
  modifiedAfterSigning: boolean;
  /** What later revisions changed beyond what is allowed, in words (e.g. "page 1 content"); empty when nothing disallowed. */
  changes: string[];
  /** The highest level of change in the revisions after this signature ('NONE' when there are none). */
  modificationLevel: ModificationLevel;
  /** What may change after this signature: a certification's /P (1 → LTA_UPDATES, 2 → FORM_FILLING,
   *  3 → ANNOTATIONS), else FORM_FILLING (approval signatures). */
  allowedModificationLevel: ModificationLevel;
  /** A certification (DocMDP) signature and its permissions /P; null for approval signatures. */
  certification: { permissions: 1 | 2 | 3 } | null;
  /** Form fields this signature locks, when its field has a /Lock (or a FieldMDP transform). */
  fieldLock: FieldLock | null;
  /** The signature's CMS (or timestamp token) as base64 DER, without /Contents padding; null when unreadable. */
  cms: string | null;
  /** Revocation of the signer's chain (see revocation.ts); status 'not-checked' when checking is off. */
  revocation: RevocationReport;
  states: SignatureState[];
  /** Human-readable details behind negative states. */
  problems: string[];
  reason: string | null;
  location: string | null;
  /** Only when `expectedCms` was given: this signature's CMS is one of the expected ones. */
  matchesRecord?: boolean;
  /** Only when `expectedCms` was given: index in `expectedCms` of the identical CMS, or null. */
  sealIndex?: number | null;
}

export interface RevisionReport {
  /** 1-based. */
  index: number;
  /** Byte offset where the revision ends. */
  end: number;
  /** Fields of the signatures whose signed bytes end in this revision. */
  signatureFields: string[];
  /** What this revision changed in the previous one, apart from adding signatures, in words. */
  changes: string[];
  /** The highest level of change this revision made, signing included. */
  level: ModificationLevel;
}

export interface VerifyReport {
  /** At least one signature, and every signature valid, trusted and not modified after signing
   *  (except by adding later signatures). */
  valid: boolean;
  signatureCount: number;
  /** In signing order (by the end of their signed bytes). */
  signatures: SignatureReport[];
  documentStates: DocumentState[];
  revisions: RevisionReport[];
  /** Only when `expectedCms` was given: every non-null expected CMS was found in the PDF. */
  matchesRecord?: boolean;
}

export interface VerifyOptions {
  /** PEM certificates (one or more per string) that anchor trust. */
  trustAnchorsPem: string[];
  /** Time for certificate checks when a signature states no signing time. Defaults to now. */
  now?: Date;
  /** The CMS the service stored for each seal (null for seals without one), to match against the PDF. */
  expectedCms?: (Uint8Array | null)[];
  /** Tighter or looser bounds on the work of this verification (limits.ts has the defaults). */
  limits?: Partial<VerifyLimits>;
  /** Revocation checking (default off: every signature says REVOCATION_NOT_CHECKED). */
  revocation?: RevocationOptions;
}
