-- The seal registry, the built-in CA, and the demo directory of organisations and users.

CREATE TABLE seals (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  owner_kind TEXT NOT NULL,
  owner TEXT NOT NULL,
  holders TEXT NOT NULL,
  image_file_id TEXT NOT NULL,
  provider TEXT DEFAULT 'local' NOT NULL,
  certificate_pem TEXT,
  chain_pem TEXT DEFAULT '[]' NOT NULL,
  key_algorithm TEXT,
  encrypted_key TEXT,
  provider_ref TEXT DEFAULT '{}' NOT NULL,
  disabled INTEGER DEFAULT 0 NOT NULL,
  create_time BIGINT NOT NULL
);

CREATE TABLE authorities (
  name TEXT PRIMARY KEY,
  certificate_pem TEXT NOT NULL,
  encrypted_key TEXT NOT NULL,
  create_time BIGINT NOT NULL
);

CREATE TABLE directory_users (
  account TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  organization TEXT DEFAULT '' NOT NULL,
  title TEXT DEFAULT '' NOT NULL
);
