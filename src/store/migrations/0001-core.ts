import type { Kysely, Migration } from 'kysely';

/** Files, Signatures, the files each Signature references, and used digest nonces. */
export const core: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('files')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('mime', 'text', (c) => c.notNull())
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .addColumn('last_modified', 'bigint', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
      .execute();
    await db.schema.createIndex('files_sha256').on('files').column('sha256').execute();

    await db.schema
      .createTable('signatures')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .addColumn('update_time', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('signature_files')
      .addColumn('signature_id', 'text', (c) => c.notNull().references('signatures.id').onDelete('cascade'))
      .addColumn('file_id', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('signature_files_pk', ['signature_id', 'file_id'])
      .execute();
    await db.schema.createIndex('signature_files_file').on('signature_files').column('file_id').execute();

    await db.schema
      .createTable('used_nonces')
      .addColumn('nonce', 'text', (c) => c.primaryKey())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
  },
};
