-- Per-seal LTV (null: the global LTV setting), the certificates a seal held before it was re-keyed,
-- and the B-LTA documents the archive-renewal job keeps timestamped.

ALTER TABLE seals ADD COLUMN ltv INTEGER;

CREATE TABLE seal_certificates (
  serial TEXT PRIMARY KEY,
  seal_id TEXT NOT NULL,
  certificate_pem TEXT NOT NULL,
  chain_pem TEXT DEFAULT '[]' NOT NULL,
  key_algorithm TEXT,
  retired_at BIGINT NOT NULL
);

CREATE INDEX seal_certificates_seal ON seal_certificates (seal_id);

CREATE TABLE archive_renewals (
  signature_id TEXT PRIMARY KEY,
  tsa_not_after BIGINT NOT NULL,
  renewals INTEGER DEFAULT 0 NOT NULL,
  checked_at BIGINT NOT NULL,
  create_time BIGINT NOT NULL
);
