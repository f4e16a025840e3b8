

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


export interface Database {
  files: FilesTable;
  signatures: SignaturesTable;
  signature_files: SignatureFilesTable;
  used_nonces: UsedNoncesTable;
}
