

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
  blobs: BlobsTable;
  blob_chunks: BlobChunksTable;
}
