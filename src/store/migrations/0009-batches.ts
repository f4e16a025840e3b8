import type { Kysely, Migration } from 'kysely';

/** Batch stamping (批量盖章): one batch per approver and list of seal slots, each item's outcome durable. */
export const batches: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('stamp_batches')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('account_name', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('seal_id', 'text')
      .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('runner', 'text')
      .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('create_time', 'bigint', (c) => c.notNull())
      .addColumn('update_time', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('stamp_batches_state').on('stamp_batches').columns(['state', 'lease_until']).execute();
    await db.schema
      .createTable('stamp_batch_items')
      .addColumn('batch_id', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('signature_id', 'text', (c) => c.notNull())
      .addColumn('seal_index', 'integer', (c) => c.notNull())
      .addColumn('version', 'bigint', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('ecode', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('message', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('update_time', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('stamp_batch_items_pk', ['batch_id', 'position'])
      .execute();
  },
};
