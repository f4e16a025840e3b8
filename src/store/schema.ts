/** Table shapes shared by every dialect (SQLite now, PostgreSQL later). */
export interface FilesTable {
  id: string;
  sha256: string;
  name: string;
  size: number;
  mime: string;
  create_time: number;
  last_modified: number;
  tags: string;
}

export interface SignaturesTable {
  id: string;
  /** The Signature as JSON text. */
  body: string;
  version: number;
  create_time: number;
  update_time: number;
}

export interface SignatureFilesTable {
  signature_id: string;
  file_id: string;
}

export interface UsedNoncesTable {
  nonce: string;
  expires_at: number;
}

export interface SealsTable {
  id: string;
  name: string;
  type: string;
  owner_kind: string;
  owner: string;
  holders: string;
  image_file_id: string;
  provider: string;
  certificate_pem: string | null;
  chain_pem: string;
  key_algorithm: string | null;
  encrypted_key: string | null;
  provider_ref: string;
  disabled: number;
  create_time: number;
  /** 1/0: this seal's stamps are (not) B-LTA; null: the global LTV setting. */
  ltv?: number | null;
}

export interface AuthoritiesTable {
  name: string;
  certificate_pem: string;
  encrypted_key: string;
  create_time: number;
}

export interface DirectoryUsersTable {
  account: string;
  name: string;
  organization: string;
  title: string;
}

export interface ProviderFlowsTable {
  id: string;
  provider: string;
  signature_id: string;
  seal_index: number;
  seal_id: string;
  account: string;
  account_name: string;
  state: string;
  state_reason: string;
  external_id: string | null;
  sign_url: string;
  provider_ref: string;
  base_uri: string;
  create_time: number;
  update_time: number;
}

export interface ProviderEventsTable {
  id: string;
  provider: string;
  event_key: string;
  payload: string;
  received_time: number;
  processed_time: number | null;
  outcome: string;
}

export interface ProviderAccountsTable {
  provider: string;
  account: string;
  profile: string;
  external_id: string | null;
  organization_external_id: string | null;
  update_time: number;
}

export interface CertificateRevocationsTable {
  /** Certificate serial number, lowercase hex without leading zero bytes. */
  serial: string;
  seal_id: string;
  revoked_at: number;
  reason: string;
  create_time: number;
}

/** A certificate a seal held before it was re-keyed (its current one is on the seal). */
export interface SealCertificatesTable {
  serial: string;
  seal_id: string;
  certificate_pem: string;
  chain_pem: string;
  key_algorithm: string | null;
  retired_at: number;
}

/** A Signature whose PDF is B-LTA, with when its last document timestamp's TSA certificate expires. */
export interface ArchiveRenewalsTable {
  signature_id: string;
  tsa_not_after: number;
  renewals: number;
  checked_at: number;
  create_time: number;
}

export interface SignRequestsTable {
  caller: string;
  client_mutation_id: string;
  request_hash: string;
  /** The signFile result as JSON (the signed bytes of an unarchived result inline, base64). */
  result: string;
  flow_id: string | null;
  create_time: number;
}

export interface TotpEnrolmentsTable {
  account: string;
  encrypted_secret: string;
  last_step: number;
  failures: number;
  window_start: number;
  create_time: number;
}

export interface SealMfaTable {
  seal_id: string;
  method: string;
  update_time: number;
}

export interface RevokedTicketsTable {
  jti: string;
  signature_id: string;
  expires_at: number;
}

export interface AuditEntriesTable {
  signature_id: string;
  seq: number;
  time: number;
  type: string;
  actor: string;
  data: string;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadsTable {
  signature_id: string;
  seq: number;
  hash: string;
}

export interface VerificationCodesTable {
  code: string;
  signature_id: string;
  shareable: number;
  create_time: number;
  withdrawn_time: number | null;
}

export interface WebhookSubscriptionsTable {
  id: string;
  url: string;
  events: string;
  secret: string;
  digest: number;
  active: number;
  create_time: number;
}

export interface WebhookEventsTable {
  id: string;
  type: string;
  signature_id: string;
  payload: string;
  create_time: number;
}

export interface WebhookDeliveriesTable {
  id: string;
  event_id: string;
  subscription_id: string;
  state: string;
  attempts: number;
  next_attempt_time: number;
  last_status: number | null;
  last_error: string;
  create_time: number;
  delivered_time: number | null;
}

export interface WebhookAttemptsTable {
  delivery_id: string;
  attempt: number;
  time: number;
  status: number | null;
  error: string;
  duration_ms: number;
}

export interface BlobsTable {
  sha256: string;
  size: number;
  chunks: number;
  last_used: number;
}

export interface BlobChunksTable {
  sha256: string;
  seq: number;
  data: Buffer;
}

/** Uploaded Word templates in the shared store (bytes in the blob store). */
export interface TemplatesTable {
  name: string;
  sha256: string;
  size: number;
  /** JSON Schema of the form data, as JSON text; null keeps the shipped one (if any). */
  schema: string | null;
  update_time: number;
}

export interface Database {
  files: FilesTable;
  signatures: SignaturesTable;
  signature_files: SignatureFilesTable;
  used_nonces: UsedNoncesTable;
  seals: SealsTable;
  authorities: AuthoritiesTable;
  directory_users: DirectoryUsersTable;
  provider_flows: ProviderFlowsTable;
  provider_events: ProviderEventsTable;
  provider_accounts: ProviderAccountsTable;
  certificate_revocations: CertificateRevocationsTable;
  seal_certificates: SealCertificatesTable;
  archive_renewals: ArchiveRenewalsTable;
  sign_requests: SignRequestsTable;
  totp_enrolments: TotpEnrolmentsTable;
  seal_mfa: SealMfaTable;
  revoked_tickets: RevokedTicketsTable;
  audit_entries: AuditEntriesTable;
  audit_heads: AuditHeadsTable;
  verification_codes: VerificationCodesTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  blobs: BlobsTable;
  blob_chunks: BlobChunksTable;
  templates: TemplatesTable;
}
