import type { Kysely, Migration } from 'kysely';

/** Certificates revoked by the built-in CA (published in its CRL and OCSP answers). */
export const revocations: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('certificate_revocations')
      .addColumn('serial', 'text', (c) => c.primaryKey())
      .addColumn('seal_id', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .execute();
  },
};
