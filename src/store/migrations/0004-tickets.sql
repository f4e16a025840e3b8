-- Revoked end-user tickets (by `jti`), remembered until the longest ticket could have expired.

CREATE TABLE revoked_tickets (
  jti TEXT PRIMARY KEY,
  signature_id TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
