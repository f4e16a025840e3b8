-- Word templates uploaded with `PUT /templates/:name` when the store is shared (PostgreSQL): their
-- metadata here, their bytes in the blob store under `sha256`, so every instance sees every upload.

CREATE TABLE templates (
  name TEXT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  schema TEXT,
  update_time BIGINT NOT NULL
);

CREATE INDEX templates_sha256 ON templates (sha256);
