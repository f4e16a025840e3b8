-- Third-party provider flows, their callback events (exactly-once) and the provider-account
-- directory.

CREATE TABLE provider_flows (
  id TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  signature_id TEXT NOT NULL,
  seal_index INTEGER NOT NULL,
  seal_id TEXT NOT NULL,
  account TEXT NOT NULL,
  account_name TEXT DEFAULT '' NOT NULL,
  state TEXT NOT NULL,
  state_reason TEXT DEFAULT '' NOT NULL,
  external_id TEXT,
  sign_url TEXT DEFAULT '' NOT NULL,
  provider_ref TEXT DEFAULT '{}' NOT NULL,
  base_uri TEXT NOT NULL,
  create_time BIGINT NOT NULL,
  update_time BIGINT NOT NULL
);

CREATE UNIQUE INDEX provider_flows_open_slot ON provider_flows (signature_id, seal_index) WHERE state IN ('starting', 'pending');

CREATE INDEX provider_flows_external ON provider_flows (provider, external_id);

CREATE TABLE provider_events (
  id TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  event_key TEXT NOT NULL,
  payload TEXT NOT NULL,
  received_time BIGINT NOT NULL,
  processed_time BIGINT,
  outcome TEXT DEFAULT '' NOT NULL
);

CREATE UNIQUE INDEX provider_events_key ON provider_events (provider, event_key);

CREATE TABLE provider_accounts (
  provider TEXT NOT NULL,
  account TEXT NOT NULL,
  profile TEXT NOT NULL,
  external_id TEXT,
  organization_external_id TEXT,
  update_time BIGINT NOT NULL,
  CONSTRAINT provider_accounts_pk PRIMARY KEY (provider, account)
);
