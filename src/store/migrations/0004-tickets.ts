import type { Kysely, Migration } from 'kysely';

/** Revoked end-user tickets (by `jti`), remembered until the longest ticket could have expired. */
export const tickets: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('revoked_tickets')
      .addColumn('jti', 'text', (c) => c.primaryKey())
      .addColumn('signature_id', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('revoked_tickets').execute();
  },
};
