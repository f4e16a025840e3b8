-- SignatureAPI v2 (GraphQL): signFile results by client mutation id (idempotency), TOTP enrolments
-- with their last accepted time step and failed attempts, and which seals require a second factor.

CREATE TABLE sign_requests (
  caller TEXT NOT NULL,
  client_mutation_id TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  result TEXT NOT NULL,
  flow_id TEXT,
  create_time BIGINT NOT NULL,
  CONSTRAINT sign_requests_pk PRIMARY KEY (caller, client_mutation_id)
);

CREATE INDEX sign_requests_flow ON sign_requests (flow_id);

CREATE TABLE totp_enrolments (
  account TEXT PRIMARY KEY,
  encrypted_secret TEXT NOT NULL,
  last_step BIGINT DEFAULT 0 NOT NULL,
  failures INTEGER DEFAULT 0 NOT NULL,
  window_start BIGINT DEFAULT 0 NOT NULL,
  create_time BIGINT NOT NULL
);

CREATE TABLE seal_mfa (
  seal_id TEXT PRIMARY KEY,
  method TEXT NOT NULL,
  update_time BIGINT NOT NULL
);
