import type { Kysely, Migration } from 'kysely';

/**
 * Per-seal LTV (null: the global LTV setting), the certificates a seal held before it was re-keyed,
 * and the B-LTA documents the archive-renewal job keeps timestamped.
 */
export const sealLtvRekeyArchives: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('seals').addColumn('ltv', 'integer').execute();

    await db.schema
      .createTable('seal_certificates')
      .addColumn('serial', 'text', (c) => c.primaryKey())
      .addColumn('seal_id', 'text', (c) => c.notNull())
      .addColumn('certificate_pem', 'text', (c) => c.notNull())
      .addColumn('chain_pem', 'text', (c) => c.notNull().defaultTo('[]'))
      .addColumn('key_algorithm', 'text')
      .addColumn('retired_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('seal_certificates_seal').on('seal_certificates').column('seal_id').execute();

    await db.schema
      .createTable('archive_renewals')
      .addColumn('signature_id', 'text', (c) => c.primaryKey())
      .addColumn('tsa_not_after', 'bigint', (c) => c.notNull())
      .addColumn('renewals', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('checked_at', 'bigint', (c) => c.notNull())
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .execute();
  },
};
