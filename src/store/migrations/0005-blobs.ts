import { type Kysely, type Migration, PostgresAdapter } from 'kysely';

/**
 * File bytes in the database (the `postgres` blob store): one row per sha256, its bytes in ordered
 * chunks. Created on SQLite too, so both engines keep one schema; SQLite deployments keep blobs on disk.
 */
export const blobs: Migration = {
  async up(db: Kysely<any>) {
    const binary = db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob';
    await db.schema
      .createTable('blobs')
      .addColumn('sha256', 'text', (c) => c.primaryKey())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('chunks', 'integer', (c) => c.notNull())
      .addColumn('last_used', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('blob_chunks')
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('data', binary, (c) => c.notNull())
      .addPrimaryKeyConstraint('blob_chunks_pk', ['sha256', 'seq'])
      .execute();
  },
};
