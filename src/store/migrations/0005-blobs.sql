-- File bytes in the database (the `postgres` blob store): one row per sha256, its bytes in ordered
-- chunks. Created on SQLite too, so both engines keep one schema; SQLite deployments keep blobs on
-- disk.

CREATE TABLE blobs (
  sha256 TEXT PRIMARY KEY,
  size BIGINT NOT NULL,
  chunks INTEGER NOT NULL,
  last_used BIGINT NOT NULL
);

CREATE TABLE blob_chunks (
  sha256 TEXT NOT NULL,
  seq INTEGER NOT NULL,
  data {{binary}} NOT NULL,
  CONSTRAINT blob_chunks_pk PRIMARY KEY (sha256, seq)
);
