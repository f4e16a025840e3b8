import type { Kysely, Migration } from 'kysely';

/**
 * Word templates uploaded with `PUT /templates/:name` when the store is shared (PostgreSQL): their
 * metadata here, their bytes in the blob store under `sha256`, so every instance sees every upload.
 */
export const templates: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('templates')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('schema', 'text')
      .addColumn('update_time', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('templates_sha256').on('templates').column('sha256').execute();
  },
};
