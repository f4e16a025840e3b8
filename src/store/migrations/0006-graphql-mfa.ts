import type { Kysely, Migration } from 'kysely';

/**
 * SignatureAPI v2 (GraphQL): signFile results by client mutation id (idempotency), TOTP enrolments
 * with their last accepted time step and failed attempts, and which seals require a second factor.
 */
export const graphqlMfa: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('sign_requests')
      .addColumn('caller', 'text', (c) => c.notNull())
      .addColumn('client_mutation_id', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('result', 'text', (c) => c.notNull())
      // A redirect provider's flow whose outcome completes this result.
      .addColumn('flow_id', 'text')
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('sign_requests_pk', ['caller', 'client_mutation_id'])
      .execute();
    await db.schema.createIndex('sign_requests_flow').on('sign_requests').column('flow_id').execute();

    await db.schema
      .createTable('totp_enrolments')
      .addColumn('account', 'text', (c) => c.primaryKey())
      .addColumn('encrypted_secret', 'text', (c) => c.notNull())
      .addColumn('last_step', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('window_start', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('seal_mfa')
      .addColumn('seal_id', 'text', (c) => c.primaryKey())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('update_time', 'bigint', (c) => c.notNull())
      .execute();
  },
};
