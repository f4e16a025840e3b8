import { type Kysely, type Migration, sql } from 'kysely';

/** Third-party provider flows, their callback events (exactly-once) and the provider-account directory. */
export const providerFlows: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('provider_flows')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('signature_id', 'text', (c) => c.notNull())
      .addColumn('seal_index', 'integer', (c) => c.notNull())
      .addColumn('seal_id', 'text', (c) => c.notNull())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('account_name', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('state_reason', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('external_id', 'text')
      .addColumn('sign_url', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('provider_ref', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('base_uri', 'text', (c) => c.notNull())
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .addColumn('update_time', 'bigint', (c) => c.notNull())
      .execute();
    // At most one open flow per seal slot, even across processes.
    await sql`CREATE UNIQUE INDEX provider_flows_open_slot ON provider_flows (signature_id, seal_index) WHERE state IN ('starting', 'pending')`.execute(db);
    await db.schema.createIndex('provider_flows_external').on('provider_flows').columns(['provider', 'external_id']).execute();

    await db.schema
      .createTable('provider_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('event_key', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('received_time', 'bigint', (c) => c.notNull())
      .addColumn('processed_time', 'bigint')
      .addColumn('outcome', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    await db.schema.createIndex('provider_events_key').unique().on('provider_events').columns(['provider', 'event_key']).execute();

    await db.schema
      .createTable('provider_accounts')
      .addColumn('provider', 'text', (c) => c.notNull())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('profile', 'text', (c) => c.notNull())
      .addColumn('external_id', 'text')
      .addColumn('organization_external_id', 'text')
      .addColumn('update_time', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('provider_accounts_pk', ['provider', 'account'])
      .execute();
  },
};
