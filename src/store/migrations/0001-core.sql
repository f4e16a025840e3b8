-- Files, Signatures, the files each Signature references, and used digest nonces.

CREATE TABLE files (
  id TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  name TEXT NOT NULL,
  size BIGINT NOT NULL,
  mime TEXT NOT NULL,
  create_time BIGINT NOT NULL,
  last_modified BIGINT NOT NULL,
  tags TEXT DEFAULT '[]' NOT NULL
);

CREATE INDEX files_sha256 ON files (sha256);

CREATE TABLE signatures (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  version INTEGER NOT NULL,
  create_time BIGINT NOT NULL,
  update_time BIGINT NOT NULL
);

CREATE TABLE signature_files (
  signature_id TEXT NOT NULL REFERENCES signatures (id) ON DELETE CASCADE,
  file_id TEXT NOT NULL,
  CONSTRAINT signature_files_pk PRIMARY KEY (signature_id, file_id)
);

CREATE INDEX signature_files_file ON signature_files (file_id);

CREATE TABLE used_nonces (
  nonce TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
