-- Batch stamping (批量盖章): one batch per approver and list of seal slots, each item's outcome
-- durable.

CREATE TABLE stamp_batches (
  id TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  account_name TEXT DEFAULT '' NOT NULL,
  state TEXT NOT NULL,
  seal_id TEXT,
  comment TEXT DEFAULT '' NOT NULL,
  runner TEXT,
  lease_until BIGINT DEFAULT 0 NOT NULL,
  expires_at BIGINT NOT NULL,
  create_time BIGINT NOT NULL,
  update_time BIGINT NOT NULL
);

CREATE INDEX stamp_batches_state ON stamp_batches (state, lease_until);

CREATE TABLE stamp_batch_items (
  batch_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  signature_id TEXT NOT NULL,
  seal_index INTEGER NOT NULL,
  version BIGINT NOT NULL,
  name TEXT DEFAULT '' NOT NULL,
  state TEXT NOT NULL,
  ecode TEXT DEFAULT '' NOT NULL,
  message TEXT DEFAULT '' NOT NULL,
  update_time BIGINT NOT NULL,
  CONSTRAINT stamp_batch_items_pk PRIMARY KEY (batch_id, position)
);
