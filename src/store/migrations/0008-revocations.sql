-- Certificates revoked by the built-in CA (published in its CRL and OCSP answers).

CREATE TABLE certificate_revocations (
  serial TEXT PRIMARY KEY,
  seal_id TEXT NOT NULL,
  revoked_at BIGINT NOT NULL,
  reason TEXT NOT NULL,
  create_time BIGINT NOT NULL
);
