-- Proof for outsiders: the hash-chained audit log per Signature (with its head, so a truncated tail
-- is noticed), verification codes printed on documents, and outgoing webhooks (subscriptions, the
-- outbox of events, one delivery per event and subscriber, and every attempt).

CREATE TABLE audit_entries (
  signature_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  time BIGINT NOT NULL,
  type TEXT NOT NULL,
  actor TEXT DEFAULT '' NOT NULL,
  data TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  CONSTRAINT audit_entries_pk PRIMARY KEY (signature_id, seq)
);

CREATE TABLE audit_heads (
  signature_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);

CREATE TABLE verification_codes (
  code TEXT PRIMARY KEY,
  signature_id TEXT NOT NULL,
  shareable INTEGER DEFAULT 0 NOT NULL,
  create_time BIGINT NOT NULL,
  withdrawn_time BIGINT
);

CREATE INDEX verification_codes_signature ON verification_codes (signature_id);

CREATE TABLE webhook_subscriptions (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  events TEXT NOT NULL,
  secret TEXT NOT NULL,
  digest INTEGER DEFAULT 0 NOT NULL,
  active INTEGER DEFAULT 1 NOT NULL,
  create_time BIGINT NOT NULL
);

CREATE TABLE webhook_events (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  signature_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  create_time BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  event_id TEXT NOT NULL,
  subscription_id TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER DEFAULT 0 NOT NULL,
  next_attempt_time BIGINT NOT NULL,
  last_status INTEGER,
  last_error TEXT DEFAULT '' NOT NULL,
  create_time BIGINT NOT NULL,
  delivered_time BIGINT
);

CREATE UNIQUE INDEX webhook_deliveries_pair ON webhook_deliveries (event_id, subscription_id);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_time);

CREATE TABLE webhook_attempts (
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  time BIGINT NOT NULL,
  status INTEGER,
  error TEXT DEFAULT '' NOT NULL,
  duration_ms INTEGER NOT NULL
);

CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);
